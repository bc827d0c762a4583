import { z } from 'zod';
import { audit } from '../audit';
import { revokeSession, revokeUserSessions } from '../auth/sessions';
import { unlockLogin } from '../auth/auth.service';
import { AppError } from '../errors';
import { adminProcedure, router } from '../trpc/init';
import { actorOf } from '../trpc/context';
import { nowIso } from '../util/ids';

const userId = z.strictObject({ userId: z.string().min(1).max(64) });

export const adminRouter = router({
	users: router({
		list: adminProcedure.query(async ({ ctx }) => {
			const rows = await ctx.services.db
				.selectFrom('users')
				.leftJoin('workers', 'workers.id', 'users.worker_id')
				.select([
					'users.id', 'users.login', 'users.display_name', 'users.role', 'users.totp_enabled', 'users.disabled',
					'users.is_demo', 'workers.badge_number', 'workers.status as badge_status'
				])
				.orderBy('users.role')
				.orderBy('users.login')
				.execute();
			return rows.map((r) => ({
				id: r.id, login: r.login, displayName: r.display_name, role: r.role, totpEnrolled: r.totp_enabled === 1,
				disabled: r.disabled === 1, isDemo: r.is_demo === 1, badgeNumber: r.badge_number, badgeStatus: r.badge_status
			}));
		}),

		/** Disabling an account ends its sessions at their next request. */
		setDisabled: adminProcedure
			.input(userId.extend({ disabled: z.boolean() }))
			.mutation(async ({ ctx, input }) => {
				if (input.userId === ctx.auth.user.id) throw new AppError('FORBIDDEN', { detail: 'cannot disable yourself' });
				await ctx.services.db.transaction().execute(async (trx) => {
					const before = await trx.selectFrom('users').select('disabled').where('id', '=', input.userId).executeTakeFirst();
					if (!before) throw new AppError('NOT_FOUND');
					await trx.updateTable('users').set({ disabled: input.disabled ? 1 : 0, updated_at: nowIso() }).where('id', '=', input.userId).execute();
					if (input.disabled) await revokeUserSessions(trx, input.userId, 'admin');
					await audit(trx, actorOf(ctx), {
						action: input.disabled ? 'user-disabled' : 'user-enabled', entity: 'user', entityId: input.userId,
						changes: { disabled: [before.disabled === 1, input.disabled] }
					});
				});
				return { ok: true as const };
			}),

		/** Lifts a lock-out after wrong passwords or second-factor codes before its 15 minutes end. */
		unlock: adminProcedure.input(userId).mutation(async ({ ctx, input }) => {
			const user = await ctx.services.db.selectFrom('users').select(['id', 'login']).where('id', '=', input.userId).executeTakeFirst();
			if (!user) throw new AppError('NOT_FOUND');
			await unlockLogin({ db: ctx.services.db, limiters: ctx.services.limiters }, user);
			await audit(ctx.services.db, actorOf(ctx), { action: 'user-unlocked', entity: 'user', entityId: user.id });
			return { ok: true as const };
		}),

		/** For a lost phone: the user enrols a new authenticator at the next sign-in. */
		resetTotp: adminProcedure.input(userId).mutation(async ({ ctx, input }) => {
			await ctx.services.db.transaction().execute(async (trx) => {
				const res = await trx
					.updateTable('users')
					.set({ totp_secret: null, totp_enabled: 0, totp_last_step: null, updated_at: nowIso() })
					.where('id', '=', input.userId)
					.executeTakeFirst();
				if (Number(res.numUpdatedRows) !== 1) throw new AppError('NOT_FOUND');
				await revokeUserSessions(trx, input.userId, 'admin');
				await audit(trx, actorOf(ctx), { action: 'totp-reset', entity: 'user', entityId: input.userId });
			});
			return { ok: true as const };
		})
	}),

	/** Signed-in devices and browsers, for revoking a lost tablet. */
	sessions: router({
		list: adminProcedure.input(z.strictObject({ userId: z.string().min(1).max(64).optional() }).optional()).query(async ({ ctx, input }) => {
			let q = ctx.services.db
				.selectFrom('sessions')
				.innerJoin('users', 'users.id', 'sessions.user_id')
				.select([
					'sessions.id', 'sessions.kind', 'sessions.device_label', 'sessions.user_agent', 'sessions.created_at', 'sessions.last_seen_at',
					'sessions.expires_at', 'users.id as user_id', 'users.login', 'users.display_name'
				])
				.where('sessions.revoked_at', 'is', null)
				.where('sessions.expires_at', '>', nowIso())
				.orderBy('sessions.last_seen_at', 'desc')
				.limit(500);
			if (input?.userId) q = q.where('sessions.user_id', '=', input.userId);
			const rows = await q.execute();
			return rows.map((r) => ({
				id: r.id, kind: r.kind, deviceLabel: r.device_label, userAgent: r.user_agent, createdAt: r.created_at, lastSeenAt: r.last_seen_at,
				expiresAt: r.expires_at, userId: r.user_id, login: r.login, displayName: r.display_name, current: r.id === ctx.auth.session.id
			}));
		}),

		/**
		 * Ends one session at its next request (a lost tablet). The device keeps its unsent changes
		 * and is told why its sync is refused; it can export them or be signed in again.
		 */
		revoke: adminProcedure.input(z.strictObject({ sessionId: z.string().min(1).max(128) })).mutation(async ({ ctx, input }) => {
			if (input.sessionId === ctx.auth.session.id) throw new AppError('FORBIDDEN', { detail: 'use sign-out for your own session' });
			await ctx.services.db.transaction().execute(async (trx) => {
				if (!(await revokeSession(trx, input.sessionId, 'admin'))) throw new AppError('NOT_FOUND');
				await audit(trx, actorOf(ctx), { action: 'session-revoked', entity: 'session', entityId: input.sessionId });
			});
			return { ok: true as const };
		})
	})
});
