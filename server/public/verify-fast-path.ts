import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import { SESSION_COOKIE } from '../auth/sessions';
import type { LookupEntry } from '../badges/badges.repository';
import { lookupKind } from '../badges/lookup-log';
import type { FastPath } from '../fast-path';
import { log } from '../log';
import type { Services } from '../services';
import { clientHash } from './client';
import { publicKeys } from './keys';
import { publicRuntime, type PublicRuntime } from './runtime';
import { takePointsHere } from './shared-limiter';
import { cacheableHeaders, cachedPage, livePeriod, pageKey, pickEncoding, type CachedLookup } from './verify-cache';

/** What the /verify load tells the response hook about a page it may keep. */
export interface KeepablePage {
	period: number;
	version: number;
	lookup: CachedLookup;
}

/** The load's side: a badge answer rendered for a plain GET by someone not signed in. */
export function keepablePage(version: number | null, now: Date, lookup: LookupEntry): KeepablePage | null {
	if (version === null || lookup.workerId === null || lookup.badgeInput === null) return null;
	const { badgeInput, workerId, outcome } = lookup;
	return { period: livePeriod(now.getTime()), version, lookup: { badgeInput, workerId, outcome, kind: lookupKind({ badgeInput, workerId, outcome, source: 'form' }) } };
}

/** The response hook's side: keeps the rendered page (and returns an equivalent response). */
export async function keepPage(rt: PublicRuntime, request: Request, url: URL, response: Response, page: KeepablePage): Promise<Response> {
	const headers = cacheableHeaders(response.headers);
	if (response.status !== 200 || !headers || request.headers.get('cookie')?.includes(`${SESSION_COOKIE}=`)) return response;
	const body = Buffer.from(await response.arrayBuffer());
	rt.pages.put(pageKey(url.pathname + url.search, request.headers.get('cookie'), request.headers.get('accept-language')), cachedPage(body, headers, page));
	return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** The client address as adapter-node's getClientAddress reads it (ADDRESS_HEADER, XFF_DEPTH). */
export function clientAddressReader(env: NodeJS.ProcessEnv = process.env): (req: http.IncomingMessage) => string | undefined {
	const header = (env.ADDRESS_HEADER ?? '').toLowerCase();
	const depth = Number.parseInt(env.XFF_DEPTH ?? '1', 10);
	if (!header) return (req) => req.socket.remoteAddress;
	return (req) => {
		const value = req.headers[header];
		if (typeof value !== 'string') return undefined;
		if (header !== 'x-forwarded-for') return value;
		const addresses = value.split(',');
		return depth >= 1 && depth <= addresses.length ? addresses[addresses.length - depth]!.trim() : undefined;
	};
}

const SESSION_COOKIE_SET = `${SESSION_COOKIE}=`;

/** `fn` with its answers kept for the inputs seen (all forgotten past `max`): for per-request work on inputs that repeat. */
function remembered<T>(fn: (input: string) => T, max: number): (input: string) => T {
	const answers = new Map<string, T>();
	return (input) => {
		let answer = answers.get(input);
		if (answer === undefined) {
			if (answers.size >= max) answers.clear();
			answer = fn(input);
			answers.set(input, answer);
		}
		return answer;
	};
}

/**
 * /verify for a badge whose page is cached: the same limits (taken here while the keys are busy
 * here, see SharedLimiter), the same look-up log row (written behind), the same bytes SvelteKit
 * rendered for this minute (compressed when the browser accepts it). Anything else — first look-ups, exhausted limits, signed-in staff,
 * other pages — goes to SvelteKit.
 */
export function createVerifyFastPath(services: Services, env: NodeJS.ProcessEnv = process.env): FastPath {
	const rt = publicRuntime(services);
	const clientAddress = clientAddressReader(env);
	let hmac: Buffer | null = null;
	void publicKeys(services.db).then(
		(keys) => (hmac = keys.hmac),
		(err) => log.error({ err }, 'public keys unavailable; /verify is rendered for every request')
	);
	// HMAC per request costs more than the rest of the answer; an address hashes the same all day.
	const hashOf = remembered((ip) => clientHash(hmac!, ip), 10_000);
	// Browsers send a handful of Accept-Encoding values.
	const encodingOf = remembered(pickEncoding, 100);

	return (req, res, next) => {
		const target = req.url;
		if (req.method !== 'GET' || hmac === null || !target?.startsWith('/verify?')) return next();
		const cookie = req.headers.cookie;
		if (cookie?.includes(SESSION_COOKIE_SET)) return next();
		const now = Date.now();
		// The target as sent is the key, unparsed: pages are kept under SvelteKit's parsed URL, and a
		// target equal to one parses to itself (a query's serialisation is idempotent). A target
		// spelt otherwise (raw spaces, a fragment…) misses and is rendered.
		const page = rt.pages.get(pageKey(target, cookie, req.headers['accept-language']), now);
		const ip = page && clientAddress(req);
		if (!page || !ip) return next();
		const { lookup } = page;
		if (!takePointsHere([[rt.limits.verifyIp, ip], [rt.limits.verifyBadge, lookup.badgeInput]], now)) return next();
		const hash = hashOf(ip);
		rt.lookups.add(hash, lookup.kind, () => ({
			at: new Date(now).toISOString(),
			badgeInput: lookup.badgeInput,
			workerId: lookup.workerId,
			outcome: lookup.outcome,
			source: 'form',
			clientHash: hash
		}));
		const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || randomUUID();
		const accept = req.headers['accept-encoding'];
		const variant = page[(accept && encodingOf(accept)) || 'identity'];
		res.writeHead(200, variant.headers.concat('x-request-id', requestId));
		res.end(variant.body);
		log.info({ reqId: requestId, method: 'GET', path: '/verify', status: 200, ms: 0, cached: true }, 'request');
	};
}
