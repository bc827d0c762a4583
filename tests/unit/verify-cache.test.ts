import { describe, expect, it } from 'vitest';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { addDaysToDate, warsawInstant } from '$lib/domain/time';
import type { WorkerChanges } from '$server/db/worker-changes';
import { cacheableHeaders, cachedPage, compressedPage, livePeriod, pageKey, pickEncoding, VerifyPageCache, type CachedPage } from '$server/public/verify-cache';

function changes(): WorkerChanges & { v: number | null } {
	const c = { v: 1 as number | null, version: () => c.v, close: async () => {} };
	return c;
}

const MINUTE = 60_000;
const t0 = Date.UTC(2026, 10, 24, 9, 30, 5);

const lookup = { badgeInput: 'ABC', workerId: 'w', outcome: 'valid', kind: 'ABC\nw\nvalid\nform' } as const;

function page(period: number, version: number): CachedPage {
	return cachedPage(Buffer.from('<p>WAŻNY</p>'), {}, { period, version, lookup });
}

describe('cache of rendered badge pages', () => {
	it('keeps a page for the minute of its live code only', () => {
		const cache = new VerifyPageCache(changes());
		cache.put('k', page(livePeriod(t0), 1), t0);
		expect(cache.get('k', t0 + 30_000)).toBeDefined();
		const nextMinute = Math.ceil(t0 / MINUTE) * MINUTE;
		expect(cache.get('k', nextMinute)).toBeUndefined();
	});

	it('never serves a page across midnight in Warsaw, so a badge turns valid (or expires) at that moment', () => {
		// Every Warsaw midnight of a year, summer and winter time: a page kept a millisecond before is
		// gone at midnight, whatever its badge read then ("not yet valid", "valid" on its last day).
		const kept = page(0, 1);
		for (let n = 0; n < 365; n++) {
			const midnight = warsawInstant(addDaysToDate('2026-01-01', n), '00:00').getTime();
			const cache = new VerifyPageCache(changes());
			cache.put('k', { ...kept, period: livePeriod(midnight - 1) }, midnight - 1);
			expect(cache.get('k', midnight - 1)).toBeDefined();
			expect(cache.get('k', midnight), new Date(midnight).toISOString()).toBeUndefined();
		}
	});

	it('drops every page once the workers table changes, and keeps none while that is unknown', () => {
		const c = changes();
		const cache = new VerifyPageCache(c);
		cache.put('k', page(livePeriod(t0), 1), t0);
		c.v = 2;
		expect(cache.get('k', t0)).toBeUndefined();
		c.v = null;
		cache.put('k', page(livePeriod(t0), 2), t0);
		expect(cache.get('k', t0)).toBeUndefined();
	});

	it('does not keep a page rendered from a version already gone', () => {
		const c = changes();
		const cache = new VerifyPageCache(c);
		c.v = 5;
		cache.put('k', page(livePeriod(t0), 4), t0);
		expect(cache.size).toBe(0);
	});

	it('forgets the oldest pages past its size', () => {
		const cache = new VerifyPageCache(changes(), 2);
		for (const k of ['a', 'b', 'c']) cache.put(k, page(livePeriod(t0), 1), t0);
		expect(cache.get('a', t0)).toBeUndefined();
		expect(cache.get('c', t0)).toBeDefined();
	});

	it('keys pages by address, language cookie and otherwise the browser’s languages', () => {
		const q = '/verify?badge=ABC-DEF-GHJ';
		expect(pageKey(q, 'x=1; wymiana_lang=en', 'pl')).toBe(pageKey(q, 'wymiana_lang=en', 'de'));
		expect(pageKey(q, 'wymiana_lang=en', 'pl')).not.toBe(pageKey(q, 'wymiana_lang=pl', 'pl'));
		expect(pageKey(q, null, 'pl-PL')).not.toBe(pageKey(q, null, 'en-GB'));
		expect(pageKey(q, null, 'pl-PL')).not.toBe(pageKey('/verify?badge=ABC-DEF-GHK', null, 'pl-PL'));
	});

	it('compresses once and picks what the browser accepts', () => {
		const p = compressedPage(Buffer.from('<p>Sprawdź identyfikator</p>'.repeat(20)));
		expect(gunzipSync(p.gzip).equals(p.body)).toBe(true);
		expect(brotliDecompressSync(p.br).equals(p.body)).toBe(true);
		expect(pickEncoding('gzip, deflate, br')).toBe('br');
		expect(pickEncoding('gzip, deflate')).toBe('gzip');
		expect(pickEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
		expect(pickEncoding('gzip;q=0, identity')).toBeNull();
		expect(pickEncoding('*')).toBe('gzip');
		expect(pickEncoding(undefined)).toBeNull();
	});

	it('keeps each encoding with the headers it is sent with', () => {
		const p = cachedPage(Buffer.from('<p>WAŻNY</p>'.repeat(20)), { 'content-type': 'text/html', vary: 'Cookie' }, { period: 1, version: 1, lookup });
		const headers = (v: { headers: string[] }) => Object.fromEntries(Array.from({ length: v.headers.length / 2 }, (_, i) => [v.headers[2 * i], v.headers[2 * i + 1]]));
		expect(headers(p.identity)).toEqual({ 'content-type': 'text/html', vary: 'Accept-Encoding', 'content-length': String(p.identity.body.length) });
		expect(headers(p.gzip)).toEqual({ 'content-type': 'text/html', vary: 'Accept-Encoding', 'content-length': String(p.gzip.body.length), 'content-encoding': 'gzip' });
		expect(headers(p.br)['content-encoding']).toBe('br');
		expect(gunzipSync(p.gzip.body).equals(p.identity.body)).toBe(true);
	});

	it('keeps a response’s own headers but not per-response ones, and nothing that sets a cookie', () => {
		const h = new Headers({ 'content-type': 'text/html', 'x-request-id': 'r1', date: 'now', 'content-security-policy': "default-src 'self'" });
		expect(cacheableHeaders(h)).toEqual({ 'content-type': 'text/html', 'content-security-policy': "default-src 'self'" });
		h.append('set-cookie', 'a=1');
		expect(cacheableHeaders(h)).toBeNull();
	});
});
