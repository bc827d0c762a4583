import { randomUUID } from 'node:crypto';
import type { Handle, HandleServerError, RequestEvent, ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { building } from '$app/environment';
import { paraglideMiddleware } from '$lib/paraglide/server.js';
import { closeApp, getServices, initApp, markStopping } from '$server/app';
import { lookupSession, SESSION_COOKIE } from '$server/auth/sessions';
import { messageKeyFor } from '$server/errors';
import { registerFastPath } from '$server/fast-path';
import { toLocale, translate } from '$server/i18n';
import { log } from '$server/log';
import { publicRuntime } from '$server/public/runtime';
import { LANG_COOKIE } from '$server/public/verify-cache';
import { createVerifyFastPath, keepPage } from '$server/public/verify-fast-path';
import { isCrossSiteWrite, securityHeaders } from '$server/security-headers';

export const init: ServerInit = async () => {
	if (building) return;
	const services = await initApp();
	registerFastPath(createVerifyFastPath(services));
	// adapter-node emits this after it stopped accepting and finished in-flight requests.
	process.once('sveltekit:shutdown' as never, () => void closeApp());
	// Before adapter-node drains: /readyz answers 503 so a load balancer stops sending new work.
	for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => { markStopping(); log.info({ signal }, 'shutting down: finishing requests in flight'); });
};

/** Request id, cross-site write check, session lookup, access log and the security headers. */
const core: Handle = async ({ event, resolve }) => {
	const started = performance.now();
	event.locals.requestId = event.request.headers.get('x-request-id')?.slice(0, 64) || randomUUID();
	event.locals.auth = null;
	event.locals.sessionProblem = null;
	if (isCrossSiteWrite(event.request, event.url)) {
		log.warn({ reqId: event.locals.requestId, path: event.url.pathname, origin: event.request.headers.get('origin') }, 'cross-site write refused');
		return new Response(JSON.stringify({ error: 'cross-site request refused' }), {
			status: 403,
			headers: { 'content-type': 'application/json', ...securityHeaders(event.url, new Headers()) }
		});
	}
	const { availability } = getServices().database;
	if (!availability.available && event.url.pathname !== '/healthz') return databaseAway(event);
	const since = Date.now();
	const databaseFailed = () => !availability.available || availability.lastFailureAt >= since;
	let response: Response;
	try {
		const token = event.cookies.get(SESSION_COOKIE);
		if (token) {
			const found = await lookupSession(getServices().db, token);
			if (found.status === 'ok') event.locals.auth = { session: found.session, user: found.user };
			else if (found.status !== 'none') event.locals.sessionProblem = found.status;
		}
		response = await resolve(event);
	} catch (e) {
		if (databaseFailed()) return databaseAway(event);
		throw e;
	}
	// A request the database failed under (it went away meanwhile) says so rather than "internal error".
	if (response.status >= 500 && databaseFailed()) return databaseAway(event);
	response.headers.set('x-request-id', event.locals.requestId);
	for (const [name, value] of Object.entries(securityHeaders(event.url, response.headers))) response.headers.set(name, value);
	log.info(
		{ reqId: event.locals.requestId, method: event.request.method, path: event.url.pathname, status: response.status, ms: Math.round(performance.now() - started) },
		'request'
	);
	return event.locals.keepPage ? keepPage(publicRuntime(getServices()), event.request, event.url, response, event.locals.keepPage) : response;
};

/** The database is away (restart, failover): a clear 503 at once; tablets keep their data and retry. */
function databaseAway(event: RequestEvent): Response {
	const message = translate(messageKeyFor('UNAVAILABLE'), {}, toLocale(event.cookies.get(LANG_COOKIE)));
	return new Response(JSON.stringify({ status: 'database-unavailable', appCode: 'UNAVAILABLE', message }), {
		status: 503,
		headers: { 'content-type': 'application/json', 'retry-after': '5', 'cache-control': 'no-store', 'x-request-id': event.locals.requestId, ...securityHeaders(event.url, new Headers()) }
	});
}

const i18n: Handle = ({ event, resolve }) =>
	paraglideMiddleware(event.request, ({ request: localizedRequest, locale }) => {
		event.request = localizedRequest;
		return resolve(event, {
			transformPageChunk: ({ html }) => html.replace('%paraglide.lang%', locale),
			// Stylesheets are linked at the top of every page's head; listing them again in the Link
			// header only adds ~1 KB of uncompressed header to each answer. Modules stay listed: the
			// head does not name them, so the header is how the browser fetches them in parallel.
			preload: ({ type }) => type === 'js'
		});
	});

export const handle = sequence(core, i18n);

export const handleError: HandleServerError = ({ error, event, status }) => {
	if (status !== 404) log.error({ reqId: event.locals.requestId, err: error, path: event.url.pathname }, 'unhandled error');
	return { message: status === 404 ? 'Not found' : 'Internal error', requestId: event.locals.requestId };
};
