import { sql } from 'kysely';
import { z } from 'zod';
import { addDaysToDate, warsawDate } from '../../src/lib/domain/time';
import type { JobStatus } from '../db/schema';
import { AppError } from '../errors';
import { findJob, toJobDto } from '../jobs/jobs.repository';
import { officeJobsRouter } from '../jobs/office.router';
import { plannerProcedure, router } from '../trpc/init';
import { crewsRouter } from '../calendar/crews.router';
import { scheduleRouter } from '../schedule/schedule.router';
import { statsRouter } from '../stats/stats.router';
import { notifyRouter } from '../notify/notify.router';
import { viewsRouter } from './views.router';

const STATUSES: JobStatus[] = ['planned', 'in_progress', 'done', 'no_access', 'turned_back', 'cancelled'];

export const planRouter = router({
	crews: crewsRouter,
	schedule: scheduleRouter,
	views: viewsRouter,
	stats: statsRouter,
	jobs: officeJobsRouter,
	messages: notifyRouter,

	/** The planner's home: what there is to exchange and what is planned for the next two weeks. */
	overview: plannerProcedure.query(async ({ ctx }) => {
		const db = ctx.services.db;
		const today = warsawDate();
		const horizon = addDaysToDate(today, 13);
		const weekEnd = addDaysToDate(today, 6);
		const [estates, buildings, points, byStatus, crews, days, stock] = await Promise.all([
			db.selectFrom('estates').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
			db.selectFrom('buildings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
			db
				.selectFrom('meter_points')
				.select((eb) => [
					eb.fn.countAll<number>().as('n'),
					eb.fn.sum<number>(sql`case when location = 'in_home' then 1 else 0 end`).as('in_home'),
					eb.fn.sum<number>('prosumer').as('prosumers')
				])
				.executeTakeFirstOrThrow(),
			db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute(),
			db
				.selectFrom('crews')
				.select((eb) => [
					'crews.id',
					'crews.name',
					eb.selectFrom('workers').whereRef('workers.crew_id', '=', 'crews.id').select(eb.fn.countAll<number>().as('n')).as('fitters'),
					eb
						.selectFrom('jobs')
						.whereRef('jobs.crew_id', '=', 'crews.id')
						.where('jobs.planned_date', '>=', today)
						.where('jobs.planned_date', '<=', weekEnd)
						.select(eb.fn.countAll<number>().as('n'))
						.as('jobs_next7')
				])
				.orderBy('crews.name')
				.execute(),
			db
				.selectFrom('jobs')
				.select(['planned_date', (eb) => eb.fn.countAll<number>().as('n')])
				.where('planned_date', '>=', today)
				.where('planned_date', '<=', horizon)
				.groupBy('planned_date')
				.orderBy('planned_date')
				.execute(),
			db
				.selectFrom('meters')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.where('kind', '=', 'lzo')
				.where('state', '=', 'in_stock')
				.executeTakeFirstOrThrow()
		]);
		const jobsByStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
		for (const r of byStatus) jobsByStatus[r.status] = Number(r.n);
		return {
			today,
			estates: Number(estates.n),
			buildings: Number(buildings.n),
			meterPoints: Number(points.n),
			inHome: Number(points.in_home ?? 0),
			prosumers: Number(points.prosumers ?? 0),
			jobsByStatus,
			crews: crews.map((c) => ({ id: c.id, name: c.name, fitters: Number(c.fitters ?? 0), jobsNext7Days: Number(c.jobs_next7 ?? 0) })),
			days: days.map((d) => ({ date: d.planned_date!, jobs: Number(d.n) })),
			lzoInStock: Number(stock.n)
		};
	}),

	/** Any job, for the office. */
	job: plannerProcedure.input(z.strictObject({ id: z.string().min(1).max(64) })).query(async ({ ctx, input }) => {
		const row = await findJob(ctx.services.db, input.id);
		if (!row) throw new AppError('NOT_FOUND');
		return { ...toJobDto(row), crewId: row.crew_id };
	})
});
