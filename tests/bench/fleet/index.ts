/**
 * A fleet syncing at once: two server instances on one PostgreSQL and FLEET_DEVICES simulated
 * tablets (default 200; separate device ids, real HTTP, each signed in on its own) that each push a
 * day's work — FLEET_MUTATIONS mutations (default 400) in batches of 100 and 5 photos of ~300 KB —
 * spread over both instances. Each tablet starts at its own moment, uniformly within
 * FLEET_WINDOW_S seconds (default 180: "all within a few minutes", as tablets come back into
 * coverage), drawn from FLEET_SEED (default 1) so a run is reproducible; FLEET_WINDOW_S=0 starts
 * them all at the same instant (the worst case). Reported: mutations/s, photos/s, p50/p99 push
 * latency (each push from the moment its request is sent, retries included), errors, and what the
 * server holds afterwards (nothing lost), next to one device pushing alone in the same run. Needs
 * TEST_DATABASE_URL and a build (npm start or npm test makes one).
 * FLEET_BLOB_STORE=s3: both instances keep photos in one S3 bucket (s3rver in a child process)
 * instead of a shared directory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { openDatabase } from '../../../server/db/database';
import { migrateToLatest } from '../../../server/db/migrations';
import { seedDemo } from '../../../server/demo/seed';
import { crewOfUser } from '../../../server/jobs/jobs.repository';
import { SESSION_COOKIE } from '../../../server/auth/sessions';
import { AppProcess, freePort } from '../../support/app-process';
import { spawnS3Server } from '../../support/s3-server';
import { seeded } from '../../support/barcodes';
import type { BenchRow } from '../report';

const DEVICES = Number(process.env.FLEET_DEVICES ?? 200);
const MUTATIONS = Number(process.env.FLEET_MUTATIONS ?? 400);
const PHOTOS = 5;
/** The window the fleet's pushes start in; 0: all at the same instant. */
const WINDOW_S = Number(process.env.FLEET_WINDOW_S ?? 180);
const SEED = Number(process.env.FLEET_SEED ?? 1);
/** How long a tablet keeps trying one request before the run counts it as an error. */
const RETRY_FOR_MS = Number(process.env.FLEET_RETRY_FOR_MS ?? 300_000);
const FITTERS = ['monter1', 'monter2', 'monter3'];

interface Device {
	clientId: string;
	cookie: string;
	base: string;
	jobIds: string[];
}

interface Tally {
	pushMs: number[];
	errors: string[];
	/** Requests tried again (a dropped connection, a 503), by what went wrong. */
	retries: Map<string, number>;
	mutations: number;
	photos: number;
}

async function trpc(base: string, path: string, input: unknown, cookie = ''): Promise<Response> {
	return fetch(`${base}/api/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(input) });
}

async function signIn(base: string, login: string): Promise<string> {
	const res = await trpc(base, 'auth.signIn', { login, password: 'monter-demo', client: 'app' });
	if (!res.ok) throw new Error(`sign-in ${login}: ${res.status} ${await res.text()}`);
	const set = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
	if (!set) throw new Error('no session cookie');
	return set.split(';')[0]!;
}

type Photo = { bytes: Uint8Array<ArrayBuffer>; sha256: string };

function photo(): Photo {
	const bytes = new Uint8Array(randomBytes(280_000 + Math.floor(Math.random() * 40_000)));
	return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** A day's work: starts and notes on the crew's jobs, and the photos it took. */
function dayOfWork(jobIds: string[], photos: Photo[]) {
	const at = new Date().toISOString();
	const out: { id: number; name: string; args: unknown; at: string }[] = [];
	let j = 0;
	while (out.length < MUTATIONS) {
		const jobId = jobIds[j++ % jobIds.length]!;
		const p = photos[out.length % 80 === 0 ? Math.min(photos.length - 1, out.length / 80) : -1];
		if (p) out.push({ id: out.length + 1, name: 'photo.attach', args: { photoId: uuidv7(), jobId, sha256: p.sha256, kind: 'meter', contentType: 'image/jpeg', size: p.bytes.byteLength }, at });
		else if (out.length % 2) out.push({ id: out.length + 1, name: 'job.start', args: { jobId }, at });
		else out.push({ id: out.length + 1, name: 'job.note', args: { jobId, noteId: uuidv7(), text: 'Wymiana bez uwag.' }, at });
	}
	return out.slice(0, MUTATIONS);
}

/**
 * Sends a request as a tablet does: a dropped connection or a busy server (503, with Retry-After)
 * is tried again later — the app's sync engine keeps its outbox and photos and syncs again at its
 * next turn (every minute, on `online`, …); here after Retry-After (or 1–2 s after a dropped
 * connection), sooner than the app, which only makes the load harder. A push is idempotent (the
 * server skips mutation ids it has), and so is an upload. Anything else, or a request still
 * failing after RETRY_FOR_MS, is an error of the run.
 */
async function send(tally: Tally, what: string, request: () => Promise<Response>): Promise<Response | null> {
	const giveUpAt = performance.now() + RETRY_FOR_MS;
	for (;;) {
		let wait: number;
		let problem: string;
		try {
			const res = await request();
			if (res.status !== 503) return res;
			await res.arrayBuffer();
			problem = `${what} 503`;
			wait = Number(res.headers.get('retry-after') ?? 5) * 1000;
		} catch (e) {
			problem = `${what}: ${(e as Error).cause ?? (e as Error).message}`;
			wait = 1000;
		}
		tally.retries.set(problem, (tally.retries.get(problem) ?? 0) + 1);
		if (performance.now() + wait > giveUpAt) {
			tally.errors.push(problem);
			return null;
		}
		// Jitter, so a fleet refused at once does not come back at once.
		await new Promise((r) => setTimeout(r, wait * (1 + Math.random())));
	}
}

async function work(device: Device, tally: Tally): Promise<void> {
	const photos = Array.from({ length: PHOTOS }, photo);
	const mutations = dayOfWork(device.jobIds, photos);
	for (let i = 0; i < mutations.length; i += 100) {
		// The latency a fitter sees: from the first send to the answer, retries included.
		const started = performance.now();
		const res = await send(tally, 'push', () => trpc(device.base, 'sync.push', { clientId: device.clientId, mutations: mutations.slice(i, i + 100) }, device.cookie));
		if (!res) return;
		tally.pushMs.push(performance.now() - started);
		if (!res.ok) {
			tally.errors.push(`push ${res.status}`);
			return;
		}
		const body = (await res.json()) as { result: { data: { results: { status: string }[] } } };
		tally.mutations += body.result.data.results.filter((r) => r.status === 'applied').length;
		// A photo goes up after the push that names it, as the tablet's engine does.
		const p = photos[i / 100];
		if (p) await upload(device, p, tally);
	}
	for (const p of photos.slice(Math.ceil(mutations.length / 100))) await upload(device, p, tally);
}

async function upload(device: Device, p: Photo, tally: Tally): Promise<void> {
	const up = await send(tally, 'photo', () => fetch(`${device.base}/api/blobs/${p.sha256}`, { method: 'PUT', headers: { 'content-type': 'image/jpeg', cookie: device.cookie }, body: p.bytes }));
	if (!up) return;
	if (up.ok) tally.photos++;
	else tally.errors.push(`photo ${up.status}`);
	await up.arrayBuffer();
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? 0;

export async function run(): Promise<BenchRow[]> {
	const url = process.env.TEST_DATABASE_URL;
	if (!url) {
		process.stdout.write('fleet: skipped (set TEST_DATABASE_URL to a PostgreSQL database)\n');
		return [];
	}
	const schema = `bench_fleet_${process.pid}`;
	const admin = new pg.Client({ connectionString: url });
	await admin.connect();
	await admin.query(`create schema ${schema}`);
	const u = new URL(url);
	u.searchParams.set('options', `-c search_path=${schema} -c timezone=UTC`);
	const database = openDatabase(u.toString());
	const blobDir = mkdtempSync(join(tmpdir(), 'wymiana-bench-fleet-'));
	const apps: AppProcess[] = [];
	const s3 = process.env.FLEET_BLOB_STORE === 's3' ? await spawnS3Server() : null;
	try {
		await migrateToLatest(database.db, database.dialect);
		await seedDemo(database.db);
		const crewJobs = new Map<string, string[]>();
		for (const login of FITTERS) {
			const user = await database.db.selectFrom('users').select('id').where('login', '=', login).executeTakeFirstOrThrow();
			const crewId = await crewOfUser(database.db, user.id);
			const rows = await database.db.selectFrom('jobs').select('id').where('crew_id', '=', crewId).orderBy('planned_date').limit(40).execute();
			crewJobs.set(login, rows.map((r) => r.id));
		}
		// Both instances share one blob store, as they would an NFS mount or a bucket; a temporary one here.
		const env = { DATABASE_URL: u.toString(), WYMIANA_DEMO: '0', WYMIANA_HES: 'off', LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '20', WYMIANA_BLOB_DIR: blobDir, ...s3?.env };
		for (let i = 0; i < 2; i++) apps.push(new AppProcess(await freePort(), env));
		await Promise.all(apps.map((a) => a.start()));

		const device = async (n: number): Promise<Device> => {
			const login = FITTERS[n % FITTERS.length]!;
			const base = apps[n % apps.length]!.url;
			return { clientId: uuidv7(), cookie: await signIn(base, login), base, jobIds: crewJobs.get(login)! };
		};

		// One device alone: the baseline rate.
		const alone: Tally = { pushMs: [], errors: [], retries: new Map(), mutations: 0, photos: 0 };
		const soloStarted = performance.now();
		await work(await device(0), alone);
		const soloRate = alone.mutations / ((performance.now() - soloStarted) / 1000);

		// Sign-ins of one login one after another (parallel attempts on one login count as failures
		// until one succeeds, and get throttled, by design); the logins in parallel.
		const fleet: Device[] = new Array(DEVICES);
		await Promise.all(
			FITTERS.map(async (_, f) => {
				for (let n = f; n < DEVICES; n += FITTERS.length) fleet[n] = await device(n);
			})
		);
		const tally: Tally = { pushMs: [], errors: [], retries: new Map(), mutations: 0, photos: 0 };
		const rand = seeded(SEED);
		const startAfterMs = fleet.map(() => WINDOW_S * 1000 * rand());
		const arrival = WINDOW_S > 0 ? `starting uniformly within ${WINDOW_S} s (seed ${SEED})` : 'all starting at the same instant';
		process.stdout.write(`fleet: ${DEVICES} devices ${arrival}\n`);
		const started = performance.now();
		await Promise.all(fleet.map((d, n) => new Promise((r) => setTimeout(r, startAfterMs[n])).then(() => work(d, tally))));
		const seconds = (performance.now() - started) / 1000;
		for (const [i, a] of apps.entries()) if (!a.alive || tally.errors.length) process.stdout.write(`fleet: instance ${i} ${a.alive ? 'running' : 'EXITED'}; its last output:\n${a.output().slice(-3000)}\n`);

		// Nothing lost: every device's last mutation id and every photo are on the server.
		const acked = await database.db.selectFrom('sync_clients').select(['client_id', 'last_mutation_id']).where('client_id', 'in', fleet.map((d) => d.clientId)).execute();
		const complete = acked.filter((r) => Number(r.last_mutation_id) === MUTATIONS).length;
		const stored = Number((await database.db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
		const lost = DEVICES - complete + Math.max(0, DEVICES * PHOTOS + PHOTOS - stored);

		return [
			{ bench: 'fleet', case: `${DEVICES} devices × ${MUTATIONS} mutations ${arrival}, 2 instances, PostgreSQL, ${s3 ? 'S3' : 'filesystem'} blob store`, value: tally.mutations / seconds, unit: 'mut/s', baseline: { label: 'one device alone', value: soloRate }, goal: 'no error, nothing lost' },
			{ bench: 'fleet', case: `photos (${DEVICES} × ${PHOTOS}, ~300 KB)`, value: tally.photos / seconds, unit: 'photos/s' },
			{ bench: 'fleet', case: 'push latency p50', value: pct(tally.pushMs, 50), unit: 'ms' },
			{ bench: 'fleet', case: 'push latency p99', value: pct(tally.pushMs, 99), unit: 'ms', goal: '< 2000 ms' },
			{ bench: 'fleet', case: `errors (${tally.errors.slice(0, 3).join(', ') || 'none'})`, value: tally.errors.length, unit: '', goal: '0' },
			{ bench: 'fleet', case: `requests tried again (${[...tally.retries].map(([k, n]) => `${k} ×${n}`).slice(0, 4).join(', ') || 'none'})`, value: [...tally.retries.values()].reduce((a, b) => a + b, 0), unit: '' },
			{ bench: 'fleet', case: 'lost (devices not fully acknowledged + photos missing)', value: lost, unit: '', goal: '0' },
			{ bench: 'fleet', case: `whole fleet, wall time (first start to last answer; window ${WINDOW_S} s)`, value: seconds, unit: 's' }
		];
	} finally {
		await Promise.all(apps.map((a) => a.stop()));
		await s3?.stop();
		await database.close();
		await admin.query(`drop schema ${schema} cascade`);
		await admin.end();
		rmSync(blobDir, { recursive: true, force: true });
	}
}
