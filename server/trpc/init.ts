import { initTRPC, TRPCError } from '@trpc/server';
import type { Role } from '../db/schema';
import { AppError, TRPC_CODE } from '../errors';
import { mfaRequiredFor } from '../auth/auth.service';
import type { Context } from './context';
import { errorData } from './errors';
import { translate } from '../i18n';
import { nulCharacterPaths } from '../../src/lib/domain/control-chars';

/** Who may call a procedure; the authorisation matrix test reads it. */
export type Access = 'public' | 'session' | 'fitter' | 'planner' | 'warehouse' | 'admin';
export interface Meta {
	access: Access;
}

const t = initTRPC
	.context<Context>()
	.meta<Meta>()
	.create({
		errorFormatter({ shape, error, ctx }) {
			const data = errorData(error, ctx?.locale ?? 'pl', ctx?.requestId);
			// Internal details (stack, SQL) never leave the server.
			const { stack: _stack, ...rest } = shape.data as typeof shape.data & { stack?: string };
			return {
				...shape,
				message: data.message,
				data: { ...rest, ...data, requestId: ctx?.requestId }
			};
		}
	});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** AppErrors thrown anywhere below become tRPC errors with the right HTTP status. */
const appErrors = t.middleware(async ({ next }) => {
	const result = await next();
	if (!result.ok && result.error.cause instanceof AppError) {
		const cause = result.error.cause;
		if (result.error.code !== TRPC_CODE[cause.code]) {
			throw new TRPCError({ code: TRPC_CODE[cause.code], message: cause.code, cause });
		}
	}
	return result;
});

/**
 * NUL characters are refused before any procedure runs (PostgreSQL text cannot hold them). A sync
 * push is the exception: there each mutation is judged on its own, so one poison mutation is
 * rejected with its reason instead of blocking the whole queue (see parseMutation).
 */
const noNulCharacters = t.middleware(async ({ path, ctx, getRawInput, next }) => {
	if (path === 'sync.push') return next();
	const paths = nulCharacterPaths(await getRawInput());
	if (paths.length > 0) {
		const message = translate('field_control_character', {}, ctx.locale);
		throw new AppError('VALIDATION', { fieldErrors: Object.fromEntries(paths.map((p) => [p.length ? p.join('.') : '_', [message]])) });
	}
	return next();
});

export const publicProcedure = t.procedure.use(appErrors).use(noNulCharacters).meta({ access: 'public' });

/** Any signed-in user, even an office user who has not yet given the second factor. */
export const sessionProcedure = publicProcedure.meta({ access: 'session' }).use(({ ctx, next }) => {
	if (!ctx.auth) throw new AppError(ctx.sessionProblem === 'expired' ? 'SESSION_EXPIRED' : ctx.sessionProblem === 'revoked' ? 'SESSION_REVOKED' : 'UNAUTHORIZED');
	return next({ ctx: { ...ctx, auth: ctx.auth } });
});

function roleProcedure(access: Exclude<Access, 'public' | 'session'>, roles: Role[]) {
	return sessionProcedure.meta({ access }).use(({ ctx, next }) => {
		const { user, session } = ctx.auth;
		if (!roles.includes(user.role)) throw new AppError('FORBIDDEN');
		if (mfaRequiredFor(user.role) && !(session.mfa_verified && user.totp_enabled)) throw new AppError('MFA_REQUIRED');
		return next({ ctx });
	});
}

export const fitterProcedure = roleProcedure('fitter', ['fitter']);
export const plannerProcedure = roleProcedure('planner', ['planner', 'admin']);
export const adminProcedure = roleProcedure('admin', ['admin']);
/** Meter and seal stock: the warehouse clerk, and the admin who stands in for one. */
export const warehouseProcedure = roleProcedure('warehouse', ['warehouse', 'admin']);
