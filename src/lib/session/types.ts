import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '$server/trpc/router';

/** Shapes of what the server returns, derived from the router so they cannot drift. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;

export type Me = NonNullable<RouterOutputs['auth']['me']>;
export type SignInNext = RouterOutputs['auth']['signIn']['next'];
