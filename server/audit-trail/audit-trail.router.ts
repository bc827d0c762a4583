import { z } from 'zod';
import { adminProcedure, router } from '../trpc/init';
import { auditPage } from './audit-trail.service';
import { day } from '../trpc/inputs';

const name = z.string().trim().max(64).nullable().optional();

/** Admin: reading the append-only audit log. */
export const auditTrailRouter = router({
	list: adminProcedure
		.input(
			z.strictObject({
				userId: name,
				entity: name,
				action: name,
				from: day.nullable().optional(),
				to: day.nullable().optional(),
				offset: z.number().int().min(0).max(10_000_000).default(0),
				limit: z.number().int().min(1).max(5000).default(50)
			})
		)
		.query(({ ctx, input }) => auditPage(ctx.services.db, input, { offset: input.offset, limit: input.limit }))
});
