/**
 * Sync push throughput: a fitter's day (~40 jobs, ~400 mutations) and a 10,000-mutation backlog,
 * through the server's push path (validation, the batch's transaction, exactly-once bookkeeping,
 * change log), next to bare inserts of the same rows, one transaction each, in the same run,
 * batch by batch in turns (see `round`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { MutationEnvelope } from '../../../src/lib/domain/mutations';
import { openDatabase, type Database } from '../../../server/db/database';
import { migrateToLatest } from '../../../server/db/migrations';
import { seedDemo } from '../../../server/demo/seed';
import { crewOfUser } from '../../../server/jobs/jobs.repository';
import { push } from '../../../server/sync/sync.service';
import type { BenchRow } from '../report';

/**
 * ~10 mutations per job: start, 3 readings, 2 photos, 3 readings of the new meter, a note. Every
 * register every tariff has (1.8.1), with the display photo the rules require; a later reading of
 * the same register is a correction naming the one before (the server keeps both), so every
 * mutation is applied, not refused, also when the backlog comes back to a job.
 */
function dayOfWork(jobIds: string[], count: number, startId: number, latest: Map<string, string>): MutationEnvelope[] {
	const out: MutationEnvelope[] = [];
	const at = new Date().toISOString();
	let id = startId;
	const sha = () => uuidv7().replace(/-/g, '').padEnd(64, '0').slice(0, 64);
	const reading = (jobId: string, meterRole: 'old' | 'new'): [string, unknown] => {
		const readingId = uuidv7();
		const correctsReadingId = latest.get(`${jobId}:${meterRole}`) ?? null;
		latest.set(`${jobId}:${meterRole}`, readingId);
		const value = meterRole === 'old' ? '12345.678' : '0.000';
		return ['reading.record', { readingId, jobId, meterRole, register: '1.8.1', value, unreadableReason: null, photoSha256: meterRole === 'old' ? sha() : null, confirmedUnusual: true, correctsReadingId }];
	};
	for (let j = 0; out.length < count; j++) {
		const jobId = jobIds[j % jobIds.length]!;
		const steps: Array<[string, unknown]> = [
			['job.start', { jobId }],
			reading(jobId, 'old'), reading(jobId, 'old'), reading(jobId, 'old'),
			['photo.attach', { photoId: uuidv7(), jobId, sha256: sha(), kind: 'display', contentType: 'image/jpeg', size: 180_000 }],
			['photo.attach', { photoId: uuidv7(), jobId, sha256: sha(), kind: 'meter', contentType: 'image/jpeg', size: 200_000 }],
			reading(jobId, 'new'), reading(jobId, 'new'), reading(jobId, 'new'),
			['job.note', { jobId, noteId: uuidv7(), text: 'Wymiana bez uwag.' }]
		];
		for (const [name, args] of steps) if (out.length < count) out.push({ id: id++, name, args, at });
	}
	return out;
}

const ROUNDS = Number(process.env.SYNC_ROUNDS ?? 7);
const BACKLOG_ROUNDS = Number(process.env.SYNC_BACKLOG_ROUNDS ?? 3);
const WARM_UP = Number(process.env.SYNC_WARM_UP ?? 4000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const BATCH = 100;

/** Milliseconds of wall-clock time and of this process's CPU time (user + system). */
interface Spent {
	wall: number;
	cpu: number;
}

function clock(): () => Spent {
	const wall = performance.now();
	const cpu = process.cpuUsage();
	return () => {
		const used = process.cpuUsage(cpu);
		return { wall: performance.now() - wall, cpu: (used.user + used.system) / 1000 };
	};
}

/** Pushes one batch as a tablet does; the time it took. */
async function pushBatch(database: Database, actor: { userId: string; crewId: string | null }, clientId: string, batch: MutationEnvelope[]): Promise<Spent> {
	const stop = clock();
	const res = await push(database.db, { ...actor, locale: 'pl' }, { clientId, mutations: batch });
	const ms = stop();
	// A refused mutation takes a slower path; the figures are only honest when all were applied.
	const refused = res.results.find((r) => r.status === 'rejected');
	if (refused) throw new Error(`the bench's mutation ${refused.id} was refused: ${refused.reason?.code}`);
	return ms;
}

const prepared = new WeakMap<object, Map<string, { run(params: unknown[]): unknown }>>();

/** The rows the same mutations write, inserted bare: one statement, one transaction each; the time it took. */
async function rawInserts(database: Database, userId: string, mutations: MutationEnvelope[]): Promise<Spent> {
	const at = new Date().toISOString();
	const rows = mutations.map((m) => {
		const a = m.args as Record<string, string | number | null>;
		switch (m.name) {
			case 'reading.record':
				return { sql: 'insert into readings (id, job_id, meter_role, register, value, unreadable_reason, photo_sha256, at, user_id, client_id, mutation_id, created_at) values ($1,$2,$3,$4,$5,null,null,$6,$7,$8,$9,$10)', params: [uuidv7(), a.jobId, a.meterRole, a.register, a.value, at, userId, 'raw', m.id, at] };
			case 'photo.attach':
				return { sql: 'insert into job_photos (id, job_id, sha256, kind, content_type, size, at, user_id, created_at) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)', params: [uuidv7(), a.jobId, a.sha256, a.kind, a.contentType, a.size, at, userId, at] };
			case 'job.note':
				return { sql: 'insert into job_notes (id, client_note_id, job_id, user_id, text, at, created_at) values ($1,$2,$3,$4,$5,$6,$7)', params: [uuidv7(), a.noteId, a.jobId, userId, a.text, at, at] };
			default:
				return { sql: 'update jobs set status = $1, updated_at = $2 where id = $3', params: ['in_progress', at, a.jobId] };
		}
	});
	const stop = clock();
	if (database.raw.kind === 'sqlite') {
		const client = database.raw.client;
		// Prepared once per database and reused, as a running server's statements are.
		let statements = prepared.get(client);
		if (!statements) prepared.set(client, (statements = new Map()));
		for (const r of rows) {
			const text = r.sql.replace(/\$\d+/g, '?');
			let st = statements.get(text);
			if (!st) statements.set(text, (st = client.prepare(text)));
			st.run(r.params);
		}
	} else {
		const conn = await database.raw.client.connect();
		try {
			for (const r of rows) await conn.query(r.sql, r.params);
		} finally {
			conn.release();
		}
	}
	const ms = stop();
	// The baseline's rows only measured the database; the pushed readings must not meet them.
	await database.db.deleteFrom('readings').where('client_id', '=', 'raw').execute();
	return ms;
}

/**
 * One round: the mutations as a tablet pushes them (batches of 100, a new device) and the same
 * rows inserted bare, batch by batch in turns — raw first on even batches, the push first on odd
 * ones — so both sides meet the same moments of a busy machine. Mutations per second of each, by
 * the wall clock and by this process's CPU time: SQLite runs in the process, so its CPU time is
 * the work itself, whatever other processes take of the two cores meanwhile (a batch lasts a few
 * milliseconds, a time slice of a busy machine as long); PostgreSQL works in its own processes,
 * so only the wall clock counts there.
 */
async function round(database: Database, actor: { userId: string; crewId: string | null }, mutations: MutationEnvelope[]) {
	const clientId = uuidv7();
	const raw = { wall: 0, cpu: 0 };
	const pushed = { wall: 0, cpu: 0 };
	const add = (to: Spent, t: Spent) => {
		to.wall += t.wall;
		to.cpu += t.cpu;
	};
	for (let i = 0; i < mutations.length; i += BATCH) {
		const batch = mutations.slice(i, i + BATCH).map((m, k) => ({ ...m, id: i + k + 1 }));
		const rawSide = async () => add(raw, await rawInserts(database, actor.userId, batch));
		const pushSide = async () => add(pushed, await pushBatch(database, actor, clientId, batch));
		for (const side of (i / BATCH) % 2 ? [pushSide, rawSide] : [rawSide, pushSide]) await side();
	}
	const rate = (ms: number) => mutations.length / (ms / 1000);
	return { raw: { wall: rate(raw.wall), cpu: rate(raw.cpu) }, pushed: { wall: rate(pushed.wall), cpu: rate(pushed.cpu) } };
}

async function onDatabase(kind: 'sqlite' | 'postgres'): Promise<BenchRow[]> {
	let url: string;
	let cleanup: () => Promise<void>;
	if (kind === 'postgres') {
		const base = process.env.TEST_DATABASE_URL!;
		const schema = `bench_${Date.now().toString(36)}`;
		const c = new pg.Client({ connectionString: base });
		await c.connect();
		await c.query(`create schema ${schema}`);
		await c.end();
		const u = new URL(base);
		u.searchParams.set('options', `-c search_path=${schema}`);
		url = u.toString();
		cleanup = async () => {
			const d = new pg.Client({ connectionString: base });
			await d.connect();
			await d.query(`drop schema ${schema} cascade`);
			await d.end();
		};
	} else {
		const dir = mkdtempSync(join(tmpdir(), 'wymiana-bench-'));
		url = `file:${join(dir, 'bench.db')}`;
		cleanup = async () => rmSync(dir, { recursive: true, force: true });
	}
	const database = openDatabase(url);
	try {
		await migrateToLatest(database.db, database.dialect);
		await seedDemo(database.db);
		const user = await database.db.selectFrom('users').select('id').where('login', '=', 'monter1').executeTakeFirstOrThrow();
		const crewId = await crewOfUser(database.db, user.id);
		const crewJobs = (await database.db.selectFrom('jobs').select('id').where('crew_id', '=', crewId).orderBy('planned_date').orderBy('sequence').limit(80).execute()).map((j) => j.id);
		const jobIds = crewJobs.slice(0, 40);
		// Warm-up, not measured, on other jobs: both paths compiled and cached as in a server that
		// has been running, so the first case does not measure start-up against a warm baseline. The
		// push is far more JavaScript than the bare inserts and reaches V8's optimising tiers only
		// after some thousands of mutations (with 400, the first case ran at half the backlog's ratio).
		const actor = { userId: user.id, crewId };
		const warmLatest = new Map<string, string>();
		for (let done = 0; done < WARM_UP; done += 400) await round(database, actor, dayOfWork(crewJobs.slice(40), 400, 1, warmLatest));
		const rows: BenchRow[] = [];
		// The last reading per job and meter across both cases: later ones are corrections of it.
		const latest = new Map<string, string>();
		for (const [label, count, rounds] of [['a fitter’s day (400)', 400, ROUNDS], ['backlog (10,000)', 10_000, BACKLOG_ROUNDS]] as const) {
			// The median and the spread of the per-round ratios are printed (one run on a busy machine swings).
			const results: Awaited<ReturnType<typeof round>>[] = [];
			for (let r = 0; r < rounds; r++) results.push(await round(database, actor, dayOfWork(jobIds, count, 1, latest)));
			const spread = (by: 'wall' | 'cpu') => {
				const ratios = results.map((x) => x.pushed[by] / x.raw[by]);
				return `median ${median(ratios).toFixed(2)}, ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} over ${rounds}`;
			};
			// SQLite's figure is by CPU time (see `round`), PostgreSQL's by the wall clock; both printed.
			const by = kind === 'sqlite' ? 'cpu' : 'wall';
			const spreads = kind === 'sqlite' ? `ratio per round by CPU time ${spread('cpu')}; by wall clock ${spread('wall')}` : `ratio per round ${spread('wall')}`;
			rows.push({
				bench: `sync push [${kind}]`, case: `${label}; ${spreads}`, value: median(results.map((x) => x.pushed[by])), unit: 'mut/s',
				baseline: { label: `${kind === 'sqlite' ? 'raw better-sqlite3' : 'raw pg'}, median`, value: median(results.map((x) => x.raw[by])) }, goal: '≥ 0.5 in every round'
			});
		}
		return rows;
	} finally {
		await database.close();
		await cleanup();
	}
}

export async function run(): Promise<BenchRow[]> {
	const rows = await onDatabase('sqlite');
	if (process.env.TEST_DATABASE_URL) rows.push(...(await onDatabase('postgres')));
	else process.stdout.write('sync bench: PostgreSQL skipped (set TEST_DATABASE_URL)\n');
	return rows;
}
