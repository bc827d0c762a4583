import { z } from 'zod';
import { addDaysToDate, warsawDate } from '../../src/lib/domain/time';
import { AppError } from '../errors';
import { fitterProcedure, router } from '../trpc/init';
import { crewOfUser, findCrewJobs, findJob, toJobDto } from './jobs.repository';

export const fitterRouter = router({
	/** The signed-in fitter's crew's jobs from yesterday (unfinished work stays visible) onwards. */
	upcomingJobs: fitterProcedure
		.input(z.strictObject({ days: z.number().int().min(1).max(14).default(7) }).optional())
		.query(async ({ ctx, input }) => {
			const today = warsawDate();
			const crewId = await crewOfUser(ctx.services.db, ctx.auth.user.id);
			if (!crewId) return { today, jobs: [] };
			const rows = await findCrewJobs(ctx.services.db, crewId, addDaysToDate(today, -1), addDaysToDate(today, (input?.days ?? 7) - 1));
			// Yesterday's finished jobs are history; only what still needs a visit is carried over.
			const jobs = rows.filter((r) => r.planned_date! >= today || r.status !== 'done').map(toJobDto);
			return { today, jobs };
		}),

	/** One job, only if it belongs to the fitter's crew: another crew's job is simply not found. */
	job: fitterProcedure.input(z.strictObject({ id: z.string().min(1).max(64) })).query(async ({ ctx, input }) => {
		const crewId = await crewOfUser(ctx.services.db, ctx.auth.user.id);
		const row = await findJob(ctx.services.db, input.id);
		if (!row || !crewId || row.crew_id !== crewId) throw new AppError('NOT_FOUND');
		return toJobDto(row);
	})
});
