import type { Kysely } from 'kysely';
import { audit, type Actor } from '../audit';
import type { AbsenceReason, DB } from '../db/schema';
import { AppError } from '../errors';
import { newId, nowIso } from '../util/ids';

export async function listCrews(db: Kysely<DB>, today: string) {
	const [crews, workers, absences] = await Promise.all([
		db.selectFrom('crews').select(['id', 'name', 'work_days', 'work_start', 'work_end', 'announce_arrival']).orderBy('name').execute(),
		db
			.selectFrom('workers')
			.leftJoin('users', 'users.worker_id', 'workers.id')
			.select(['workers.id', 'workers.first_name', 'workers.last_name', 'workers.badge_number', 'workers.status', 'workers.crew_id', 'users.login'])
			.where('workers.status', '=', 'active')
			.orderBy('workers.last_name')
			.execute(),
		db.selectFrom('absences').selectAll().where('to_date', '>=', today).orderBy('from_date').execute()
	]);
	const fitter = (w: (typeof workers)[number]) => ({
		id: w.id,
		name: `${w.first_name} ${w.last_name}`,
		badge: w.badge_number,
		login: w.login,
		crewId: w.crew_id,
		absences: absences.filter((a) => a.worker_id === w.id).map((a) => ({ id: a.id, from: a.from_date, to: a.to_date, reason: a.reason }))
	});
	return {
		crews: crews.map((c) => ({
			id: c.id,
			name: c.name,
			workDays: c.work_days.split(',').map(Number),
			start: c.work_start,
			end: c.work_end,
			announceArrival: c.announce_arrival === 1,
			fitters: workers.filter((w) => w.crew_id === c.id).map(fitter)
		})),
		unassigned: workers.filter((w) => w.crew_id === null).map(fitter)
	};
}

export async function createCrew(db: Kysely<DB>, name: string, actor: Actor) {
	return db.transaction().execute(async (trx) => {
		const taken = await trx.selectFrom('crews').select('id').where('name', '=', name).executeTakeFirst();
		if (taken) throw new AppError('CONFLICT');
		const id = newId();
		await trx.insertInto('crews').values({ id, name, created_at: nowIso() }).execute();
		await audit(trx, actor, { action: 'crew-create', entity: 'crews', entityId: id, changes: { name } });
		return { id };
	});
}

export async function setCrewCalendar(db: Kysely<DB>, input: { crewId: string; workDays: number[]; start: string; end: string }, actor: Actor) {
	return db.transaction().execute(async (trx) => {
		const before = await trx.selectFrom('crews').select(['work_days', 'work_start', 'work_end']).where('id', '=', input.crewId).executeTakeFirst();
		if (!before) throw new AppError('NOT_FOUND');
		const workDays = [...new Set(input.workDays)].sort().join(',');
		await trx.updateTable('crews').set({ work_days: workDays, work_start: input.start, work_end: input.end }).where('id', '=', input.crewId).execute();
		await audit(trx, actor, { action: 'crew-calendar', entity: 'crews', entityId: input.crewId, changes: { before, after: { work_days: workDays, work_start: input.start, work_end: input.end } } });
		return { ok: true as const };
	});
}

export async function moveFitter(db: Kysely<DB>, input: { workerId: string; crewId: string | null }, actor: Actor) {
	return db.transaction().execute(async (trx) => {
		const worker = await trx.selectFrom('workers').select(['id', 'crew_id']).where('id', '=', input.workerId).executeTakeFirst();
		if (!worker) throw new AppError('NOT_FOUND');
		if (input.crewId && !(await trx.selectFrom('crews').select('id').where('id', '=', input.crewId).executeTakeFirst())) throw new AppError('NOT_FOUND');
		await trx.updateTable('workers').set({ crew_id: input.crewId, updated_at: nowIso() }).where('id', '=', input.workerId).execute();
		await audit(trx, actor, { action: 'fitter-move', entity: 'workers', entityId: input.workerId, changes: { crew_id: [worker.crew_id, input.crewId] } });
		return { ok: true as const };
	});
}

export async function addAbsence(db: Kysely<DB>, input: { workerId: string; from: string; to: string; reason: AbsenceReason }, actor: Actor) {
	return db.transaction().execute(async (trx) => {
		if (!(await trx.selectFrom('workers').select('id').where('id', '=', input.workerId).executeTakeFirst())) throw new AppError('NOT_FOUND');
		const id = newId();
		await trx.insertInto('absences').values({ id, worker_id: input.workerId, from_date: input.from, to_date: input.to, reason: input.reason, created_at: nowIso() }).execute();
		await audit(trx, actor, { action: 'absence-add', entity: 'workers', entityId: input.workerId, changes: input });
		return { id };
	});
}

export async function removeAbsence(db: Kysely<DB>, absenceId: string, actor: Actor) {
	return db.transaction().execute(async (trx) => {
		const row = await trx.selectFrom('absences').selectAll().where('id', '=', absenceId).executeTakeFirst();
		if (!row) throw new AppError('NOT_FOUND');
		await trx.deleteFrom('absences').where('id', '=', absenceId).execute();
		await audit(trx, actor, { action: 'absence-remove', entity: 'workers', entityId: row.worker_id, changes: row });
		return { ok: true as const };
	});
}

/** Whether the residents of this crew's in-home visits hear "the fitter is on the way" (per contractor's crew). */
export async function setAnnounceArrival(db: Kysely<DB>, input: { crewId: string; on: boolean }, actor: Actor) {
	return db.transaction().execute(async (trx) => {
		const res = await trx.updateTable('crews').set({ announce_arrival: input.on ? 1 : 0 }).where('id', '=', input.crewId).executeTakeFirst();
		if (Number(res.numUpdatedRows) !== 1) throw new AppError('NOT_FOUND');
		await audit(trx, actor, { action: 'crew-announce-arrival', entity: 'crews', entityId: input.crewId, changes: { announce_arrival: input.on } });
		return { ok: true as const };
	});
}
