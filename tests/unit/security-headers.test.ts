import { describe, expect, it } from 'vitest';
import { isCrossSiteWrite } from '../../server/security-headers';

const post = (origin: string | null, site: string | null = null) =>
	new Request('http://localhost:3000/api/trpc/auth.signIn', { method: 'POST', headers: { ...(origin ? { origin } : {}), ...(site ? { 'sec-fetch-site': site } : {}) } });

describe('cross-site write check', () => {
	it('lets the app’s own pages write even when the server guessed the wrong scheme', () => {
		const url = new URL('https://localhost:3000/api/trpc/auth.signIn');
		expect(isCrossSiteWrite(post('http://localhost:3000'), url, undefined)).toBe(false);
		expect(isCrossSiteWrite(post('https://localhost:3000'), url, undefined)).toBe(false);
	});

	it('without ORIGIN accepts a write from whatever address the browser reached the server by, and nothing else', () => {
		for (const host of ['192.168.1.20:3000', '127.0.0.1:3000', 'wymiana.lan']) {
			const url = new URL(`http://${host}/api/trpc/auth.signIn`);
			expect(isCrossSiteWrite(post(`http://${host}`), url, undefined), host).toBe(false);
			expect(isCrossSiteWrite(post('http://localhost:3000'), url, undefined), host).toBe(true);
			expect(isCrossSiteWrite(post('https://evil.example'), url, undefined), host).toBe(true);
		}
	});

	it('with ORIGIN set accepts exactly that origin, scheme and port included', () => {
		const url = new URL('https://wymiana.example.pl/api/trpc/auth.signIn');
		const configured = 'https://wymiana.example.pl';
		expect(isCrossSiteWrite(post('https://wymiana.example.pl'), url, configured)).toBe(false);
		expect(isCrossSiteWrite(post('http://wymiana.example.pl'), url, configured)).toBe(true);
		expect(isCrossSiteWrite(post('https://wymiana.example.pl:8443'), url, configured)).toBe(true);
		// A tablet on a LAN address is not the configured origin.
		expect(isCrossSiteWrite(post('https://192.168.1.20'), new URL('https://192.168.1.20/api/trpc/auth.signIn'), configured)).toBe(true);
	});

	it('refuses writes from another site, or a forged origin, and lets reads and non-browser clients through', () => {
		const url = new URL('http://localhost:3000/api/trpc/auth.signIn');
		for (const configured of [undefined, 'http://localhost:3000']) {
			expect(isCrossSiteWrite(post('https://evil.example'), url, configured)).toBe(true);
			expect(isCrossSiteWrite(post('http://localhost:4000'), url, configured)).toBe(true);
			expect(isCrossSiteWrite(post('null'), url, configured)).toBe(true);
			expect(isCrossSiteWrite(post(null, 'cross-site'), url, configured)).toBe(true);
			expect(isCrossSiteWrite(post(null), url, configured)).toBe(false);
			expect(isCrossSiteWrite(new Request(url, { method: 'GET', headers: { origin: 'https://evil.example' } }), url, configured)).toBe(false);
		}
	});

	it('guards every path, not only the API: uploads, PDFs and form actions alike', () => {
		for (const path of ['/plan/api/import?mode=commit', '/zgloszenie', '/lang/en', '/api/blobs/abc']) {
			const url = new URL(`http://localhost:3000${path}`);
			for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
				const req = new Request(url, { method, headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
				expect(isCrossSiteWrite(req, url), `${method} ${path}`).toBe(true);
			}
		}
	});
});
