import { z } from 'zod';
import { publicProcedure, router, sessionProcedure } from '../trpc/init';
import { actorOf, type Context } from '../trpc/context';
import { confirmTotp, mfaRequiredFor, signIn, signOut, startTotpEnrolment } from './auth.service';
import { SESSION_COOKIE, type NewSession } from './sessions';

const signInInput = z.strictObject({
	login: z.string().trim().min(1).max(100),
	password: z.string().min(1).max(200),
	client: z.enum(['app', 'plan'])
});

const totpInput = z.strictObject({
	code: z.string().trim().regex(/^\d{6}$/, { message: 'totp_code_format', params: { key: 'totp_code_format' } } as never)
});

function setSessionCookie(ctx: Context, created: NewSession) {
	ctx.cookies.set(SESSION_COOKIE, created.token, { expires: new Date(created.session.expires_at) });
}

export const authRouter = router({
	/** Who is signed in, or null. Public so the UI can decide which screen to show. */
	me: publicProcedure.query(async ({ ctx }) => {
		if (!ctx.auth) return null;
		const { user, session } = ctx.auth;
		const worker = user.worker_id
			? await ctx.services.db
					.selectFrom('workers')
					.leftJoin('crews', 'crews.id', 'workers.crew_id')
					.select(['workers.badge_number', 'crews.name as crew_name'])
					.where('workers.id', '=', user.worker_id)
					.executeTakeFirst()
			: undefined;
		return {
			user: {
				id: user.id,
				login: user.login,
				displayName: user.display_name,
				role: user.role,
				badgeNumber: worker?.badge_number ?? null,
				crewName: worker?.crew_name ?? null,
				isDemo: user.is_demo === 1
			},
			session: {
				kind: session.kind,
				mfaVerified: session.mfa_verified === 1,
				mfaRequired: mfaRequiredFor(user.role),
				totpEnrolled: user.totp_enabled === 1
			}
		};
	}),

	signIn: publicProcedure.input(signInInput).mutation(async ({ ctx, input }) => {
		const { user, created, next } = await signIn(
			{ db: ctx.services.db, limiters: ctx.services.limiters },
			input,
			{ ip: ctx.ip, userAgent: ctx.userAgent, previousSessionId: ctx.auth?.session.id ?? null }
		);
		setSessionCookie(ctx, created);
		return { next, role: user.role };
	}),

	totpEnrolStart: sessionProcedure.mutation(({ ctx }) =>
		startTotpEnrolment({ db: ctx.services.db, limiters: ctx.services.limiters }, ctx.auth.user)
	),

	totpEnrolConfirm: sessionProcedure.input(totpInput).mutation(async ({ ctx, input }) => {
		const created = await confirmTotp(
			{ db: ctx.services.db, limiters: ctx.services.limiters },
			ctx.auth.user, ctx.auth.session, input.code, 'enrol', actorOf(ctx)
		);
		setSessionCookie(ctx, created);
		return { ok: true as const };
	}),

	totpVerify: sessionProcedure.input(totpInput).mutation(async ({ ctx, input }) => {
		const created = await confirmTotp(
			{ db: ctx.services.db, limiters: ctx.services.limiters },
			ctx.auth.user, ctx.auth.session, input.code, 'verify', actorOf(ctx)
		);
		setSessionCookie(ctx, created);
		return { ok: true as const };
	}),

	signOut: sessionProcedure.mutation(async ({ ctx }) => {
		await signOut({ db: ctx.services.db, limiters: ctx.services.limiters }, ctx.auth.session, actorOf(ctx));
		ctx.cookies.delete(SESSION_COOKIE);
		return { ok: true as const };
	})
});
