/**
 * What the office chases each morning: jobs whose day has passed that are neither done nor
 * recorded as an outcome on site (no access, could not complete, turned back), by crew and day.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

export const OVERDUE_LIMIT = 1000;

export async function overdueJobs(db: Kysely<DB>, today: string) {
	const rows = await db
		.selectFrom('jobs as j')
		.innerJoin('meter_points as mp', 'mp.id', 'j.meter_point_id')
		.innerJoin('buildings as b', 'b.id', 'mp.building_id')
		.leftJoin('crews as c', 'c.id', 'j.crew_id')
		.select(['j.id', 'j.status', 'j.planned_date', 'j.window_start', 'j.started_at', 'j.attempt', 'j.crew_id', 'c.name as crew', 'mp.ppe', 'mp.location', 'mp.stairwell', 'mp.flat', 'b.street', 'b.number'])
		.where('j.planned_date', '<', today)
		.where('j.status', 'in', ['planned', 'in_progress'])
		.orderBy('j.planned_date')
		.orderBy('c.name')
		.orderBy('j.sequence')
		.orderBy('j.id')
		.limit(OVERDUE_LIMIT + 1)
		.execute();
	const groups = new Map<string, { date: string; crewId: string | null; crew: string | null; jobs: typeof rows }>();
	for (const r of rows.slice(0, OVERDUE_LIMIT)) {
		const key = `${r.planned_date}|${r.crew_id ?? ''}`;
		const g = groups.get(key) ?? { date: r.planned_date!, crewId: r.crew_id, crew: r.crew, jobs: [] };
		g.jobs.push(r);
		groups.set(key, g);
	}
	return {
		today,
		total: Math.min(rows.length, OVERDUE_LIMIT),
		more: rows.length > OVERDUE_LIMIT,
		groups: [...groups.values()].map((g) => ({
			date: g.date, crewId: g.crewId, crew: g.crew,
			jobs: g.jobs.map((j) => ({ id: j.id, status: j.status, attempt: j.attempt, windowStart: j.window_start, startedAt: j.started_at, ppe: j.ppe, location: j.location, street: j.street, number: j.number, stairwell: j.stairwell, flat: j.flat }))
		}))
	};
}
