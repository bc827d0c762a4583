import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import type { MutationEnvelope, PulledRejection, PullInput, PullResult, PushInput, PushResult, SyncChange, SyncEntity } from '$lib/domain/mutations';
import { getMeta, openWymianaDb, type LocalJob, type WymianaDb } from '$lib/offline/db';
import { mutate, storeBlob } from '$lib/offline/outbox';
import { startAutoSync } from '$lib/offline/auto-sync';
import { applyPull, SyncEngine, type SyncSnapshot } from '$lib/offline/sync-engine';
import { SyncTransportError, type SyncTransport } from '$lib/offline/transport';

const deps = { indexedDB, IDBKeyRange };
const opened: WymianaDb[] = [];
let dbCounter = 0;

function freshDb(): WymianaDb {
	const db = openWymianaDb(`sync-${++dbCounter}`, deps);
	opened.push(db);
	return db;
}

afterEach(() => {
	for (const db of opened.splice(0)) db.close();
});

function job(id: string, patch: Partial<LocalJob> = {}): LocalJob {
	return {
		id,
		status: 'planned',
		plannedDate: '2026-05-04',
		windowStart: null,
		windowEnd: null,
		sequence: 1,
		attempt: 1,
		location: 'stairwell',
		ppe: '590243000000000001',
		stairwell: 'I',
		flat: null,
		tariffGroup: 'G11',
		prosumer: false,
		meterSerial: '12345678',
		meterModel: null,
		estate: { id: 'e1', name: 'Osiedle Lipowe' },
		building: { id: 'b1', street: 'Lipowa', number: '1', postcode: '00-001', city: 'Warszawa' },
		...patch
	};
}

type Fault = 'before-push' | 'after-push' | 'pull' | 'expired';

/**
 * The server's exactly-once rules in memory: ids ≤ last are skipped, a gap refuses the call, a
 * rule break is rejected but still advances last. Changes carry a sequence the cursor points into.
 */
class FakeServer implements SyncTransport {
	rows = new Map<string, SyncChange>();
	log: Array<{ seq: number; key: string }> = [];
	seq = 0;
	lastMutationId = new Map<string, number>();
	/** Every mutation the server applied, to prove nothing was applied twice. */
	applied: MutationEnvelope[] = [];
	blobs = new Map<string, Blob>();
	pageSize = 1000;
	pushCalls = 0;
	/** Refusals, kept for pull as the real server does (the push answer can be lost). */
	refused: Array<{ seq: number; clientId: string; rejection: PulledRejection }> = [];
	private faults: Fault[] = [];

	failNext(fault: Fault): void {
		this.faults.push(fault);
	}

	private takeFault(kind: Fault): boolean {
		if (this.faults[0] !== kind) return false;
		this.faults.shift();
		return true;
	}

	write(entity: SyncEntity, id: string, data: Record<string, unknown> | null): void {
		const key = `${entity}:${id}`;
		this.rows.set(key, data ? { entity, op: 'put', id, data } : { entity, op: 'del', id });
		this.log.push({ seq: ++this.seq, key });
	}

	job(id: string): LocalJob | undefined {
		return this.rows.get(`job:${id}`)?.data as LocalJob | undefined;
	}

	private apply(m: MutationEnvelope): { code: string; message: string } | null {
		const args = m.args as Record<string, string>;
		const current = args.jobId ? this.job(args.jobId) : undefined;
		if (!current) return { code: 'JOB_NOT_YOURS', message: 'To nie jest zlecenie Twojej brygady.' };
		if (m.name === 'job.start') this.write('job', current.id, { ...current, status: 'in_progress' });
		else if (m.name === 'job.complete') {
			if (current.status !== 'in_progress') return { code: 'JOB_NOT_STARTED', message: 'Zlecenie nie zostało rozpoczęte.' };
			this.write('job', current.id, { ...current, status: 'done' });
		} else if (m.name === 'job.note') this.write('note', args.noteId!, { id: args.noteId, jobId: current.id, text: args.text, at: m.at });
		else if (m.name === 'photo.attach') this.write('photo', args.photoId!, { ...args, id: args.photoId, at: m.at, uploaded: this.blobs.has(args.sha256!) });
		return null;
	}

	async push(input: PushInput): Promise<PushResult> {
		this.pushCalls++;
		if (this.takeFault('before-push')) throw new SyncTransportError('NETWORK');
		if (this.takeFault('expired')) throw new SyncTransportError('SESSION_EXPIRED');
		const results: PushResult['results'] = [];
		for (const m of input.mutations) {
			const last = this.lastMutationId.get(input.clientId) ?? 0;
			if (m.id <= last) {
				results.push({ id: m.id, status: 'skipped' });
				continue;
			}
			if (m.id > last + 1) throw new SyncTransportError('SYNC_GAP');
			const reason = this.apply(m);
			if (!reason) this.applied.push(m);
			else this.refused.push({ seq: this.seq, clientId: input.clientId, rejection: { mutationId: m.id, name: m.name, args: m.args, reason, at: m.at } });
			this.lastMutationId.set(input.clientId, m.id);
			results.push(reason ? { id: m.id, status: 'rejected', reason } : { id: m.id, status: 'applied' });
		}
		// The server did the work; the answer is lost on the way back.
		if (this.takeFault('after-push')) throw new SyncTransportError('NETWORK');
		return { lastMutationId: this.lastMutationId.get(input.clientId) ?? 0, results };
	}

	async pull(input: PullInput): Promise<PullResult> {
		if (this.takeFault('pull')) throw new SyncTransportError('NETWORK');
		const lastMutationId = this.lastMutationId.get(input.clientId) ?? 0;
		if (input.cursor === null) {
			const changes = [...this.rows.values()].filter((c) => c.op === 'put');
			return { cursor: this.seq, lastMutationId, reset: true, changes, more: false, rejections: [] };
		}
		const page = this.log.filter((e) => e.seq > input.cursor!).slice(0, this.pageSize);
		const cursor = page.at(-1)?.seq ?? input.cursor;
		const changes = page.map((e) => this.rows.get(e.key)!);
		const rejections = this.refused.filter((r) => r.clientId === input.clientId && r.seq >= input.cursor! && r.seq <= cursor).map((r) => r.rejection);
		return { cursor, lastMutationId, reset: false, changes, more: cursor < this.seq, rejections };
	}

	async missingBlobs(hashes: string[]): Promise<string[]> {
		return hashes.filter((h) => !this.blobs.has(h));
	}

	async uploadBlob(sha256: string, blob: Blob, onProgress: (loaded: number, total: number) => void): Promise<void> {
		onProgress(Math.floor(blob.size / 2), blob.size);
		this.blobs.set(sha256, blob);
		onProgress(blob.size, blob.size);
	}
}

async function setup(jobs: LocalJob[] = [job('j1'), job('j2', { sequence: 2 })]) {
	const server = new FakeServer();
	for (const j of jobs) server.write('job', j.id, { ...j });
	const db = freshDb();
	const engine = new SyncEngine(db, server, { locks: null });
	return { server, db, engine };
}

describe('sync engine', () => {
	it('replaces local state with the server state on the first (reset) pull', async () => {
		const { db, engine } = await setup();
		// Left over from an earlier session: the reset must not keep it.
		await db.jobs.put(job('stale'));
		await db.stock.put({ id: 's-old', serial: '1', manufacturer: 'X', model: 'Y' });

		expect(await engine.sync()).toBe('synced');
		expect((await db.jobs.toArray()).map((j) => j.id).sort()).toEqual(['j1', 'j2']);
		expect(await db.stock.count()).toBe(0);
		expect(await getMeta(db, 'cursor')).toBe(2);
		expect(engine.snapshot.lastSyncAt).not.toBeNull();
	});

	it('replaces server-derived rows when a later pull is a reset', async () => {
		const { db, engine, server } = await setup();
		await engine.sync();
		await applyPull(db, {
			cursor: 10,
			lastMutationId: 0,
			reset: true,
			changes: [
				{ entity: 'job', op: 'put', id: 'j9', data: { ...job('j9') } },
				{ entity: 'stock', op: 'put', id: 's1', data: { id: 's1', serial: '99', manufacturer: 'Apator', model: 'Otus' } }
			],
			more: false,
			rejections: []
		});
		expect((await db.jobs.toArray()).map((j) => j.id)).toEqual(['j9']);
		expect((await db.stock.toArray()).map((s) => s.serial)).toEqual(['99']);
		expect(server.pushCalls).toBe(0);
	});

	it('keeps pending changes on top of newer server state and drops the confirmed ones', async () => {
		const { db, engine, server } = await setup();
		await engine.sync();
		await mutate(db, 'job.start', { jobId: 'j1' });
		await mutate(db, 'job.note', { jobId: 'j1', noteId: 'n1', text: 'Klatka zamknięta' });
		await mutate(db, 'job.start', { jobId: 'j2' });

		// The office moved j1 meanwhile; the server has confirmed only mutation 1 so far.
		server.write('job', 'j1', { ...job('j1'), sequence: 7, status: 'in_progress' });
		await applyPull(db, { cursor: 3, lastMutationId: 1, reset: false, changes: [server.rows.get('job:j1')!], more: false, rejections: [] });

		expect((await db.outbox.toArray()).map((m) => m.id)).toEqual([2, 3]);
		expect(await db.jobs.get('j1')).toMatchObject({ sequence: 7, status: 'in_progress' });
		expect((await db.jobs.get('j2'))?.status).toBe('in_progress');
		expect(await db.notes.get('n1')).toMatchObject({ text: 'Klatka zamknięta' });
	});

	it('sends every queued change once and ends with the server state and an empty queue', async () => {
		const { db, engine, server } = await setup();
		await engine.sync();
		await mutate(db, 'job.start', { jobId: 'j1' });
		await mutate(db, 'job.note', { jobId: 'j1', noteId: 'n1', text: 'Licznik za szafką' });
		await mutate(db, 'job.complete', { jobId: 'j1' });

		expect(await engine.sync()).toBe('synced');
		expect(server.applied.map((m) => m.id)).toEqual([1, 2, 3]);
		expect(await db.outbox.count()).toBe(0);
		expect((await db.jobs.get('j1'))?.status).toBe('done');
		expect(await getMeta(db, 'lastMutationId')).toBe(3);
		expect(engine.snapshot.pending).toBe(0);
	});

	it('stores a rejected change with its reason, undoes it locally and moves on to the next', async () => {
		const { db, engine, server } = await setup();
		await engine.sync();
		await mutate(db, 'job.complete', { jobId: 'j2' }); // j2 was never started: the server refuses
		await mutate(db, 'job.start', { jobId: 'j1' });
		expect((await db.jobs.get('j2'))?.status).toBe('done');

		expect(await engine.sync()).toBe('synced');
		expect(server.applied.map((m) => m.id)).toEqual([2]);
		expect(await db.rejections.toArray()).toMatchObject([
			{ id: 1, name: 'job.complete', args: { jobId: 'j2' }, reason: { code: 'JOB_NOT_STARTED' } }
		]);
		expect(engine.snapshot.rejected).toHaveLength(1);
		// The server never changed j2, so only the stored server copy can bring the row back.
		expect((await db.jobs.get('j2'))?.status).toBe('planned');
		expect((await db.jobs.get('j1'))?.status).toBe('in_progress');
		expect(await db.outbox.count()).toBe(0);
	});

	it('learns of a refusal from the pull when the answer to its push was lost', async () => {
		const { db, engine, server } = await setup();
		await engine.sync();
		await mutate(db, 'job.complete', { jobId: 'j2' }); // refused: never started
		server.failNext('after-push');
		expect(await engine.sync()).not.toBe('synced');
		expect(await db.rejections.count()).toBe(0);
		expect(await engine.sync()).toBe('synced');
		expect(await db.rejections.toArray()).toMatchObject([{ id: 1, name: 'job.complete', reason: { code: 'JOB_NOT_STARTED' } }]);
		expect((await db.jobs.get('j2'))?.status).toBe('planned');
	});

	it('keeps everything queued when the answer to a push is lost, and the next sync applies each change once', async () => {
		const { db, server } = await setup();
		const engine = new SyncEngine(db, server, { locks: null, batchSize: 2 });
		await engine.sync();
		await mutate(db, 'job.start', { jobId: 'j1' });
		await mutate(db, 'job.note', { jobId: 'j1', noteId: 'n1', text: 'Pierwsza' });
		await mutate(db, 'job.start', { jobId: 'j2' });

		server.failNext('after-push');
		expect(await engine.sync()).toBe('offline');
		expect(engine.snapshot.lastError).toBe('NETWORK');
		expect(await db.outbox.count()).toBe(3);
		expect((await db.jobs.get('j1'))?.status).toBe('in_progress');

		expect(await engine.sync()).toBe('synced');
		expect(server.applied.map((m) => m.id)).toEqual([1, 2, 3]);
		expect(await db.outbox.count()).toBe(0);
		expect(engine.snapshot.lastError).toBeNull();
	});

	it('keeps everything queued when the network is down before the server sees the push', async () => {
		const { db, engine, server } = await setup();
		await engine.sync();
		await mutate(db, 'job.start', { jobId: 'j1' });
		server.failNext('before-push');
		expect(await engine.sync()).toBe('offline');
		expect(server.applied).toHaveLength(0);
		expect(engine.snapshot.pending).toBe(1);

		expect(await engine.sync()).toBe('synced');
		expect(server.applied.map((m) => m.id)).toEqual([1]);
	});

	it('stops and reports a gap when the server is missing earlier changes, keeping the queue', async () => {
		const { db, engine } = await setup();
		await engine.sync();
		await mutate(db, 'job.start', { jobId: 'j1' });
		await mutate(db, 'job.start', { jobId: 'j2' });
		await db.outbox.delete(1); // as if mutation 1 had been lost on the device

		expect(await engine.sync()).toBe('failed');
		expect(engine.snapshot.lastError).toBe('SYNC_GAP');
		expect(await db.outbox.count()).toBe(1);
	});

	it('asks for a new sign-in when the session expired and keeps the queue for later', async () => {
		const { db, engine, server } = await setup();
		await engine.sync();
		await mutate(db, 'job.start', { jobId: 'j1' });
		server.failNext('expired');

		expect(await engine.sync()).toBe('signed_out');
		expect(engine.snapshot.authRequired).toBe(true);
		expect(engine.snapshot.pending).toBe(1);
		expect((await db.jobs.get('j1'))?.status).toBe('in_progress');

		expect(await engine.sync()).toBe('synced');
		expect(engine.snapshot.authRequired).toBe(false);
	});

	it('pulls page after page while the server says there is more', async () => {
		const { db, engine, server } = await setup();
		await engine.sync();
		server.pageSize = 2;
		for (let i = 3; i <= 7; i++) server.write('job', `j${i}`, { ...job(`j${i}`, { sequence: i }) });

		expect(await engine.sync()).toBe('synced');
		expect(await db.jobs.count()).toBe(7);
		expect(await getMeta(db, 'cursor')).toBe(server.seq);
	});

	it('uploads only the photos the server lacks and reports upload progress', async () => {
		const { db, engine, server } = await setup();
		await engine.sync();
		const have = await storeBlob(db, new Blob(['already there'], { type: 'image/jpeg' }));
		const send = await storeBlob(db, new Blob(['new photo bytes'], { type: 'image/jpeg' }));
		server.blobs.set(have, new Blob(['already there']));
		await mutate(db, 'photo.attach', { photoId: 'p1', jobId: 'j1', sha256: send, kind: 'meter', contentType: 'image/jpeg', size: 15 });

		const progress: Array<SyncSnapshot['uploadProgress']> = [];
		engine.subscribe((s) => s.uploadProgress && progress.push(s.uploadProgress));
		expect(await engine.sync()).toBe('synced');

		expect([...server.blobs.keys()].sort()).toEqual([have, send].sort());
		expect(await db.blobs.where('uploaded').equals(0).count()).toBe(0);
		expect(progress.at(-1)).toEqual({ loaded: 15, total: 15 });
		expect(await db.photos.get('p1')).toMatchObject({ sha256: send });
	});

	it('runs one sync at a time and sends nothing twice when asked again meanwhile', async () => {
		const { db, engine, server } = await setup();
		await engine.sync();
		await mutate(db, 'job.start', { jobId: 'j1' });
		const [a, b] = await Promise.all([engine.sync(), engine.sync()]);

		expect([a, b]).toEqual(['synced', 'synced']);
		expect(server.applied.map((m) => m.id)).toEqual([1]);
	});

	it('never reuses a mutation id the server has already counted', async () => {
		const { db } = await setup();
		await applyPull(db, { cursor: 1, lastMutationId: 5, reset: true, changes: [], more: false, rejections: [] });
		expect((await mutate(db, 'job.start', { jobId: 'j1' })).id).toBe(6);
	});

	it('does not report a count until it has read the outbox, so "all sent" is never a guess', async () => {
		const { db, server } = await setup();
		await mutate(db, 'job.start', { jobId: 'j1' });
		const engine = new SyncEngine(db, server, { locks: null });
		const seen: SyncSnapshot[] = [];
		engine.subscribe((s) => seen.push({ ...s }));
		expect(seen[0]).toMatchObject({ loaded: false, pending: 0 });
		await engine.refresh();
		expect(seen.at(-1)).toMatchObject({ loaded: true, pending: 1 });
	});

	it('reports busy and sends nothing while another tab holds the sync lock', async () => {
		const { db, server } = await setup();
		const heldElsewhere = {
			request: (_name: string, _options: LockOptions, callback: (lock: Lock | null) => unknown) => Promise.resolve(callback(null))
		} as unknown as LockManager;
		const engine = new SyncEngine(db, server, { locks: heldElsewhere });
		await mutate(db, 'job.start', { jobId: 'j1' });

		expect(await engine.sync()).toBe('busy');
		expect(server.pushCalls).toBe(0);
	});

	it('syncs at start and again shortly after a local change', async () => {
		const { db, engine, server } = await setup();
		const stop = startAutoSync(engine, { debounceMs: 20, intervalMs: 60_000 });
		await expect.poll(() => engine.snapshot.lastSyncAt).not.toBeNull();

		await mutate(db, 'job.start', { jobId: 'j1' });
		await expect.poll(() => server.applied.length).toBe(1);
		await expect.poll(() => engine.snapshot.pending).toBe(0);
		stop();
	});
});
