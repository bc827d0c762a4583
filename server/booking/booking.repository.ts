import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

/** An in-home job as the booking pages need it: its building, stairwell and current appointment. */
export function bookingJob(db: Kysely<DB>) {
	return db
		.selectFrom('jobs')
		.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
		.innerJoin('buildings as b', 'b.id', 'mp.building_id')
		.leftJoin('appointment_slots as s', 's.id', 'jobs.slot_id')
		.select([
			'jobs.id', 'jobs.status', 'jobs.crew_id', 'jobs.planned_date', 'jobs.window_start', 'jobs.window_end', 'jobs.slot_id',
			'jobs.booking_reference', 'mp.location', 'mp.stairwell', 'b.id as building_id', 'b.street', 'b.number', 'b.city',
			's.starts_at as slot_starts_at'
		]);
}

export type BookingJobRow = NonNullable<Awaited<ReturnType<ReturnType<typeof bookingJob>['executeTakeFirst']>>>;

/** Bookable slots of a building: published, not withdrawn, starting after `after`, with room left. */
export async function openSlots(db: Kysely<DB>, buildingId: string, after: string) {
	const rows = await db
		.selectFrom('appointment_slots as s')
		.select((eb) => [
			's.id', 's.date', 's.starts_at', 's.ends_at', 's.capacity',
			eb.selectFrom('jobs').whereRef('jobs.slot_id', '=', 's.id').select(eb.fn.countAll<number>().as('n')).as('taken')
		])
		.where('s.building_id', '=', buildingId)
		.where('s.published_at', 'is not', null)
		.where('s.withdrawn_at', 'is', null)
		.where('s.starts_at', '>', after)
		.orderBy('s.starts_at')
		.execute();
	return rows.map((r) => ({ id: r.id, date: r.date, startsAt: r.starts_at, endsAt: r.ends_at, free: r.capacity - Number(r.taken ?? 0) }));
}
