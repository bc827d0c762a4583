import { z } from 'zod';
import { warsawDate } from '../../src/lib/domain/time';
import { actorOf } from '../trpc/context';
import { adminProcedure, router } from '../trpc/init';
import { changeBadgeState, createAccount, listPeople, reissueBadge, rotateLiveSecret, setValidity, workerDetail } from './workers.service';
import { day, id, shownName } from '../trpc/inputs';

const reason = z.string().trim().min(3, { message: 'office_err_reason_required' }).max(200);

/** Admin: people, their accounts and their badges. */
export const workersRouter = router({
	list: adminProcedure
		.input(z.strictObject({ search: z.string().max(100).default('') }).optional())
		.query(({ ctx, input }) => listPeople(ctx.services.db, input?.search ?? '')),

	detail: adminProcedure.input(z.strictObject({ workerId: id })).query(({ ctx, input }) => workerDetail(ctx.services.db, input.workerId)),

	create: adminProcedure
		.input(
			z.strictObject({
				login: z.string().trim().regex(/^[a-z][a-z0-9._-]{2,31}$/, { message: 'office_err_login_format' }),
				password: z.string().min(12, { message: 'office_err_password_short' }).max(200),
				role: z.enum(['fitter', 'planner', 'admin', 'warehouse']),
				firstName: shownName(60),
				lastName: shownName(80),
				company: shownName(120),
				crewId: id.nullable(),
				validFrom: day,
				validUntil: day
			})
		)
		.mutation(({ ctx, input }) => createAccount(ctx.services.db, actorOf(ctx), input, ctx.locale)),

	badgeState: adminProcedure
		.input(z.strictObject({ workerId: id, action: z.enum(['suspend', 'reinstate', 'revoke']), reason: reason.nullable() }))
		.mutation(({ ctx, input }) => changeBadgeState(ctx.services.db, actorOf(ctx), input, ctx.locale)),

	reissue: adminProcedure
		.input(z.strictObject({ workerId: id, reason, validUntil: day }))
		.mutation(({ ctx, input }) => reissueBadge(ctx.services.db, actorOf(ctx), input, ctx.locale, warsawDate())),

	validity: adminProcedure
		.input(z.strictObject({ workerId: id, validFrom: day, validUntil: day }))
		.mutation(({ ctx, input }) => setValidity(ctx.services.db, actorOf(ctx), input, ctx.locale, warsawDate())),

	rotateSecret: adminProcedure.input(z.strictObject({ workerId: id })).mutation(({ ctx, input }) => rotateLiveSecret(ctx.services.db, actorOf(ctx), input.workerId))
});
