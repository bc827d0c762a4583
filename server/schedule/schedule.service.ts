/**
 * Planning estate by estate: gathers the engine's input from the database, shows a preview, and
 * commits exactly the previewed plan (refused when the data changed meanwhile). Also the planner's
 * edits of a committed plan (move a stairwell block or one job), under the same rules.
 */
import { createHash } from 'node:crypto';
import type { Insertable, Kysely, Transaction } from 'kysely';
import { addDaysToDate, warsawInstant, warsawMinutes } from '../../src/lib/domain/time';
import { audit, type Actor } from '../audit';
import type { AppointmentSlotsTable, DB, Job, JobMovesTable } from '../db/schema';
import { AppError } from '../errors';
import { translate, type Locale } from '../i18n';
import { jobsWithPlace, toJobDto } from '../jobs/jobs.repository';
import { recordChanges, type Change } from '../sync/change-log';
import { enqueueForJob } from '../notify/notify.service';
import { newId, nowIso } from '../util/ids';
import { crewDayRefusal, holidaysBetween, toHhmm, toMinutes } from './calendar';
import { DEFAULT_PARAMS, schedule, type BuildingInput, type ScheduleParams, type ScheduleResult, type UnplacedReason } from './engine';
import { loadBusyUntil, loadCrewCalendars, loadEstatePoints, lockForPlanning, type PlanPoint } from './schedule.repository';

export interface PlanRequest {
	estateIds: string[];
	crewIds: string[];
	from: string;
	to: string;
	params: ScheduleParams;
}

const PLANNABLE_AGAIN = new Set(['no_access', 'cancelled']);

/** The attempt a new job of the point is: one more after a no-access visit. */
const nextAttempt = (p: PlanPoint): number => (p.job_status === 'no_access' ? (p.job_attempt ?? 1) + 1 : (p.job_attempt ?? 1));

function checkPeriod(req: PlanRequest, locale: Locale): void {
	if (req.to < req.from) throw new AppError('PLAN_PERIOD', { params: { reason: translate('plan_period_order', {}, locale) } });
	if (addDaysToDate(req.from, 366) < req.to) throw new AppError('PLAN_PERIOD', { params: { reason: translate('plan_period_too_long', {}, locale) } });
}

async function buildInput(db: Kysely<DB>, req: PlanRequest, today: string) {
	const [points, crews] = await Promise.all([loadEstatePoints(db, req.estateIds), loadCrewCalendars(db)]);
	const chosen = crews.filter((c) => req.crewIds.includes(c.id));
	const busy = await loadBusyUntil(db, today, req.to);
	const toPlan = points.filter((p) => p.job_status === null || PLANNABLE_AGAIN.has(p.job_status));
	const estateOrder = new Map(req.estateIds.map((id, i) => [id, i]));
	const buildings = new Map<string, BuildingInput>();
	for (const p of toPlan) {
		let b = buildings.get(p.building_id);
		if (!b) buildings.set(p.building_id, (b = { id: p.building_id, estateOrder: estateOrder.get(p.estate_id) ?? 0, street: p.street, number: p.number, stairwells: [] }));
		let s = b.stairwells.find((x) => x.name === p.stairwell);
		if (!s) b.stairwells.push((s = { name: p.stairwell, points: [] }));
		s.points.push({ id: p.id, flat: p.flat, location: p.location, attempt: nextAttempt(p) });
	}
	const input = {
		today,
		from: req.from,
		to: req.to,
		params: req.params,
		holidays: holidaysBetween(today, req.to),
		crews: chosen.map((c) => ({ ...c, busyUntil: busy.get(c.id) ?? {} })),
		buildings: [...buildings.values()]
	};
	return { input, points: new Map(points.map((p) => [p.id, p])), crews: chosen, alreadyPlanned: points.length - toPlan.length };
}

function planHash(result: ScheduleResult): string {
	return createHash('sha256').update(JSON.stringify(result)).digest('hex').slice(0, 32);
}

const MAX_UNPLACED_LISTED = 500;

function summarise(result: ScheduleResult, points: Map<string, PlanPoint>, crews: Array<{ id: string; name: string }>, alreadyPlanned: number) {
	const byDay = new Map<string, { date: string; jobs: number; blocks: number; slots: number }>();
	const byCrew = new Map(crews.map((c) => [c.id, { crewId: c.id, name: c.name, days: new Set<string>(), jobs: 0, first: null as string | null, last: null as string | null }]));
	for (const u of result.units) {
		const d = byDay.get(u.date) ?? { date: u.date, jobs: 0, blocks: 0, slots: 0 };
		d.jobs += u.pointIds.length;
		if (u.kind === 'stairwell') d.blocks++;
		else d.slots++;
		byDay.set(u.date, d);
		const c = byCrew.get(u.crewId)!;
		c.days.add(u.date);
		c.jobs += u.pointIds.length;
		if (!c.first || u.date < c.first) c.first = u.date;
		if (!c.last || u.date > c.last) c.last = u.date;
	}
	const reasons: Partial<Record<UnplacedReason, number>> = {};
	for (const u of result.unplaced) reasons[u.reason] = (reasons[u.reason] ?? 0) + 1;
	const placed = result.units.reduce((n, u) => n + u.pointIds.length, 0);
	return {
		firstDay: result.firstDay,
		planHash: planHash(result),
		placed,
		alreadyPlanned,
		stairwellBlocks: result.units.filter((u) => u.kind === 'stairwell').length,
		slots: result.units.filter((u) => u.kind === 'slot').length,
		unplacedCount: result.unplaced.length,
		unplacedByReason: reasons,
		turnBacks: result.turnBacks.length,
		lastDay: result.units.reduce<string | null>((m, u) => (!m || u.date > m ? u.date : m), null),
		days: [...byDay.values()].sort((a, b) => (a.date < b.date ? -1 : 1)),
		crews: [...byCrew.values()].map((c) => ({ crewId: c.crewId, name: c.name, days: c.days.size, jobs: c.jobs, first: c.first, last: c.last })),
		unplaced: result.unplaced.slice(0, MAX_UNPLACED_LISTED).map((u) => {
			const p = points.get(u.pointId)!;
			return { pointId: u.pointId, ppe: p.ppe, street: p.street, number: p.number, stairwell: p.stairwell, flat: p.flat, location: p.location, reason: u.reason };
		})
	};
}

export type PlanSummary = ReturnType<typeof summarise>;

export async function previewPlan(db: Kysely<DB>, req: PlanRequest, today: string, locale: Locale): Promise<PlanSummary> {
	checkPeriod(req, locale);
	const { input, points, crews, alreadyPlanned } = await buildInput(db, req, today);
	return summarise(schedule(input), points, crews, alreadyPlanned);
}

/**
 * Stores the plan the planner saw (same hash) in one transaction: appointment slots (published
 * now — the engine never places one inside the notice period), planned jobs, turn-backs, and the
 * changes the crews' tablets pull.
 */
export async function commitPlan(
	db: Kysely<DB>,
	req: PlanRequest & { expectedHash: string },
	today: string,
	actor: Actor,
	locale: Locale
): Promise<PlanSummary> {
	checkPeriod(req, locale);
	return db.transaction().execute(async (trx) => {
		await lockForPlanning(trx, { crewIds: req.crewIds, estateIds: req.estateIds });
		const { input, points, crews, alreadyPlanned } = await buildInput(trx, req, today);
		const result = schedule(input);
		const summary = summarise(result, points, crews, alreadyPlanned);
		if (summary.planHash !== req.expectedHash) throw new AppError('PLAN_CHANGED');
		const at = nowIso();
		const publishFrom = addDaysToDate(today, req.params.minNoticeDays);
		const slots: Insertable<AppointmentSlotsTable>[] = [];
		const jobs: Job[] = [];
		const sequence = new Map<string, number>();
		for (const u of [...result.units].sort((a, b) => a.crewId.localeCompare(b.crewId) || a.date.localeCompare(b.date) || a.start - b.start)) {
			const key = `${u.crewId}|${u.date}`;
			const startIso = warsawInstant(u.date, toHhmm(u.start)).toISOString();
			const endIso = warsawInstant(u.date, toHhmm(u.end)).toISOString();
			let slotId: string | null = null;
			if (u.kind === 'slot') {
				slotId = newId();
				slots.push({ id: slotId, building_id: u.buildingId, crew_id: u.crewId, date: u.date, starts_at: startIso, ends_at: endIso, capacity: u.capacity, published_at: u.date >= publishFrom ? at : null, withdrawn_at: null, created_at: at });
			}
			for (const pointId of u.pointIds) {
				const seq = (sequence.get(key) ?? 0) + 1;
				sequence.set(key, seq);
				jobs.push({
					id: newId(), meter_point_id: pointId, crew_id: u.crewId, planned_date: u.date, window_start: startIso, window_end: endIso, sequence: seq,
					status: 'planned', attempt: nextAttempt(points.get(pointId)!),
					created_at: at, updated_at: at, started_at: null, completed_at: null, slot_id: slotId, booking_reference: null, booked_at: null, exception_reason: null
				});
			}
		}
		for (let i = 0; i < slots.length; i += 500) await trx.insertInto('appointment_slots').values(slots.slice(i, i + 500)).execute();
		for (let i = 0; i < jobs.length; i += 500) await trx.insertInto('jobs').values(jobs.slice(i, i + 500)).execute();
		const turnBackJobs = result.turnBacks.map((id) => points.get(id)!.job_id!).filter(Boolean);
		for (let i = 0; i < turnBackJobs.length; i += 500) {
			await trx.updateTable('jobs').set({ status: 'turned_back', updated_at: at }).where('id', 'in', turnBackJobs.slice(i, i + 500)).where('status', '=', 'no_access').execute();
		}
		await announce(trx, [...jobs.map((j) => j.id), ...turnBackJobs], new Map());
		await audit(trx, actor, { action: 'plan-commit', entity: 'estates', entityId: req.estateIds.join(','), changes: { from: req.from, to: req.to, params: req.params, jobs: jobs.length, slots: slots.length, turnBacks: turnBackJobs.length, unplaced: result.unplaced.length } });
		return summary;
	});
}

/**
 * Tells the tablets: the job's current state to its crew, and to a crew that lost it the job
 * marked as moved (with the new crew's name), so that tablet says "moved to Ekipa 2" instead of
 * the job silently vanishing — and a fitter who already started it can still finish it.
 */
async function announce(trx: Transaction<DB>, jobIds: string[], previousCrew: Map<string, string | null>): Promise<void> {
	const changes: Change[] = [];
	const moves: Insertable<JobMovesTable>[] = [];
	const at = nowIso();
	const crewNames = new Map((await trx.selectFrom('crews').select(['id', 'name']).execute()).map((c) => [c.id, c.name]));
	for (let i = 0; i < jobIds.length; i += 500) {
		for (const row of await jobsWithPlace(trx).where('jobs.id', 'in', jobIds.slice(i, i + 500)).execute()) {
			const before = previousCrew.get(row.id);
			const dto = toJobDto(row);
			if (before && before !== row.crew_id) {
				changes.push({ entity: 'job', id: row.id, op: 'put', crewId: before, data: { ...dto, movedTo: crewNames.get(row.crew_id ?? '') ?? '' } });
				// Remembered so the old crew's tablet can still deliver what it recorded (see crewJob).
				moves.push({ id: newId(), job_id: row.id, from_crew_id: before, to_crew_id: row.crew_id, at });
			}
			changes.push({ entity: 'job', id: row.id, op: 'put', crewId: row.crew_id, data: dto });
		}
	}
	for (let i = 0; i < moves.length; i += 500) await trx.insertInto('job_moves').values(moves.slice(i, i + 500)).execute();
	await recordChanges(trx, changes);
}

// ---------------------------------------------------------------------------------------------
// Editing the plan
// ---------------------------------------------------------------------------------------------

/**
 * Finds where on the target crew-day a unit of `duration` minutes fits (after what is already
 * there, plus travel when the crew comes from another building), or refuses with the reason.
 */
async function placeOnCrewDay(
	trx: Transaction<DB>,
	target: { crewId: string; date: string; buildingId: string; duration: number; excludeJobIds: string[]; sameDate?: boolean },
	today: string,
	locale: Locale
): Promise<{ start: number; end: number; sequence: number }> {
	await lockForPlanning(trx, { crewIds: [target.crewId] });
	const earliest = addDaysToDate(today, DEFAULT_PARAMS.minNoticeDays);
	// The notice rule protects residents from a changed date; another crew on the announced day changes nothing for them.
	if (!target.sameDate && target.date < earliest) throw new AppError('PLAN_NOTICE_TOO_SHORT', { params: { earliest, days: DEFAULT_PARAMS.minNoticeDays } });
	const crew = (await loadCrewCalendars(trx)).find((c) => c.id === target.crewId);
	if (!crew) throw new AppError('NOT_FOUND');
	const refusal = crewDayRefusal(crew, target.date, new Set(holidaysBetween(target.date, target.date)));
	if (refusal) throw new AppError('PLAN_CREW_UNAVAILABLE', { params: { reason: translate(`plan_refusal_${refusal}`, {}, locale) } });
	let q = trx
		.selectFrom('jobs')
		.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
		.select(['jobs.window_end', 'jobs.sequence', 'mp.building_id'])
		.where('jobs.crew_id', '=', target.crewId)
		.where('jobs.planned_date', '=', target.date)
		.where('jobs.status', 'in', ['planned', 'in_progress']);
	if (target.excludeJobIds.length) q = q.where('jobs.id', 'not in', target.excludeJobIds);
	const there = await q.execute();
	let busy = toMinutes(crew.start);
	let lastBuilding: string | null = null;
	let sequence = 0;
	for (const j of there) {
		const end = j.window_end ? warsawMinutes(j.window_end) : busy;
		if (end >= busy) {
			busy = end;
			lastBuilding = j.building_id;
		}
		sequence = Math.max(sequence, j.sequence);
	}
	const start = busy + (lastBuilding && lastBuilding !== target.buildingId ? DEFAULT_PARAMS.travelMinutes : 0);
	const free = Math.max(0, toMinutes(crew.end) - start);
	if (target.duration > free) throw new AppError('PLAN_NO_ROOM', { params: { needed: target.duration, free } });
	return { start, end: start + target.duration, sequence };
}

/**
 * Only planned jobs move; a job a tablet already started moves only when the planner confirmed
 * it (they were warned: the fitter may be on site). Same date: a resident's booking keeps its
 * window and moves with the job; a new date would break it.
 */
function assertMovable(jobs: Job[], opts: { sameDate: boolean; confirmStarted: boolean }): void {
	const started = jobs.filter((j) => j.status === 'in_progress');
	if (started.length && !opts.confirmStarted) throw new AppError('PLAN_JOB_STARTED', { params: { count: started.length } });
	for (const j of jobs) {
		if (j.status !== 'planned' && j.status !== 'in_progress') throw new AppError('PLAN_NOT_MOVABLE', { params: { status: j.status } });
		if (j.booking_reference && !opts.sameDate) throw new AppError('PLAN_BOOKED', { params: { reference: j.booking_reference } });
	}
}

/** Moves the stairwell block of one stairwell (its stairwell meters planned on `date`) to another crew-day. */
export async function moveStairwellBlock(
	db: Kysely<DB>,
	req: { buildingId: string; stairwell: string; date: string; toDate: string; toCrewId: string; confirmStarted?: boolean },
	today: string,
	actor: Actor,
	locale: Locale
) {
	return db.transaction().execute(async (trx) => {
		const jobs = await trx
			.selectFrom('jobs')
			.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
			.selectAll('jobs')
			.where('mp.building_id', '=', req.buildingId)
			.where('mp.stairwell', '=', req.stairwell)
			.where('mp.location', '=', 'stairwell')
			.where('jobs.planned_date', '=', req.date)
			.where('jobs.status', 'in', ['planned', 'in_progress', 'done', 'no_access'])
			.orderBy('jobs.sequence')
			.execute();
		if (jobs.length === 0) throw new AppError('NOT_FOUND');
		const sameDate = req.toDate === req.date;
		assertMovable(jobs, { sameDate, confirmStarted: req.confirmStarted ?? false });
		const duration = DEFAULT_PARAMS.setupMinutes + jobs.length * DEFAULT_PARAMS.exchangeMinutes;
		const place = await placeOnCrewDay(trx, { crewId: req.toCrewId, date: req.toDate, buildingId: req.buildingId, duration, excludeJobIds: jobs.map((j) => j.id), sameDate }, today, locale);
		const at = nowIso();
		const start = warsawInstant(req.toDate, toHhmm(place.start)).toISOString();
		const end = warsawInstant(req.toDate, toHhmm(place.end)).toISOString();
		let seq = place.sequence;
		for (const j of jobs) {
			await trx.updateTable('jobs').set({ crew_id: req.toCrewId, planned_date: req.toDate, window_start: start, window_end: end, sequence: ++seq, updated_at: at }).where('id', '=', j.id).execute();
		}
		await announce(trx, jobs.map((j) => j.id), new Map(jobs.map((j) => [j.id, j.crew_id])));
		await audit(trx, actor, { action: 'plan-move-block', entity: 'buildings', entityId: req.buildingId, changes: { stairwell: req.stairwell, from: [req.date, jobs[0]!.crew_id], to: [req.toDate, req.toCrewId], jobs: jobs.length } });
		return { moved: jobs.length, windowStart: start, windowEnd: end };
	});
}

/**
 * Moves one job to another crew-day; an in-home job gets a new published slot there. On the same
 * date (a sick fitter's job to another crew) no notice is needed and a booked window is kept.
 */
export async function moveJob(db: Kysely<DB>, req: { jobId: string; toDate: string; toCrewId: string; confirmStarted?: boolean }, today: string, actor: Actor, locale: Locale) {
	return db.transaction().execute(async (trx) => {
		const job = await trx.selectFrom('jobs').selectAll().where('id', '=', req.jobId).executeTakeFirst();
		if (!job) throw new AppError('NOT_FOUND');
		const sameDate = job.planned_date === req.toDate;
		assertMovable([job], { sameDate, confirmStarted: req.confirmStarted ?? false });
		const at = nowIso();
		if (sameDate && job.booking_reference) {
			await checkCrewDay(trx, req.toCrewId, req.toDate, locale);
			await trx.updateTable('jobs').set({ crew_id: req.toCrewId, updated_at: at }).where('id', '=', job.id).execute();
			await announce(trx, [job.id], new Map([[job.id, job.crew_id]]));
			await audit(trx, actor, { action: 'plan-move-job', entity: 'jobs', entityId: job.id, changes: { from: [job.planned_date, job.crew_id], to: [req.toDate, req.toCrewId], started: job.status === 'in_progress' } });
			return { moved: 1, windowStart: job.window_start, windowEnd: job.window_end };
		}
		const point = await trx.selectFrom('meter_points').select(['building_id', 'location']).where('id', '=', job.meter_point_id).executeTakeFirstOrThrow();
		const duration = point.location === 'in_home' ? DEFAULT_PARAMS.slotMinutes : DEFAULT_PARAMS.exchangeMinutes + DEFAULT_PARAMS.setupMinutes;
		const place = await placeOnCrewDay(trx, { crewId: req.toCrewId, date: req.toDate, buildingId: point.building_id, duration, excludeJobIds: [job.id], sameDate }, today, locale);
		const start = warsawInstant(req.toDate, toHhmm(place.start)).toISOString();
		const end = warsawInstant(req.toDate, toHhmm(place.end)).toISOString();
		let slotId: string | null = null;
		if (point.location === 'in_home') {
			slotId = newId();
			await trx.insertInto('appointment_slots').values({ id: slotId, building_id: point.building_id, crew_id: req.toCrewId, date: req.toDate, starts_at: start, ends_at: end, capacity: 1, published_at: at, withdrawn_at: null, created_at: at }).execute();
		}
		await trx.updateTable('jobs').set({ crew_id: req.toCrewId, planned_date: req.toDate, window_start: start, window_end: end, sequence: place.sequence + 1, slot_id: slotId, updated_at: at }).where('id', '=', job.id).execute();
		await announce(trx, [job.id], new Map([[job.id, job.crew_id]]));
		// The resident hears of a new date; a crew change on the same day changes nothing for them.
		if (point.location === 'in_home' && req.toDate !== job.planned_date) await enqueueForJob(trx, job.id, 'visit_moved');
		await audit(trx, actor, { action: 'plan-move-job', entity: 'jobs', entityId: job.id, changes: { from: [job.planned_date, job.crew_id], to: [req.toDate, req.toCrewId], started: job.status === 'in_progress' } });
		return { moved: 1, windowStart: start, windowEnd: end };
	});
}

/** The crew works that day (working day, not a holiday, not all its fitters absent), or the reason why not. */
async function checkCrewDay(trx: Transaction<DB>, crewId: string, date: string, locale: Locale): Promise<void> {
	await lockForPlanning(trx, { crewIds: [crewId] });
	const crew = (await loadCrewCalendars(trx)).find((c) => c.id === crewId);
	if (!crew) throw new AppError('NOT_FOUND');
	const refusal = crewDayRefusal(crew, date, new Set(holidaysBetween(date, date)));
	if (refusal) throw new AppError('PLAN_CREW_UNAVAILABLE', { params: { reason: translate(`plan_refusal_${refusal}`, {}, locale) } });
}

/**
 * A crew's whole day handed to another crew on the same date (a sick fitter): the same windows,
 * so residents' bookings and stairwell notices stay true. Jobs a tablet already started move only
 * when the planner confirmed it; finished and no-access ones stay where they were done.
 */
export async function reassignCrewDay(
	db: Kysely<DB>,
	req: { fromCrewId: string; date: string; toCrewId: string; confirmStarted?: boolean },
	today: string,
	actor: Actor,
	locale: Locale
) {
	if (req.fromCrewId === req.toCrewId) throw new AppError('VALIDATION', { fieldErrors: { toCrewId: [translate('plan_reassign_same_crew', {}, locale)] } });
	return db.transaction().execute(async (trx) => {
		const jobs = await trx.selectFrom('jobs').selectAll().where('crew_id', '=', req.fromCrewId).where('planned_date', '=', req.date).where('status', 'in', ['planned', 'in_progress']).execute();
		if (jobs.length === 0) throw new AppError('NOT_FOUND');
		assertMovable(jobs, { sameDate: true, confirmStarted: req.confirmStarted ?? false });
		await checkCrewDay(trx, req.toCrewId, req.date, locale);
		const at = nowIso();
		const ids = jobs.map((j) => j.id);
		for (let i = 0; i < ids.length; i += 500) await trx.updateTable('jobs').set({ crew_id: req.toCrewId, updated_at: at }).where('id', 'in', ids.slice(i, i + 500)).execute();
		await announce(trx, ids, new Map(jobs.map((j) => [j.id, j.crew_id])));
		await audit(trx, actor, { action: 'plan-reassign-day', entity: 'crews', entityId: req.fromCrewId, changes: { date: req.date, to: req.toCrewId, jobs: ids.length, started: jobs.filter((j) => j.status === 'in_progress').length } });
		for (const id of ids) await audit(trx, actor, { action: 'plan-move-job', entity: 'jobs', entityId: id, changes: { from: [req.date, req.fromCrewId], to: [req.date, req.toCrewId] } });
		return { moved: ids.length, started: jobs.filter((j) => j.status === 'in_progress').length };
	});
}

/**
 * A planner calls a visit off (the point stays for a later plan: a cancelled job is planned
 * again). One transaction: the resident of an in-home visit gets the cancellation (written before
 * the slot is let go, so it names the visit that is off; pending reminders and "on the way"
 * messages of it become untrue and are dropped), the job turns `cancelled`, its slot place is
 * free for other residents, and the crew's tablet shows it cancelled. Only a planned job: one a
 * fitter has started is the field's fact.
 */
export async function cancelVisit(db: Kysely<DB>, req: { jobId: string; reason: string }, actor: Actor, locale: Locale) {
	return db.transaction().execute(async (trx) => {
		// The row lock first: a fitter's "start" or a resident's booking of the same job waits for us.
		await trx.updateTable('jobs').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', req.jobId).execute();
		const job = await trx.selectFrom('jobs').selectAll().where('id', '=', req.jobId).executeTakeFirst();
		if (!job) throw new AppError('NOT_FOUND');
		if (job.status !== 'planned') throw new AppError('PLAN_NOT_CANCELLABLE', { params: { status: translate(`status_${job.status}`, {}, locale) } });
		const messages = job.window_start && job.window_end
			? await enqueueForJob(trx, job.id, 'visit_cancelled', { window: { start: job.window_start, end: job.window_end }, byOperator: true })
			: 0;
		await trx.updateTable('jobs').set({ status: 'cancelled', slot_id: null, updated_at: nowIso() }).where('id', '=', job.id).execute();
		await announce(trx, [job.id], new Map());
		await audit(trx, actor, { action: 'plan-cancel-job', entity: 'jobs', entityId: job.id, changes: { status: [job.status, 'cancelled'], slot_id: [job.slot_id, null], reason: req.reason } });
		return { cancelled: 1, messages };
	});
}
