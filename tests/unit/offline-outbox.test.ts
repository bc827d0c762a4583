import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { openWymianaDb, type LocalJob, type WymianaDb } from '$lib/offline/db';
import { exportUnsynced } from '$lib/offline/export';
import { onLocalChange } from '$lib/offline/local-change';
import { MutationInputError, mutate, storeBlob } from '$lib/offline/outbox';

const deps = { indexedDB, IDBKeyRange };
const opened: WymianaDb[] = [];
let dbCounter = 0;

function freshDb(name = `outbox-${++dbCounter}`): WymianaDb {
	const db = openWymianaDb(name, deps);
	opened.push(db);
	return db;
}

afterEach(() => {
	for (const db of opened.splice(0)) db.close();
});

function job(id: string, status: LocalJob['status'] = 'planned'): LocalJob {
	return {
		id,
		status,
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
		building: { id: 'b1', street: 'Lipowa', number: '1', postcode: '00-001', city: 'Warszawa' }
	};
}

describe('outbox', () => {
	it('gives mutations consecutive ids 1, 2, 3 in the order they were made', async () => {
		const db = freshDb();
		await db.jobs.put(job('j1'));
		await mutate(db, 'job.start', { jobId: 'j1' });
		await mutate(db, 'job.note', { jobId: 'j1', noteId: 'n1', text: 'Klucz u administratora' });
		await mutate(db, 'job.complete', { jobId: 'j1' });

		const queued = await db.outbox.orderBy('id').toArray();
		expect(queued.map((m) => [m.id, m.name])).toEqual([
			[1, 'job.start'],
			[2, 'job.note'],
			[3, 'job.complete']
		]);
		expect(queued.every((m) => !Number.isNaN(Date.parse(m.at)))).toBe(true);
	});

	it('never hands out one id twice when many changes are made at the same moment', async () => {
		const db = freshDb();
		const entries = await Promise.all(
			Array.from({ length: 25 }, (_, i) => mutate(db, 'job.note', { jobId: 'j1', noteId: `n${i}`, text: `uwaga ${i}` }))
		);
		const ids = entries.map((e) => e.id).sort((a, b) => a - b);
		expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
		expect(await db.outbox.count()).toBe(25);
	});

	it('continues the counter after the database is closed and reopened', async () => {
		const name = `outbox-reload-${++dbCounter}`;
		const first = openWymianaDb(name, deps);
		await mutate(first, 'job.start', { jobId: 'j1' });
		await mutate(first, 'job.start', { jobId: 'j2' });
		first.close();

		const reopened = freshDb(name);
		const next = await mutate(reopened, 'job.start', { jobId: 'j3' });
		expect(next.id).toBe(3);
	});

	it('shows the change locally as soon as it is queued', async () => {
		const db = freshDb();
		await db.jobs.put(job('j1'));
		await mutate(db, 'job.start', { jobId: 'j1' });
		await mutate(db, 'reading.record', {
			readingId: 'r1',
			jobId: 'j1',
			meterRole: 'old',
			register: '1.8.0',
			value: '12345.678',
			unreadableReason: null,
			photoSha256: null
		});

		expect((await db.jobs.get('j1'))?.status).toBe('in_progress');
		expect(await db.readings.get('r1')).toMatchObject({ jobId: 'j1', value: '12345.678', register: '1.8.0' });
	});

	it('refuses invalid arguments with field errors and writes nothing', async () => {
		const db = freshDb();
		const bad = mutate(db, 'reading.record', {
			readingId: 'r1',
			jobId: 'j1',
			meterRole: 'old',
			register: '9.9.9',
			value: null,
			unreadableReason: null,
			photoSha256: null
		});
		await expect(bad).rejects.toBeInstanceOf(MutationInputError);
		const error = (await bad.catch((e: unknown) => e)) as MutationInputError;
		expect(Object.keys(error.fieldErrors).sort()).toEqual(['register', 'unreadableReason']);
		expect(await db.outbox.count()).toBe(0);
		expect(await db.readings.count()).toBe(0);
		// The failed attempt did not consume an id.
		expect((await mutate(db, 'job.start', { jobId: 'j1' })).id).toBe(1);
	});

	it('tells listeners after a change is committed', async () => {
		const db = freshDb();
		let calls = 0;
		const stop = onLocalChange(db, () => calls++);
		await mutate(db, 'job.start', { jobId: 'j1' });
		stop();
		await mutate(db, 'job.start', { jobId: 'j1' });
		expect(calls).toBe(1);
	});

	it('does not reopen a job the office cancelled when a start is applied', async () => {
		const db = freshDb();
		await db.jobs.put(job('j1', 'cancelled'));
		await mutate(db, 'job.start', { jobId: 'j1' });
		expect((await db.jobs.get('j1'))?.status).toBe('cancelled');
	});
});

describe('photo blobs and export', () => {
	it('stores photo bytes once under their sha256', async () => {
		const db = freshDb();
		const hash = await storeBlob(db, new Blob(['abc'], { type: 'image/jpeg' }));
		expect(hash).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
		await db.blobs.update(hash, { uploaded: 1 });
		await storeBlob(db, new Blob(['abc'], { type: 'image/jpeg' }));
		expect(await db.blobs.count()).toBe(1);
		expect((await db.blobs.get(hash))?.uploaded).toBe(1);
	});

	it('exports the client id, the queue, rejections and unsent photos as base64', async () => {
		const db = freshDb();
		await db.meta.put({ key: 'clientId', value: '0190a000-0000-7000-8000-000000000001' });
		const hash = await storeBlob(db, new Blob(['abc'], { type: 'image/jpeg' }));
		await mutate(db, 'photo.attach', { photoId: 'p1', jobId: 'j1', sha256: hash, kind: 'meter', contentType: 'image/jpeg', size: 3 });
		await db.rejections.put({ id: 9, name: 'job.start', args: { jobId: 'x' }, reason: { code: 'JOB_NOT_YOURS', message: '…' }, at: new Date().toISOString() });

		const file = JSON.parse(await (await exportUnsynced(db)).text());
		expect(file).toMatchObject({
			format: 'wymiana-unsynced',
			clientId: '0190a000-0000-7000-8000-000000000001',
			outbox: [{ id: 1, name: 'photo.attach' }],
			rejections: [{ id: 9, reason: { code: 'JOB_NOT_YOURS' } }],
			blobs: [{ sha256: hash, contentType: 'image/jpeg', size: 3, base64: 'YWJj' }]
		});
	});
});
