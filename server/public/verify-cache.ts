import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { LIVE_CODE_PERIOD_SECONDS } from '../../src/lib/domain/live-code';
import type { LookupOutcome } from '../db/schema';
import type { WorkerChanges } from '../db/worker-changes';

/** What the look-up log records for an answer served from the cache. */
export interface CachedLookup {
	/** The normalised number: the per-badge limiter's key and the log's `badge_input`. */
	badgeInput: string;
	workerId: string;
	outcome: LookupOutcome;
	/** Their lookupKind as a form look-up: the look-up log's row key less the client, made once per page. */
	kind: string;
}

/** The page in one encoding, ready to send: its bytes and response headers as [name, value, …]. */
export interface PageVariant {
	body: Buffer;
	/** The rendered response's headers minus the per-request ones, with this body's length and encoding. */
	headers: string[];
}

export interface CachedPage {
	identity: PageVariant;
	/** The body compressed once, for browsers that accept it (all of them do). */
	gzip: PageVariant;
	br: PageVariant;
	/** The live-code period it was rendered for: the code (and any expiry) holds for that minute. */
	period: number;
	/** The workers table's version read before the badge was: any later change retires the page. */
	version: number;
	lookup: CachedLookup;
}

export const LANG_COOKIE = 'wymiana_lang';
const LANG_COOKIE_RE = new RegExp(`(?:^|;\\s*)${LANG_COOKIE}=([^;]*)`);

/**
 * The key of a rendered /verify page: everything its HTML depends on besides the database and the
 * clock — the path and query, and what picks the language (the language cookie, else the
 * browser's Accept-Language), taken raw from the request so both sides compute it alike.
 */
export function pageKey(pathAndQuery: string, cookieHeader: string | undefined | null, acceptLanguage: string | undefined | null): string {
	const lang = cookieHeader ? (LANG_COOKIE_RE.exec(cookieHeader)?.[1] ?? '') : '';
	return `${pathAndQuery}\n${lang}\n${lang ? '' : (acceptLanguage ?? '')}`;
}

/** The two encodings kept, compressed once per page. */
export function compressedPage(body: Buffer): { body: Buffer; gzip: Buffer; br: Buffer } {
	return { body, gzip: gzipSync(body, { level: 9 }), br: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }) };
}

/**
 * A rendered page as kept: each encoding with the headers it is sent with, built once here rather
 * than for every answer. `headers` are the rendered response's cacheable ones (cacheableHeaders).
 */
export function cachedPage(body: Buffer, headers: Record<string, string>, { period, version, lookup }: Pick<CachedPage, 'period' | 'version' | 'lookup'>): CachedPage {
	const common = Object.entries({ ...headers, vary: 'Accept-Encoding' }).flat();
	const variant = (bytes: Buffer, encoding?: 'gzip' | 'br'): PageVariant => ({
		body: bytes,
		headers: [...common, 'content-length', String(bytes.length), ...(encoding ? ['content-encoding', encoding] : [])]
	});
	const { gzip, br } = compressedPage(body);
	return { identity: variant(body), gzip: variant(gzip, 'gzip'), br: variant(br, 'br'), period, version, lookup };
}

/** The best encoding the request's Accept-Encoding allows (q=0 refuses one). */
export function pickEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | null {
	if (!acceptEncoding) return null;
	let gzip = false;
	for (const part of acceptEncoding.split(',')) {
		const [name = '', ...params] = part.trim().toLowerCase().split(';');
		const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
		if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
		if (name === 'br') return 'br';
		if (name === 'gzip' || name === '*') gzip = true;
	}
	return gzip ? 'gzip' : null;
}

export function livePeriod(now: number): number {
	return Math.floor(now / (LIVE_CODE_PERIOD_SECONDS * 1000));
}

/** Response headers that belong to one response only. */
const PER_RESPONSE = new Set(['x-request-id', 'date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding']);

export function cacheableHeaders(headers: Headers): Record<string, string> | null {
	if (headers.has('set-cookie')) return null;
	const kept: Record<string, string> = {};
	headers.forEach((value, name) => {
		if (!PER_RESPONSE.has(name)) kept[name] = value;
	});
	return kept;
}

/**
 * Rendered /verify pages of badges, for the minute of their live code. A page is served only while
 * the workers table is at the version it was rendered from (so a suspension or revocation shows on
 * the next request) and while its live code is current; otherwise it is dropped and rendered anew.
 * Least recently stored pages go first past `max`.
 */
export class VerifyPageCache {
	private readonly pages = new Map<string, CachedPage>();

	constructor(
		private readonly changes: WorkerChanges,
		private readonly max = 2000
	) {}

	/** Read before the badge row, stored with the page. Null: caching is off for now. */
	version(): number | null {
		return this.changes.version();
	}

	get(key: string, now = Date.now()): CachedPage | undefined {
		const page = this.pages.get(key);
		if (!page) return undefined;
		if (page.period !== livePeriod(now) || page.version !== this.changes.version()) {
			this.pages.delete(key);
			return undefined;
		}
		return page;
	}

	put(key: string, page: CachedPage, now = Date.now()): void {
		if (page.period !== livePeriod(now) || page.version !== this.changes.version()) return;
		this.pages.delete(key);
		if (this.pages.size >= this.max) this.pages.delete(this.pages.keys().next().value!);
		this.pages.set(key, page);
	}

	get size(): number {
		return this.pages.size;
	}
}
