import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '$server/trpc/router';

/** One client for the browser. No automatic retries: a mutation is sent once per user action. */
export const trpc = createTRPCClient<AppRouter>({
	links: [
		httpBatchLink({
			url: '/api/trpc',
			fetch: (url, options) => fetch(url, { ...(options as RequestInit), credentials: 'same-origin' })
		})
	]
});
