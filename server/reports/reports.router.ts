import { z } from 'zod';
import { plannerProcedure, router } from '../trpc/init';
import { listReports, lookupStats } from './reports.service';

export const publicWatchRouter = router({
	/** Suspicious-visit reports from residents, newest first. */
	reports: plannerProcedure.input(z.strictObject({ limit: z.number().int().min(1).max(500).default(200) }).optional()).query(({ ctx, input }) =>
		listReports(ctx.services.db, input?.limit ?? 200)
	),
	/** Badge look-ups per badge, with spikes flagged. */
	lookups: plannerProcedure.query(({ ctx }) => lookupStats(ctx.services.db))
});
