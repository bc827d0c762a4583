import type { Kysely } from 'kysely';
import type { DB, ExceptionReason } from '../db/schema';

/** The columns a fitter needs to see a job in its place: estate → building → stairwell. */
export function jobsWithPlace(db: Kysely<DB>) {
	return db
		.selectFrom('jobs')
		.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
		.innerJoin('buildings as b', 'b.id', 'mp.building_id')
		.innerJoin('estates as e', 'e.id', 'b.estate_id')
		.leftJoin('meters as m', (j) => j.onRef('m.meter_point_id', '=', 'mp.id').on('m.state', '=', 'installed'))
		.select([
			'jobs.id', 'jobs.status', 'jobs.planned_date', 'jobs.window_start', 'jobs.window_end', 'jobs.sequence',
			'jobs.attempt', 'jobs.crew_id', 'jobs.exception_reason', 'mp.location', 'mp.ppe', 'mp.stairwell', 'mp.flat', 'mp.tariff_group',
			'mp.prosumer', 'm.serial as meter_serial', 'm.model as meter_model', 'm.last_readings', 'm.last_read_on', 'm.seal_numbers', 'e.id as estate_id', 'e.name as estate_name',
			'b.id as building_id', 'b.street', 'b.number', 'b.postcode', 'b.city'
		]);
}

export type JobRow = Awaited<ReturnType<ReturnType<typeof jobsWithPlace>['execute']>>[number];

/** A crew's jobs between two dates (inclusive), in the planned order. */
export function findCrewJobs(db: Kysely<DB>, crewId: string, from: string, to: string): Promise<JobRow[]> {
	return jobsWithPlace(db)
		.where('jobs.crew_id', '=', crewId)
		.where('jobs.planned_date', '>=', from)
		.where('jobs.planned_date', '<=', to)
		.orderBy('jobs.planned_date')
		.orderBy('jobs.sequence')
		.orderBy('jobs.id')
		.execute();
}

export function findJob(db: Kysely<DB>, id: string): Promise<JobRow | undefined> {
	return jobsWithPlace(db).where('jobs.id', '=', id).executeTakeFirst();
}

export async function crewOfUser(db: Kysely<DB>, userId: string): Promise<string | null> {
	const row = await db
		.selectFrom('users')
		.innerJoin('workers', 'workers.id', 'users.worker_id')
		.select('workers.crew_id')
		.where('users.id', '=', userId)
		.executeTakeFirst();
	return row?.crew_id ?? null;
}

function parseJson<T>(raw: string | null | undefined): T | null {
	if (!raw) return null;
	try {
		return JSON.parse(raw) as T;
	} catch {
		return null;
	}
}

export function toJobDto(r: JobRow) {
	return {
		id: r.id,
		status: r.status,
		plannedDate: r.planned_date,
		windowStart: r.window_start,
		windowEnd: r.window_end,
		sequence: r.sequence,
		attempt: r.attempt,
		/** Why the fitter could not complete it (the job is back in planning), or null. */
		exceptionReason: (r.exception_reason ?? null) as ExceptionReason | null,
		location: r.location,
		ppe: r.ppe,
		stairwell: r.stairwell,
		flat: r.flat,
		tariffGroup: r.tariff_group,
		prosumer: r.prosumer === 1,
		meterSerial: r.meter_serial,
		meterModel: r.meter_model,
		lastReadings: parseJson<Record<string, string>>(r.last_readings) ?? null,
		lastReadOn: r.last_read_on ?? null,
		expectedSeals: parseJson<string[]>(r.seal_numbers) ?? [],
		estate: { id: r.estate_id, name: r.estate_name },
		building: { id: r.building_id, street: r.street, number: r.number, postcode: r.postcode, city: r.city }
	};
}
export type JobDto = ReturnType<typeof toJobDto>;
