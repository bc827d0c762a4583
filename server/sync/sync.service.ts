import { PostgresAdapter, sql, type Insertable, type Kysely, type Transaction } from 'kysely';
import { addDaysToDate, warsawDate } from '../../src/lib/domain/time';
import { parseMutation, type MutationEnvelope, type MutationName, type PulledRejection, type PullResult, type PushInput, type PushResult, type SyncChange } from '../../src/lib/domain/mutations';
import { insertRows, prepared } from '../db/prepared';
import type { DB, Job, MutationLogTable } from '../db/schema';
import { AppError } from '../errors';
import { translate, type Locale } from '../i18n';
import { jobsWithPlace, toJobDto } from '../jobs/jobs.repository';
import { nowIso } from '../util/ids';
import { nextTurn } from '../util/turns';
import { changesSince, currentSeq, recordChanges, type Change } from './change-log';
import { exchangeDto, jobDtos, noteDto, outageDto, photoDto, profileDto, readingDto, sealDto, sealStockDto, stockDto, visitDto } from './entities';
import { applyMutation, isDuplicateKey, RuleError } from './mutators';

export interface SyncActor {
	userId: string;
	crewId: string | null;
	locale: Locale;
}

const PULL_PAGE = 1000;

const isPostgres = (db: Kysely<DB>) => db.getExecutor().adapter instanceof PostgresAdapter;
/** How far back and ahead a fresh tablet is given its crew's jobs. */
const SNAPSHOT_DAYS_BACK = 7;
const SNAPSHOT_DAYS_AHEAD = 14;

const addClient = prepared((db, p: { clientId: string; userId: string; at: string }) =>
	db
		.insertInto('sync_clients')
		.values({ client_id: p.clientId, user_id: p.userId, last_mutation_id: 0, created_at: p.at, updated_at: p.at })
		.onConflict((oc) => oc.column('client_id').doNothing())
);
const clientById = (db: Kysely<DB>, p: { clientId: string }) => db.selectFrom('sync_clients').selectAll().where('client_id', '=', p.clientId);
const readClient = prepared(clientById);
// On PostgreSQL the row lock makes concurrent pushes of one device take turns; SQLite
// transactions are already serialised.
const lockClient = prepared((db, p: { clientId: string }) => (isPostgres(db) ? clientById(db, p).forUpdate() : clientById(db, p)));
const storeLastMutation = prepared((db, p: { clientId: string; last: number; at: string }) =>
	db.updateTable('sync_clients').set({ last_mutation_id: p.last, updated_at: p.at }).where('client_id', '=', p.clientId)
);

/** Reads the client's row (creating it on first contact) and checks it belongs to this user. */
async function clientRow(db: Kysely<DB>, clientId: string, userId: string, lock: boolean) {
	await addClient(db, { clientId, userId, at: nowIso() });
	const [row] = await (lock ? lockClient : readClient)(db, { clientId });
	if (!row) throw new Error(`sync client ${clientId} vanished`);
	if (row.user_id !== userId) throw new AppError('FORBIDDEN', { detail: 'client belongs to another user' });
	return { ...row, last_mutation_id: Number(row.last_mutation_id) };
}

function rejectionMessage(code: string, locale: Locale): string {
	return translate(`reject_${code.toLowerCase()}`, {}, locale);
}

/**
 * Applies a batch in order inside one transaction and stores the client's lastMutationId in that
 * same transaction. A crash before the commit loses the whole batch — the device still has it and
 * resends it — and a commit can never apply a mutation twice. (One transaction per batch instead
 * of per mutation: the bookkeeping, the change log and the jobs' new state are written once per
 * batch; see the README's design notes.)
 *
 * A refused mutation must leave nothing behind while the others stay, which takes a savepoint per
 * mutation — two more statements (round trips on PostgreSQL) for each one of the batch. Refusals
 * are rare, so the batch is first applied without savepoints; at the first refusal that attempt
 * is rolled back whole and the batch applied again, each mutation under its own savepoint.
 */
export async function push(db: Kysely<DB>, actor: SyncActor, input: PushInput): Promise<PushResult> {
	const sorted = [...input.mutations].sort((a, b) => a.id - b.id);
	let outcome: BatchOutcome;
	try {
		outcome = await db.transaction().execute((trx) => applyBatch(trx, actor, input.clientId, sorted, false));
	} catch (e) {
		if (!(e instanceof NeedsSavepoints)) throw e;
		outcome = await db.transaction().execute((trx) => applyBatch(trx, actor, input.clientId, sorted, true));
	}
	// What came before the gap is committed; the device learns where the server stands.
	if (outcome.gap) throw new AppError('SYNC_GAP', { params: outcome.gap });
	return { lastMutationId: outcome.lastMutationId, results: outcome.results };
}

interface BatchOutcome {
	lastMutationId: number;
	results: PushResult['results'];
	gap: { expected: number; got: number } | null;
}

/** A mutation was refused in the attempt without savepoints: roll it back, apply with them. */
class NeedsSavepoints extends Error {}

async function applyBatch(trx: Transaction<DB>, actor: SyncActor, clientId: string, sorted: MutationEnvelope[], savepoints: boolean): Promise<BatchOutcome> {
	const client = await clientRow(trx, clientId, actor.userId, true);
	let last = client.last_mutation_id;
	let gap: { expected: number; got: number } | null = null;
	const results: PushResult['results'] = [];
	const changes: Change[] = [];
	const log: Insertable<MutationLogTable>[] = [];
	const jobs = new Map<string, Job | null>();
	const points = new Map<string, unknown>();
	const moved = new Map<string, string | null>();
	const receivedAt = nowIso();
	const record = (m: MutationEnvelope, status: 'applied' | 'rejected', code: string | null) => {
		const message = code ? rejectionMessage(code, actor.locale) : null;
		log.push({
			client_id: clientId, mutation_id: m.id, name: m.name.slice(0, 40), args: JSON.stringify(m.args ?? null).slice(0, 20_000),
			user_id: actor.userId, status, reason_code: code, reason_message: message,
			client_at: m.at, received_at: receivedAt, job_id: jobIdOf(m.args)
		});
		if (code) {
			const reason = { code, message: message! };
			results.push({ id: m.id, status, reason });
			changes.push({
				entity: 'rejection', id: `${clientId}:${m.id}`, op: 'put', userId: actor.userId,
				data: { clientId, mutationId: m.id, name: m.name, args: m.args ?? null, reason, at: m.at }
			});
		} else {
			results.push({ id: m.id, status });
		}
		last = m.id;
	};
	for (const m of sorted) {
		if (m.id <= last) {
			results.push({ id: m.id, status: 'skipped' });
			continue;
		}
		if (m.id > last + 1) {
			gap = { expected: last + 1, got: m.id };
			break;
		}
		const parsed = parseMutation(m.name, m.args);
		if (!parsed.success) {
			record(m, 'rejected', 'VALIDATION');
			continue;
		}
		const ctx = { trx, jobs, points, moved, userId: actor.userId, crewId: actor.crewId, clientId, mutationId: m.id, at: m.at };
		if (savepoints) await sql`savepoint mutation`.execute(trx);
		try {
			changes.push(...(await applyMutation(ctx, m.name as MutationName, parsed.data as never)));
			if (savepoints) await sql`release savepoint mutation`.execute(trx);
			record(m, 'applied', null);
		} catch (e) {
			if (!(e instanceof RuleError) && !isDuplicateKey(e)) throw e;
			// Without savepoints this attempt cannot undo one mutation alone: it is rolled back whole.
			if (!savepoints) throw new NeedsSavepoints();
			// Undo this mutation's own writes only; the batch goes on.
			await sql`rollback to savepoint mutation`.execute(trx);
			await sql`release savepoint mutation`.execute(trx);
			record(m, 'rejected', e instanceof RuleError ? e.code : 'DUPLICATE');
		}
	}
	if (log.length > 0) {
		await storeLastMutation(trx, { clientId, last, at: receivedAt });
		await insertRows(trx, 'mutation_log', log);
		await recordChanges(trx, await withJobStates(trx, withCurrentCrews(changes, moved), moved));
	}
	return { lastMutationId: last, results, gap };
}

/** The job a change is about: the job itself, its exchange (keyed by the job), or its `jobId`. */
function jobOfChange(c: Change): string | null {
	if (c.entity === 'job' || c.entity === 'exchange') return c.id;
	const jobId = (c.data as { jobId?: unknown } | undefined)?.jobId;
	return typeof jobId === 'string' ? jobId : null;
}

/**
 * What a crew's tablet recorded on a job the office has since moved goes to that crew (its own
 * record) and also to the crew that has the job now, so the new crew's tablet knows the readings,
 * photos and notes already taken when it pulls next.
 */
function withCurrentCrews(changes: Change[], moved: Map<string, string | null>): Change[] {
	if (moved.size === 0) return changes;
	const out: Change[] = [];
	for (const c of changes) {
		out.push(c);
		const jobId = jobOfChange(c);
		if (jobId === null || !moved.has(jobId)) continue;
		const current = moved.get(jobId) ?? null;
		if (c.crewId !== undefined && c.crewId !== current) out.push({ ...c, crewId: current });
	}
	return out;
}

/**
 * Jobs touched several times in a batch go out once per crew, in their state after the batch; a
 * crew that lost the job still sees it as moved (with the new crew's name).
 */
async function withJobStates(db: Kysely<DB>, changes: Change[], moved: Map<string, string | null>): Promise<Change[]> {
	const jobIds = [...new Set(changes.filter((c) => c.entity === 'job').map((c) => c.id))];
	if (jobIds.length === 0) return changes;
	const states = await jobDtos(db, jobIds);
	const crewNames = moved.size ? new Map((await db.selectFrom('crews').select(['id', 'name']).execute()).map((c) => [c.id, c.name])) : new Map<string, string>();
	const emitted = new Set<string>();
	const out: Change[] = [];
	for (const c of changes) {
		const key = `${c.id}|${c.crewId ?? ''}`;
		if (c.entity !== 'job') out.push(c);
		else if (!emitted.has(key)) {
			emitted.add(key);
			const state = states.get(c.id);
			const lost = moved.has(c.id) && c.crewId !== moved.get(c.id);
			out.push({ ...c, data: state && lost ? { ...state, movedTo: crewNames.get(moved.get(c.id) ?? '') ?? '' } : state });
		}
	}
	return out;
}

/** Everything in a fitter's scope, for a tablet's first pull. */
async function snapshot(db: Kysely<DB>, actor: SyncActor): Promise<SyncChange[]> {
	const today = warsawDate();
	const out: SyncChange[] = [];
	if (actor.crewId) {
		const jobs = await jobsWithPlace(db)
			.where('jobs.crew_id', '=', actor.crewId)
			.where('jobs.planned_date', '>=', addDaysToDate(today, -SNAPSHOT_DAYS_BACK))
			.where('jobs.planned_date', '<=', addDaysToDate(today, SNAPSHOT_DAYS_AHEAD))
			.orderBy('jobs.planned_date').orderBy('jobs.sequence').orderBy('jobs.id')
			.execute();
		for (const j of jobs) out.push({ entity: 'job', op: 'put', id: j.id, data: toJobDto(j) });
		const ids = jobs.map((j) => j.id);
		for (let i = 0; i < ids.length; i += 500) {
			if (i > 0) await nextTurn();
			const chunk = ids.slice(i, i + 500);
			const [notes, readings, photos, exchanges, outages, seals, visits] = await Promise.all([
				db.selectFrom('job_notes').selectAll().where('job_id', 'in', chunk).orderBy('created_at').execute(),
				db.selectFrom('readings').selectAll().where('job_id', 'in', chunk).orderBy('created_at').execute(),
				db.selectFrom('job_photos').leftJoin('blobs', 'blobs.sha256', 'job_photos.sha256').selectAll('job_photos').select('blobs.sha256 as stored').where('job_id', 'in', chunk).execute(),
				db.selectFrom('exchanges').selectAll().where('job_id', 'in', chunk).execute(),
				db.selectFrom('outages').selectAll().where('job_id', 'in', chunk).execute(),
				db.selectFrom('seals').selectAll().where('job_id', 'in', chunk).execute(),
				db.selectFrom('no_access_visits').selectAll().where('job_id', 'in', chunk).execute()
			]);
			for (const x of exchanges) out.push({ entity: 'exchange', op: 'put', id: x.job_id, data: exchangeDto(x) });
			for (const o of outages) out.push({ entity: 'outage', op: 'put', id: o.id, data: outageDto(o) });
			for (const s of seals) out.push({ entity: 'seal', op: 'put', id: s.id, data: sealDto(s) });
			for (const v of visits) out.push({ entity: 'visit', op: 'put', id: v.id, data: visitDto(v) });
			for (const n of notes) out.push({ entity: 'note', op: 'put', id: n.client_note_id, data: noteDto(n) });
			for (const r of readings) out.push({ entity: 'reading', op: 'put', id: r.id, data: readingDto(r) });
			for (const p of photos) out.push({ entity: 'photo', op: 'put', id: p.id, data: photoDto(p, p.stored !== null) });
		}
	}
	const stock = await db
		.selectFrom('meters')
		.select(['id', 'serial', 'manufacturer', 'model'])
		.where('holder_user_id', '=', actor.userId)
		.where('state', '=', 'in_stock')
		.orderBy('serial')
		.execute();
	for (const m of stock) out.push({ entity: 'stock', op: 'put', id: m.id, data: stockDto(m) });
	const seals = await db.selectFrom('seal_stock').select('number').where('holder_user_id', '=', actor.userId).where('state', '=', 'in_stock').orderBy('number').execute();
	for (const { number } of seals) out.push({ entity: 'stock', op: 'put', id: sealStockDto(number).id, data: sealStockDto(number) });
	// The fitter's own badge and live-code secret, for the code shown on the tablet offline.
	const worker = await db.selectFrom('users').innerJoin('workers', 'workers.id', 'users.worker_id').selectAll('workers').where('users.id', '=', actor.userId).executeTakeFirst();
	if (worker) out.push({ entity: 'profile', op: 'put', id: 'me', data: profileDto(worker) });
	return out;
}

/**
 * Changes since the cursor, in the fitter's scope. The cursor is read before the changes, and
 * numbers are visible only in commit order, so nothing below it can appear later.
 */
export async function pull(db: Kysely<DB>, actor: SyncActor, clientId: string, cursor: number | null): Promise<PullResult> {
	const client = await clientRow(db, clientId, actor.userId, false);
	if (cursor === null) {
		if (isPostgres(db)) {
			return db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
				const seq = await currentSeq(trx);
				return { cursor: seq, lastMutationId: client.last_mutation_id, reset: true, changes: await snapshot(trx, actor), more: false, rejections: [] };
			});
		}
		// SQLite has one connection for every request: a snapshot in one transaction would hold it for
		// the whole read. Read in steps instead, the cursor first: a change committed meanwhile is in
		// the snapshot and again after the cursor, and applying a whole entity's put or delete twice,
		// in order, ends in the same state.
		const seq = await currentSeq(db);
		return { cursor: seq, lastMutationId: client.last_mutation_id, reset: true, changes: await snapshot(db, actor), more: false, rejections: [] };
	}
	const upTo = await currentSeq(db);
	const rows = (await changesSince(db, cursor, { crewId: actor.crewId, userId: actor.userId }, PULL_PAGE)).filter((r) => Number(r.seq) <= upTo);
	const more = rows.length === PULL_PAGE;
	const changes: SyncChange[] = [];
	const rejections: PulledRejection[] = [];
	for (const r of rows) {
		const data = r.data ? (JSON.parse(r.data) as Record<string, unknown>) : undefined;
		if (r.entity === 'rejection') {
			if (data?.clientId === clientId) {
				const { clientId: _own, ...rejection } = data;
				rejections.push(rejection as PulledRejection);
			}
		} else {
			changes.push({ entity: r.entity, op: r.op, id: r.entity_id, ...(data ? { data } : {}) });
		}
	}
	return {
		cursor: more ? Number(rows[rows.length - 1]!.seq) : Math.max(upTo, cursor),
		lastMutationId: client.last_mutation_id,
		reset: false,
		changes,
		more,
		rejections
	};
}

/** The job a mutation is about, when its arguments name one (every field mutation does). */
function jobIdOf(args: unknown): string | null {
	const jobId = (args as { jobId?: unknown } | null)?.jobId;
	return typeof jobId === 'string' && jobId.length <= 64 ? jobId : null;
}
