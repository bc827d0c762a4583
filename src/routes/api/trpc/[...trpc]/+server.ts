import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { RequestEvent, RequestHandler } from './$types';
import { getLocale } from '$lib/paraglide/runtime.js';
import { getServices } from '$server/app';
import { log } from '$server/log';
import { appRouter } from '$server/trpc/router';
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

const handler: RequestHandler = (event) =>
	fetchRequestHandler({
		endpoint: '/api/trpc',
		req: event.request,
		router: appRouter,
		createContext: () => createContext(event),
		onError({ error, path }) {
			if (error.code === 'INTERNAL_SERVER_ERROR') {
				log.error({ reqId: event.locals.requestId, path, err: error.cause ?? error }, 'procedure failed');
			}
		}
	});

export const GET = handler;
export const POST = handler;
