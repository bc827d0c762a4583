import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MutationEnvelope, SyncChange } from '$lib/domain/mutations';
import { createServices, type Services } from '$server/services';
import { jobsAwaitingBlobs, storeBlob } from '$server/sync/blobs';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { outcome, seedWorld, TestClient } from './fixtures';

const at = () => new Date().toISOString();
const env = (id: number, name: string, args: unknown): MutationEnvelope => ({ id, name, args, at: at() });
const note = (id: number, jobId: string, text = `note ${id}`) => env(id, 'job.note', { jobId, noteId: uuidv7(), text });

describeEachDb('sync', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let world: Awaited<ReturnType<typeof seedWorld>>;
	let fitterA: TestClient;
	let fitterA2: TestClient;
	let fitterB: TestClient;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		services = createServices(tdb);
		world = await seedWorld(tdb.db);
		fitterA = await new TestClient(services).adoptSession(tdb.db, world.users.fitterA.id, { kind: 'device' });
		fitterA2 = await new TestClient(services).adoptSession(tdb.db, world.users.fitterA.id, { kind: 'device' });
		fitterB = await new TestClient(services).adoptSession(tdb.db, world.users.fitterB.id, { kind: 'device' });
	});
	afterAll(() => tdb?.destroy());

	const notesOf = async (jobId: string) =>
		(await tdb.db.selectFrom('job_notes').select('text').where('job_id', '=', jobId).orderBy('created_at').orderBy('id').execute()).map((n) => n.text);

	it('skips a mutation already applied after a resend of the whole batch', async () => {
		const clientId = uuidv7();
		const job = world.jobs.a[0]!;
		const batch = [note(1, job, 'resend-1'), note(2, job, 'resend-2')];
		const api = await fitterA.api();
		expect((await api.sync.push({ clientId, mutations: batch })).results.map((r) => r.status)).toEqual(['applied', 'applied']);
		const again = await api.sync.push({ clientId, mutations: [...batch, note(3, job, 'resend-3')] });
		expect(again.results.map((r) => r.status)).toEqual(['skipped', 'skipped', 'applied']);
		expect(again.lastMutationId).toBe(3);
		expect((await notesOf(job)).filter((t) => t.startsWith('resend-'))).toEqual(['resend-1', 'resend-2', 'resend-3']);
	});

	it('refuses a gap and applies nothing after it', async () => {
		const clientId = uuidv7();
		const job = world.jobs.a[1]!;
		const api = await fitterA.api();
		await api.sync.push({ clientId, mutations: [note(1, job, 'gap-1')] });
		expect(await outcome(api.sync.push({ clientId, mutations: [note(3, job, 'gap-3'), note(4, job, 'gap-4')] }))).toBe('SYNC_GAP');
		expect((await notesOf(job)).filter((t) => t.startsWith('gap-'))).toEqual(['gap-1']);
		expect((await api.sync.pull({ clientId, cursor: null })).lastMutationId).toBe(1);
	});

	it('rejects a poison mutation with its reason, keeps none of its writes, and applies the next', async () => {
		const clientId = uuidv7();
		const mine = world.jobs.a[2]!;
		const foreign = world.jobs.b[0]!;
		const api = await fitterA.api();
		const res = await api.sync.push({
			clientId,
			mutations: [
				note(1, foreign, 'poison'),
				env(2, 'reading.record', { readingId: uuidv7(), jobId: mine, meterRole: 'old', register: '1.8.1', value: 'twelve' }),
				env(3, 'no.such.mutation', {}),
				note(4, mine, 'after-poison')
			]
		});
		expect(res.results.map((r) => [r.status, r.reason?.code])).toEqual([
			['rejected', 'JOB_NOT_YOURS'],
			['rejected', 'VALIDATION'],
			['rejected', 'VALIDATION'],
			['applied', undefined]
		]);
		expect(res.results[0]!.reason!.message).toMatch(/nie należy do Twojej ekipy/);
		expect(res.lastMutationId).toBe(4);
		expect(await notesOf(foreign)).not.toContain('poison');
		expect(await notesOf(mine)).toContain('after-poison');
		const log = await tdb.db.selectFrom('mutation_log').select(['mutation_id', 'status', 'reason_code']).where('client_id', '=', clientId).orderBy('mutation_id').execute();
		expect(log.map((l) => [Number(l.mutation_id), l.status, l.reason_code])).toEqual([
			[1, 'rejected', 'JOB_NOT_YOURS'], [2, 'rejected', 'VALIDATION'], [3, 'rejected', 'VALIDATION'], [4, 'applied', null]
		]);
	});

	it('applies the mutations around a refused one exactly once, the refused one leaving nothing', async () => {
		const clientId = uuidv7();
		const job = world.jobs.a[0]!;
		const photoId = uuidv7();
		const photo = (id: number, sha: string) => env(id, 'photo.attach', { photoId, jobId: job, sha256: sha, kind: 'meter', contentType: 'image/jpeg', size: 1000 });
		const api = await fitterA.api();
		const res = await api.sync.push({
			clientId,
			// The third reuses the second's photo id: its insert fails after the batch has written.
			mutations: [note(1, job, 'around-1'), photo(2, 'a'.repeat(64)), photo(3, 'b'.repeat(64)), note(4, job, 'around-4')]
		});
		expect(res.results.map((r) => [r.status, r.reason?.code])).toEqual([['applied', undefined], ['applied', undefined], ['rejected', 'DUPLICATE'], ['applied', undefined]]);
		expect((await notesOf(job)).filter((t) => t.startsWith('around-'))).toEqual(['around-1', 'around-4']);
		expect((await tdb.db.selectFrom('job_photos').select('sha256').where('id', '=', photoId).execute()).map((p) => p.sha256)).toEqual(['a'.repeat(64)]);
		const log = await tdb.db.selectFrom('mutation_log').select(['mutation_id', 'status']).where('client_id', '=', clientId).orderBy('mutation_id').execute();
		expect(log.map((l) => [Number(l.mutation_id), l.status])).toEqual([[1, 'applied'], [2, 'applied'], [3, 'rejected'], [4, 'applied']]);
		const pulled = await api.sync.pull({ clientId, cursor: null });
		expect(pulled.changes.filter((c) => c.entity === 'note' && String((c.data as { text?: string }).text).startsWith('around-'))).toHaveLength(2);
		expect(pulled.changes.filter((c) => c.entity === 'photo' && c.id === photoId)).toHaveLength(1);
	});

	it('applies concurrent pushes from two devices of one fitter, and a retry racing its original, exactly once', async () => {
		const job = world.jobs.a[0]!;
		const c1 = uuidv7();
		const c2 = uuidv7();
		const batch1 = Array.from({ length: 20 }, (_, i) => note(i + 1, job, `dev1-${i + 1}`));
		const batch2 = Array.from({ length: 20 }, (_, i) => note(i + 1, job, `dev2-${i + 1}`));
		const [api1, api1retry, api2] = [await fitterA.api(), await fitterA.api(), await fitterA2.api()];
		await Promise.all([
			api1.sync.push({ clientId: c1, mutations: batch1 }),
			api1retry.sync.push({ clientId: c1, mutations: batch1 }),
			api2.sync.push({ clientId: c2, mutations: batch2 })
		]);
		const texts = await notesOf(job);
		for (const prefix of ['dev1-', 'dev2-']) {
			const mine = texts.filter((t) => t.startsWith(prefix));
			expect(mine).toEqual(Array.from({ length: 20 }, (_, i) => `${prefix}${i + 1}`));
		}
	});

	it('tells the device about a refusal through pull, even when the push answer was lost', async () => {
		const clientId = uuidv7();
		const api = await fitterA.api();
		const { cursor } = await api.sync.pull({ clientId, cursor: null });
		const batch = [note(1, world.jobs.b[1]!, 'refused'), note(2, world.jobs.a[0]!, 'fine')];
		await api.sync.push({ clientId, mutations: batch });
		// The answer never arrived; the resend only hears "skipped".
		expect((await api.sync.push({ clientId, mutations: batch })).results.map((r) => r.status)).toEqual(['skipped', 'skipped']);
		const page = await api.sync.pull({ clientId, cursor });
		expect(page.rejections.map((r) => [r.mutationId, r.reason.code])).toEqual([[1, 'JOB_NOT_YOURS']]);
		// Another device of the same fitter is not told about it.
		const other = await api.sync.pull({ clientId: uuidv7(), cursor });
		expect(other.rejections).toEqual([]);
	});

	it('binds a device id to the fitter who first used it', async () => {
		const clientId = uuidv7();
		await (await fitterA.api()).sync.push({ clientId, mutations: [note(1, world.jobs.a[0]!)] });
		expect(await outcome((await fitterB.api()).sync.pull({ clientId, cursor: null }))).toBe('FORBIDDEN');
	});

	it('gives a new device its crew’s jobs and nothing of another crew', async () => {
		const snapshot = await (await fitterB.api()).sync.pull({ clientId: uuidv7(), cursor: null });
		expect(snapshot.reset).toBe(true);
		const jobs = snapshot.changes.filter((c) => c.entity === 'job').map((c) => c.id).sort();
		expect(jobs).toEqual([...world.jobs.b].sort());
	});

	it('never misses or repeats a change across pulls while others write', async () => {
		const reader = uuidv7();
		const api = await fitterA.api();
		let { cursor } = await api.sync.pull({ clientId: reader, cursor: null });
		const seen: SyncChange[] = [];
		const writers = [uuidv7(), uuidv7(), uuidv7()];
		let writing = true;
		const writes = Promise.all(
			writers.map(async (clientId, w) => {
				const wapi = await (w === 2 ? fitterA2 : fitterA).api();
				for (let i = 1; i <= 15; i++) await wapi.sync.push({ clientId, mutations: [note(i, world.jobs.a[i % 3]!, `cursor-${w}-${i}`)] });
			})
		).finally(() => (writing = false));
		while (writing) {
			const page = await api.sync.pull({ clientId: reader, cursor });
			seen.push(...page.changes);
			cursor = page.cursor;
		}
		await writes;
		for (;;) {
			const page = await api.sync.pull({ clientId: reader, cursor });
			seen.push(...page.changes);
			cursor = page.cursor;
			if (!page.more && page.changes.length === 0) break;
		}
		const texts = seen.filter((c) => c.entity === 'note').map((c) => String(c.data?.text)).filter((t) => t.startsWith('cursor-'));
		expect(texts.length).toBe(45);
		expect(new Set(texts).size).toBe(45);
		// Another crew's writes never reach this fitter.
		await (await fitterB.api()).sync.push({ clientId: uuidv7(), mutations: [note(1, world.jobs.b[0]!, 'crew-b-only')] });
		const later = await api.sync.pull({ clientId: reader, cursor });
		expect(later.changes.some((c) => c.data?.text === 'crew-b-only')).toBe(false);
	});

	it('keeps the field fact when the office changed the job meanwhile, and stores the conflict', async () => {
		const job = world.jobs.a[2]!;
		await tdb.db.updateTable('jobs').set({ status: 'cancelled' }).where('id', '=', job).execute();
		const res = await (await fitterA.api()).sync.push({ clientId: uuidv7(), mutations: [env(1, 'job.complete', { jobId: job })] });
		expect(res.results[0]!.status).toBe('applied');
		const row = await tdb.db.selectFrom('jobs').select(['status', 'completed_at']).where('id', '=', job).executeTakeFirstOrThrow();
		expect(row.status).toBe('done');
		const conflicts = await tdb.db.selectFrom('sync_conflicts').selectAll().where('entity_id', '=', job).execute();
		expect(conflicts.map((c) => [c.field, c.office_value, c.field_value])).toEqual([['status', 'cancelled', 'done']]);
	});

	it('counts a finished job as complete on the server only once its photos have arrived', async () => {
		const job = world.jobs.a[1]!;
		const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
		const sha = createHash('sha256').update(bytes).digest('hex');
		const clientId = uuidv7();
		const api = await fitterA.api();
		const { cursor } = await api.sync.pull({ clientId, cursor: null });
		await api.sync.push({
			clientId,
			mutations: [
				env(1, 'photo.attach', { photoId: uuidv7(), jobId: job, sha256: sha, kind: 'display', contentType: 'image/jpeg', size: bytes.length }),
				env(2, 'job.complete', { jobId: job })
			]
		});
		expect((await api.sync.missingBlobs({ hashes: [sha] })).missing).toEqual([sha]);
		expect((await jobsAwaitingBlobs(tdb.db)).map((j) => j.id)).toContain(job);

		await expect(storeBlob(tdb.db, sha, 'image/jpeg', new Uint8Array([1, 2, 3]))).rejects.toThrow(/sha256/);
		expect(await storeBlob(tdb.db, sha, 'image/jpeg', bytes)).toBe('stored');
		expect(await storeBlob(tdb.db, sha, 'image/jpeg', bytes)).toBe('exists');
		expect((await jobsAwaitingBlobs(tdb.db)).map((j) => j.id)).not.toContain(job);
		expect((await api.sync.missingBlobs({ hashes: [sha] })).missing).toEqual([]);
		// Another crew's fitter learns nothing about this crew's evidence: to them it reads as missing.
		expect((await (await fitterB.api()).sync.missingBlobs({ hashes: [sha] })).missing).toEqual([sha]);
		const page = await api.sync.pull({ clientId, cursor });
		const photo = page.changes.filter((c) => c.entity === 'photo').at(-1);
		expect(photo?.data?.uploaded).toBe(true);
	});
});
