import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { RequestEvent, RequestHandler } from './$types';
import { getLocale } from '$lib/paraglide/runtime.js';
import { getServices } from '$server/app';
import { log } from '$server/log';
import { appRouter } from '$server/trpc/router';
import { batchRefusal, MAX_BATCH_CALLS } from '$server/trpc/batch-policy';
import { errorData } from '$server/trpc/errors';
import { AppError, TRPC_CODE } from '$server/errors';
import type { Context } from '$server/trpc/context';

function createContext(event: RequestEvent): Context {
	const secure = event.url.protocol === 'https:';
	let ip: string | null = null;
	try {
		ip = event.getClientAddress();
	} catch {
		ip = null;
	}
	return {
		services: getServices(),
		requestId: event.locals.requestId,
		ip,
		userAgent: event.request.headers.get('user-agent'),
		locale: getLocale(),
		auth: event.locals.auth,
		sessionProblem: event.locals.sessionProblem,
		cookies: {
			get: (name) => event.cookies.get(name),
			set: (name, value, { expires }) =>
				event.cookies.set(name, value, { path: '/', httpOnly: true, sameSite: 'lax', secure, expires }),
			delete: (name) => event.cookies.delete(name, { path: '/', httpOnly: true, sameSite: 'lax', secure })
		}
	};
}

/** A request refused before any procedure ran, in tRPC's error shape so its client can read it. */
function refused(event: RequestEvent, cause: AppError): Response {
	const locale = getLocale();
	const data = errorData(new TRPCError({ code: TRPC_CODE[cause.code], cause }), locale, event.locals.requestId);
	const body = { error: { message: data.message, code: -32600, data: { ...data, code: TRPC_CODE[cause.code], httpStatus: 400, requestId: event.locals.requestId } } };
	return new Response(JSON.stringify(body), { status: 400, headers: { 'content-type': 'application/json' } });
}

const handler: RequestHandler = (event) => {
	const refusal = batchRefusal(event.params.trpc, event.url.searchParams);
	if (refusal) return refused(event, refusal);
	return fetchRequestHandler({
		endpoint: '/api/trpc',
		req: event.request,
		router: appRouter,
		maxBatchSize: MAX_BATCH_CALLS,
		createContext: () => createContext(event),
		// Busy or away: the tablet tries again later (its sync engine retries any failed sync).
		responseMeta: ({ errors }) => (errors.some((e) => e.code === 'SERVICE_UNAVAILABLE') ? { headers: { 'retry-after': '5' } } : {}),
		onError({ error, path }) {
			if (error.code === 'INTERNAL_SERVER_ERROR') {
				log.error({ reqId: event.locals.requestId, path, err: error.cause ?? error }, 'procedure failed');
			}
		}
	});
};

export const GET = handler;
export const POST = handler;
