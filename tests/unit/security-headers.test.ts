import { describe, expect, it } from 'vitest';
import { isCrossSiteWrite } from '../../server/security-headers';

const post = (origin: string | null, site: string | null = null) =>
	new Request('http://localhost:3000/api/trpc/auth.signIn', { method: 'POST', headers: { ...(origin ? { origin } : {}), ...(site ? { 'sec-fetch-site': site } : {}) } });

describe('cross-site write check', () => {
	it('lets the app’s own pages write even when the server guessed the wrong scheme', () => {
		const url = new URL('https://localhost:3000/api/trpc/auth.signIn');
		expect(isCrossSiteWrite(post('http://localhost:3000'), url)).toBe(false);
		expect(isCrossSiteWrite(post('https://localhost:3000'), url)).toBe(false);
	});

	it('refuses writes from another site, or a forged origin, and lets reads and non-browser clients through', () => {
		const url = new URL('http://localhost:3000/api/trpc/auth.signIn');
		expect(isCrossSiteWrite(post('https://evil.example'), url)).toBe(true);
		expect(isCrossSiteWrite(post('http://localhost:4000'), url)).toBe(true);
		expect(isCrossSiteWrite(post('null'), url)).toBe(true);
		expect(isCrossSiteWrite(post(null, 'cross-site'), url)).toBe(true);
		expect(isCrossSiteWrite(post(null), url)).toBe(false);
		expect(isCrossSiteWrite(new Request(url, { method: 'GET', headers: { origin: 'https://evil.example' } }), url)).toBe(false);
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
