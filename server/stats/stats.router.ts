import { z } from 'zod';
import { plannerProcedure, router } from '../trpc/init';
import { billingDay } from './billing';
import { reviewList } from './review';
import { dashboard } from './stats.service';
import { day, id } from '../trpc/inputs';


export const statsRouter = router({
	dashboard: plannerProcedure
		.input(z.strictObject({ from: day, to: day, estateId: id.optional() }))
		.query(({ ctx, input }) => dashboard(ctx.services.db, input)),

	/** The day's billing records, for the screen; the files come from /plan/api/billing. */
	billing: plannerProcedure.input(z.strictObject({ date: day })).query(({ ctx, input }) => billingDay(ctx.services.db, input.date)),

	review: plannerProcedure
		.input(z.strictObject({ list: z.enum(['conflicts', 'rejections', 'irregularities', 'mismatches']), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(200).default(50) }))
		.query(({ ctx, input }) => reviewList(ctx.services.db, input.list, input))
});
