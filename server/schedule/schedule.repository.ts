import { PostgresAdapter, type Kysely, type Transaction } from 'kysely';
import { warsawMinutes } from '../../src/lib/domain/time';
import type { DB, JobStatus } from '../db/schema';
import type { CrewCalendar } from './calendar';

/** Every crew with its working calendar and its fitters' absences. */
export async function loadCrewCalendars(db: Kysely<DB>): Promise<Array<CrewCalendar & { name: string }>> {
	const [crews, workers, absences] = await Promise.all([
		db.selectFrom('crews').select(['id', 'name', 'work_days', 'work_start', 'work_end']).orderBy('name').execute(),
		db.selectFrom('workers').select(['id', 'crew_id']).where('crew_id', 'is not', null).where('status', '=', 'active').execute(),
		db.selectFrom('absences').select(['worker_id', 'from_date', 'to_date']).execute()
	]);
	return crews.map((c) => ({
		id: c.id,
		name: c.name,
		workDays: c.work_days.split(',').map(Number).filter((d) => d >= 1 && d <= 7),
		start: c.work_start,
		end: c.work_end,
		fitters: workers
			.filter((w) => w.crew_id === c.id)
			.map((w) => ({ id: w.id, absences: absences.filter((a) => a.worker_id === w.id).map((a) => ({ from: a.from_date, to: a.to_date })) }))
	}));
}

/** For each crew and day in the range: until when the existing plan keeps it busy (minutes). */
export async function loadBusyUntil(db: Kysely<DB>, from: string, to: string): Promise<Map<string, Record<string, number>>> {
	const [jobs, slots] = await Promise.all([
		db
			.selectFrom('jobs')
			.select(['crew_id', 'planned_date', 'window_end'])
			.where('planned_date', '>=', from)
			.where('planned_date', '<=', to)
			.where('status', 'in', ['planned', 'in_progress'])
			.where('crew_id', 'is not', null)
			.where('window_end', 'is not', null)
			.execute(),
		db
			.selectFrom('appointment_slots')
			.select(['crew_id', 'date as planned_date', 'ends_at as window_end'])
			.where('date', '>=', from)
			.where('date', '<=', to)
			.where('withdrawn_at', 'is', null)
			.execute()
	]);
	const out = new Map<string, Record<string, number>>();
	for (const r of [...jobs, ...slots]) {
		const byDay = out.get(r.crew_id!) ?? {};
		const end = warsawMinutes(r.window_end!);
		byDay[r.planned_date!] = Math.max(byDay[r.planned_date!] ?? 0, end);
		out.set(r.crew_id!, byDay);
	}
	return out;
}

export interface PlanPoint {
	id: string;
	ppe: string;
	building_id: string;
	estate_id: string;
	street: string;
	number: string;
	stairwell: string;
	flat: string | null;
	location: 'stairwell' | 'in_home';
	/** The latest job of the point, if any. */
	job_id: string | null;
	job_status: JobStatus | null;
	job_attempt: number | null;
}

/** Meter points of the estates with their latest job (uuid v7 ids grow with time). */
export async function loadEstatePoints(db: Kysely<DB>, estateIds: string[]): Promise<PlanPoint[]> {
	if (estateIds.length === 0) return [];
	const points = await db
		.selectFrom('meter_points as mp')
		.innerJoin('buildings as b', 'b.id', 'mp.building_id')
		.select(['mp.id', 'mp.ppe', 'mp.building_id', 'b.estate_id', 'b.street', 'b.number', 'mp.stairwell', 'mp.flat', 'mp.location'])
		.where('b.estate_id', 'in', estateIds)
		.execute();
	const jobs = await db
		.selectFrom('jobs')
		.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
		.innerJoin('buildings as b', 'b.id', 'mp.building_id')
		.select(['jobs.id', 'jobs.meter_point_id', 'jobs.status', 'jobs.attempt'])
		.where('b.estate_id', 'in', estateIds)
		.execute();
	const latest = new Map<string, (typeof jobs)[number]>();
	for (const j of jobs) {
		const seen = latest.get(j.meter_point_id);
		if (!seen || j.id > seen.id) latest.set(j.meter_point_id, j);
	}
	return points.map((p) => {
		const j = latest.get(p.id);
		return { ...p, job_id: j?.id ?? null, job_status: j?.status ?? null, job_attempt: j?.attempt ?? null };
	});
}

/**
 * Serialises planning writes on PostgreSQL: two planners committing plans (or moves) for the same
 * crews or estates at once would both see the crews free and book them twice. The crews' and
 * estates' rows are locked in id order (no deadlock) until the transaction ends. SQLite writes one
 * transaction at a time anyway.
 */
export async function lockForPlanning(trx: Transaction<DB>, ids: { crewIds: string[]; estateIds?: string[] }): Promise<void> {
	if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
	if (ids.crewIds.length) await trx.selectFrom('crews').select('id').where('id', 'in', ids.crewIds).orderBy('id').forUpdate().execute();
	if (ids.estateIds?.length) await trx.selectFrom('estates').select('id').where('id', 'in', ids.estateIds).orderBy('id').forUpdate().execute();
}
