import { createTRPCClient, httpBatchLink, httpLink, splitLink } from '@trpc/client';
import type { AppRouter } from '$server/trpc/router';
import { MAX_BATCH_CALLS, UNBATCHABLE } from '$server/trpc/batch-policy';

const url = '/api/trpc';
const sameOrigin = (input: RequestInfo | URL, options?: RequestInit | null) => fetch(input, { ...(options as RequestInit), credentials: 'same-origin' });

/**
 * One client for the browser. No automatic retries: a mutation is sent once per user action.
 * Sign-in and second-factor calls go alone (the server refuses them in a batch); other calls are
 * batched up to the server's cap.
 */
export const trpc = createTRPCClient<AppRouter>({
	links: [
		splitLink({
			condition: (op) => UNBATCHABLE.has(op.path),
			true: httpLink({ url, fetch: sameOrigin }),
			false: httpBatchLink({ url, maxItems: MAX_BATCH_CALLS, fetch: sameOrigin })
		})
	]
});
