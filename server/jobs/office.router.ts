import { z } from 'zod';
import { warsawDate } from '../../src/lib/domain/time';
import { AppError } from '../errors';
import { plannerProcedure, router } from '../trpc/init';
import { jobPage } from './job-page';
import { searchJobs } from './job-search';
import { overdueJobs } from './overdue';

/** The office's view of single jobs: the job page, the header search, the overdue list. */
export const officeJobsRouter = router({
	page: plannerProcedure.input(z.strictObject({ id: z.string().min(1).max(64) })).query(async ({ ctx, input }) => {
		const page = await jobPage(ctx.services.db, input.id);
		if (!page) throw new AppError('NOT_FOUND');
		return page;
	}),

	search: plannerProcedure
		.input(z.strictObject({ q: z.string().trim().min(2, { message: 'plan_search_too_short' }).max(80) }))
		.query(({ ctx, input }) => searchJobs(ctx.services.db, input.q)),

	overdue: plannerProcedure.query(({ ctx }) => overdueJobs(ctx.services.db, warsawDate()))
});
