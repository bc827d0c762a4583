import type { Kysely, Transaction } from 'kysely';
import { audit, type Actor } from '../audit';
import type { DB } from '../db/schema';
import { AppError } from '../errors';
import type { PublicLimiters } from '../public/limits';
import { takePoints } from '../public/shared-limiter';
import { recordChanges, type Change } from '../sync/change-log';
import { jobDtos } from '../sync/entities';
import { enqueueForJob } from '../notify/notify.service';
import { nowIso } from '../util/ids';
import { bookingJob, openSlots, type BookingJobRow } from './booking.repository';
import { newBookingReference, parseBookingReference } from './reference';

/** How a resident says which in-home meter is theirs — never by name, phone or other personal data. */
export type Identification =
	| { by: 'reference'; reference: string }
	| { by: 'ppe'; buildingId: string; flat: string; ppeDigits: string };

const PPE_DIGITS = 6;
const PPE_DIGITS_RE = new RegExp(`^\\d{${PPE_DIGITS}}$`);

/** Whether a resident typed the last PPE_DIGITS digits of a PPE, and nothing else. */
export function isPpeDigits(text: string): boolean {
	return PPE_DIGITS_RE.test(text);
}

export type IdentifyAnswer = { kind: 'limited'; retryAfterSeconds: number } | { kind: 'not_found' } | { kind: 'ok'; jobId: string };

/** Every attempt costs a point per client address, so references and PPE digits cannot be guessed. */
export async function identify(deps: { db: Kysely<DB>; limits: PublicLimiters }, who: Identification, ip: string): Promise<IdentifyAnswer> {
	const wait = await takePoints([[deps.limits.identifyIp, ip]]);
	if (wait !== null) return { kind: 'limited', retryAfterSeconds: wait };
	if (who.by === 'reference') {
		const reference = parseBookingReference(who.reference);
		if (!reference) return { kind: 'not_found' };
		const job = await deps.db.selectFrom('jobs').select('id').where('booking_reference', '=', reference).executeTakeFirst();
		return job ? { kind: 'ok', jobId: job.id } : { kind: 'not_found' };
	}
	if (!isPpeDigits(who.ppeDigits)) return { kind: 'not_found' };
	const points = await deps.db
		.selectFrom('meter_points')
		.select(['id', 'ppe'])
		.where('building_id', '=', who.buildingId)
		.where('flat', '=', who.flat.trim().toUpperCase())
		.where('location', '=', 'in_home')
		.execute();
	const point = points.find((p) => p.ppe.endsWith(who.ppeDigits));
	if (!point) return { kind: 'not_found' };
	const job = await deps.db
		.selectFrom('jobs')
		.select('id')
		.where('meter_point_id', '=', point.id)
		.where('status', 'not in', ['cancelled', 'turned_back'])
		.orderBy('created_at', 'desc')
		.executeTakeFirst();
	return job ? { kind: 'ok', jobId: job.id } : { kind: 'not_found' };
}

export interface BookingView {
	building: { street: string; number: string; city: string };
	stairwell: string;
	/** planned: can book, move, cancel; done: already exchanged; other: ask the hotline. */
	state: 'bookable' | 'done' | 'closed';
	current: { reference: string | null; date: string; startsAt: string; endsAt: string; changeable: boolean } | null;
	slots: { id: string; date: string; startsAt: string; endsAt: string }[];
}

export async function bookingView(db: Kysely<DB>, jobId: string, now = new Date()): Promise<BookingView | null> {
	const job = await bookingJob(db).where('jobs.id', '=', jobId).executeTakeFirst();
	if (!job || job.location !== 'in_home') return null;
	const nowIsoText = now.toISOString();
	const state = job.status === 'planned' ? 'bookable' : job.status === 'done' ? 'done' : 'closed';
	const open = state === 'bookable' ? (await openSlots(db, job.building_id, nowIsoText)).filter((s) => s.free > 0 && s.id !== job.slot_id) : [];
	// Two crews can offer the same hour in one building; the resident sees each time once.
	const seen = new Set<string>(job.window_start && job.window_end ? [`${job.window_start}|${job.window_end}`] : []);
	const slots = open.filter((s) => {
		const key = `${s.startsAt}|${s.endsAt}`;
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
	return {
		building: { street: job.street, number: job.number, city: job.city },
		stairwell: job.stairwell,
		state,
		current:
			job.window_start && job.window_end && job.status !== 'done'
				? { reference: job.booking_reference, date: job.planned_date ?? job.window_start.slice(0, 10), startsAt: job.window_start, endsAt: job.window_end, changeable: state === 'bookable' && job.window_start > nowIsoText }
				: null,
		slots: slots.map(({ id, date, startsAt, endsAt }) => ({ id, date, startsAt, endsAt }))
	};
}

/** Takes the job's row lock (PostgreSQL) / the write lock (SQLite) before reading it. */
async function lockedJob(trx: Transaction<DB>, jobId: string): Promise<BookingJobRow> {
	await trx.updateTable('jobs').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', jobId).execute();
	const job = await bookingJob(trx).where('jobs.id', '=', jobId).executeTakeFirst();
	if (!job || job.location !== 'in_home') throw new AppError('BOOKING_NOT_FOUND');
	if (job.status !== 'planned') throw new AppError('BOOKING_LOCKED');
	return job;
}

/** Tablets of the crews that had or now have the job hear about the change. */
async function tellTablets(trx: Transaction<DB>, jobId: string, crews: Array<string | null>): Promise<void> {
	const dto = (await jobDtos(trx, [jobId])).get(jobId);
	const changes: Change[] = [...new Set(crews)].map((crewId) => ({ entity: 'job', id: jobId, op: 'put', crewId, data: dto }));
	await recordChanges(trx, changes);
}

/**
 * Books (or moves the booking to) a slot. One transaction: the job and the slot are locked first,
 * then the slot's free capacity is counted, so two residents can never both get the last place.
 */
export async function bookSlot(
	db: Kysely<DB>,
	input: { jobId: string; slotId: string; actor: Actor; now?: Date }
): Promise<{ reference: string; moved: boolean }> {
	const now = (input.now ?? new Date()).toISOString();
	return db.transaction().execute(async (trx) => {
		const job = await lockedJob(trx, input.jobId);
		if (job.slot_id === input.slotId && job.booking_reference) return { reference: job.booking_reference, moved: false };
		// An appointment that has begun (or passed) is the crew's business now, not the website's.
		if (job.window_start && job.window_start <= now) throw new AppError('BOOKING_LOCKED');
		// The slot's row lock: competing bookings of this slot wait here until we commit.
		await trx.updateTable('appointment_slots').set((eb) => ({ capacity: eb.ref('capacity') })).where('id', '=', input.slotId).execute();
		const slot = await trx.selectFrom('appointment_slots').selectAll().where('id', '=', input.slotId).executeTakeFirst();
		if (!slot || slot.building_id !== job.building_id || !slot.published_at || slot.withdrawn_at || slot.starts_at <= now) {
			throw new AppError('SLOT_UNAVAILABLE');
		}
		const taken = await trx
			.selectFrom('jobs')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('slot_id', '=', slot.id)
			.where('id', '!=', job.id)
			.executeTakeFirstOrThrow();
		if (Number(taken.n) >= slot.capacity) throw new AppError('SLOT_FULL');

		const moved = job.slot_id !== null || job.window_start !== null;
		const reference = job.booking_reference ?? newBookingReference();
		await trx
			.updateTable('jobs')
			.set({
				slot_id: slot.id,
				crew_id: slot.crew_id,
				planned_date: slot.date,
				window_start: slot.starts_at,
				window_end: slot.ends_at,
				booking_reference: reference,
				booked_at: now,
				updated_at: now
			})
			.where('id', '=', job.id)
			.execute();
		await tellTablets(trx, job.id, [job.crew_id, slot.crew_id]);
		await enqueueForJob(trx, job.id, 'booking_confirmed');
		await audit(trx, input.actor, {
			action: moved ? 'booking-moved' : 'booking-made',
			entity: 'job',
			entityId: job.id,
			changes: { slot_id: [job.slot_id, slot.id], window_start: [job.window_start, slot.starts_at] }
		});
		return { reference, moved };
	});
}

/** Gives the slot back. The job stays, without an appointment, for the planner to arrange. */
export async function cancelBooking(db: Kysely<DB>, input: { jobId: string; actor: Actor; now?: Date }): Promise<void> {
	const now = (input.now ?? new Date()).toISOString();
	await db.transaction().execute(async (trx) => {
		const job = await lockedJob(trx, input.jobId);
		if (!job.slot_id && !job.window_start) throw new AppError('BOOKING_NOT_FOUND');
		if (job.window_start && job.window_start <= now) throw new AppError('BOOKING_LOCKED');
		// Written before the window is cleared: the message names the visit that is off.
		if (job.window_start && job.window_end) await enqueueForJob(trx, job.id, 'visit_cancelled', { window: { start: job.window_start, end: job.window_end } });
		await trx
			.updateTable('jobs')
			.set({ slot_id: null, planned_date: null, window_start: null, window_end: null, booking_reference: null, booked_at: null, updated_at: nowIso() })
			.where('id', '=', job.id)
			.execute();
		await tellTablets(trx, job.id, [job.crew_id]);
		await audit(trx, input.actor, { action: 'booking-cancelled', entity: 'job', entityId: job.id, changes: { slot_id: [job.slot_id, null] } });
	});
}
