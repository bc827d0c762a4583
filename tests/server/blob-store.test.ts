import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobResponse, parseRange } from '$server/blobs/blob-response';
import { BlobStoreUnavailable, filesystemBlobStore, type BlobStore } from '$server/blobs/blob-store';
import { moveBlobsToStore } from '$server/blobs/move-blobs';
import { openDatabase } from '$server/db/database';
import { migrateToLatest } from '$server/db/migrations';
import { backupSqlite, blobsBeside, restoreBlobs } from '$server/ops/backup';
import { findBlob, storeBlob } from '$server/sync/blobs';
import { createTestDatabase, describeEachDb, refusal, type TestDatabase } from './harness';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const photo = (n = 300_000) => new Uint8Array(randomBytes(n));

/** Every file under a directory, relative names. */
function filesUnder(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((e) => e.isFile())
		.map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describeEachDb('photos in the blob store, metadata in the database', (kind) => {
	let tdb: TestDatabase;
	let root: string;
	let store: BlobStore;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		root = mkdtempSync(join(tmpdir(), 'wymiana-blob-store-'));
		store = filesystemBlobStore(root);
	});
	afterAll(async () => {
		await tdb?.destroy();
		rmSync(root, { recursive: true, force: true });
	});

	it('keeps the bytes under data/blobs/ab/cd/<sha256> and only their metadata in the table', async () => {
		const bytes = photo();
		const hash = sha(bytes);
		expect(await storeBlob(tdb.db, hash, 'image/jpeg', bytes, store)).toBe('stored');
		const file = join(root, hash.slice(0, 2), hash.slice(2, 4), hash);
		expect(sha(readFileSync(file))).toBe(hash);
		const row = await tdb.db.selectFrom('blobs').selectAll().where('sha256', '=', hash).executeTakeFirstOrThrow();
		expect(row).toMatchObject({ content_type: 'image/jpeg', size: 300_000, stored_in: 'fs' });
		expect(row.data.byteLength).toBe(0);
		const found = await findBlob(tdb.db, hash, store);
		expect(sha(await found!.bytes())).toBe(hash);
		// A resend is a no-op.
		expect(await storeBlob(tdb.db, hash, 'image/jpeg', bytes, store)).toBe('exists');
	});

	it('stores the same photo uploaded several times at once exactly once, with no temporary files left', async () => {
		const bytes = photo();
		const hash = sha(bytes);
		const results = await Promise.all(Array.from({ length: 6 }, () => storeBlob(tdb.db, hash, 'image/jpeg', bytes, store)));
		expect(results).toContain('stored');
		const rows = await tdb.db.selectFrom('blobs').select('sha256').where('sha256', '=', hash).execute();
		expect(rows).toHaveLength(1);
		expect(sha(readFileSync(store.pathOf(hash)))).toBe(hash);
		expect(filesUnder(root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
	});

	it('refuses bytes that do not match their hash, and keeps nothing of them', async () => {
		const bytes = photo(1000);
		const claimed = sha(photo(1000));
		expect(await refusal(storeBlob(tdb.db, claimed, 'image/jpeg', bytes, store))).toBe('VALIDATION');
		expect(existsSync(store.pathOf(claimed))).toBe(false);
		expect(await tdb.db.selectFrom('blobs').select('sha256').where('sha256', '=', claimed).executeTakeFirst()).toBeUndefined();
	});

	it('says the store is unavailable when it cannot write, and records no row (the tablet retries)', async () => {
		const notADir = join(root, 'not-a-dir');
		writeFileSync(notADir, 'x');
		const broken = filesystemBlobStore(join(notADir, 'blobs'));
		const bytes = photo(1000);
		await expect(storeBlob(tdb.db, sha(bytes), 'image/jpeg', bytes, broken)).rejects.toBeInstanceOf(BlobStoreUnavailable);
		expect(await tdb.db.selectFrom('blobs').select('sha256').where('sha256', '=', sha(bytes)).executeTakeFirst()).toBeUndefined();
	});

	it('moves bytes stored in the table before out, checked by hash, resumably, leaving a damaged one in place', async () => {
		const legacy = Array.from({ length: 7 }, () => photo(20_000));
		const at = new Date().toISOString();
		await tdb.db.insertInto('blobs').values(legacy.map((b) => ({ sha256: sha(b), content_type: 'image/jpeg', size: b.byteLength, data: b, created_at: at }))).execute();
		const damagedBytes = photo(5000);
		const damaged = sha(photo(5000));
		await tdb.db.insertInto('blobs').values({ sha256: damaged, content_type: 'image/jpeg', size: 5000, data: damagedBytes, created_at: at }).execute();

		// Interrupted after three blobs (the process dies, the disk fills up).
		let puts = 0;
		const failing: BlobStore = { ...store, put: async (h, b) => { if (++puts > 3) throw new Error('interrupted'); await store.put(h, b); } };
		await expect(moveBlobsToStore(tdb.db, failing, { batch: 2 })).rejects.toThrow('interrupted');
		const half = await tdb.db.selectFrom('blobs').select(['sha256', 'stored_in']).where('sha256', 'in', legacy.map(sha)).execute();
		expect(half.filter((r) => r.stored_in === 'fs')).toHaveLength(3);
		// Every blob is still readable half-way, wherever its bytes are.
		for (const b of legacy) expect(sha(await (await findBlob(tdb.db, sha(b), store))!.bytes())).toBe(sha(b));

		const rest = await moveBlobsToStore(tdb.db, store, { batch: 2 });
		expect(rest).toEqual({ moved: 4, damaged: [damaged], remaining: 1 });
		for (const b of legacy) {
			expect(sha(readFileSync(store.pathOf(sha(b))))).toBe(sha(b));
			const row = await tdb.db.selectFrom('blobs').select(['data', 'stored_in']).where('sha256', '=', sha(b)).executeTakeFirstOrThrow();
			expect(row.stored_in).toBe('fs');
			expect(row.data.byteLength).toBe(0);
		}
		// The damaged row keeps its bytes and is not copied.
		expect(existsSync(store.pathOf(damaged))).toBe(false);
		const kept = await tdb.db.selectFrom('blobs').select('data').where('sha256', '=', damaged).executeTakeFirstOrThrow();
		expect(Buffer.from(kept.data).equals(Buffer.from(damagedBytes))).toBe(true);
		expect((await moveBlobsToStore(tdb.db, store)).moved).toBe(0);
		await tdb.db.deleteFrom('blobs').where('sha256', '=', damaged).execute();
	});

	it('serves a photo as a stream with its sha256 as ETag, byte ranges and conditional requests', async () => {
		const bytes = photo(10_000);
		const hash = sha(bytes);
		await storeBlob(tdb.db, hash, 'image/png', bytes, store);
		const blob = (await findBlob(tdb.db, hash, store))!;
		const get = (headers: Record<string, string> = {}) => blobResponse(new Request('http://x/p', { headers }), blob, { 'cache-control': 'public' });

		const whole = get();
		expect(whole.status).toBe(200);
		expect(whole.headers.get('etag')).toBe(`"${hash}"`);
		expect(whole.headers.get('accept-ranges')).toBe('bytes');
		expect(whole.headers.get('content-length')).toBe('10000');
		expect(sha(new Uint8Array(await whole.arrayBuffer()))).toBe(hash);

		const part = get({ range: 'bytes=100-199' });
		expect(part.status).toBe(206);
		expect(part.headers.get('content-range')).toBe('bytes 100-199/10000');
		expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(bytes.subarray(100, 200)))).toBe(true);
		const tail = get({ range: 'bytes=-10' });
		expect(Buffer.from(await tail.arrayBuffer()).equals(Buffer.from(bytes.subarray(9990)))).toBe(true);

		expect(get({ range: 'bytes=20000-' }).status).toBe(416);
		expect(get({ 'if-none-match': `"${hash}"` }).status).toBe(304);
		// A range for other bytes than the ones we have (If-Range with another ETag): the whole blob.
		expect(get({ range: 'bytes=0-9', 'if-range': '"other"' }).status).toBe(200);
	});
});

describe('byte ranges', () => {
	it('reads the forms browsers and players send', () => {
		expect(parseRange(null, 100)).toBeNull();
		expect(parseRange('bytes=0-', 100)).toEqual({ start: 0, end: 99 });
		expect(parseRange('bytes=10-2000', 100)).toEqual({ start: 10, end: 99 });
		expect(parseRange('bytes=-30', 100)).toEqual({ start: 70, end: 99 });
		expect(parseRange('bytes=50-40', 100)).toBe('invalid');
		expect(parseRange('bytes=100-', 100)).toBe('invalid');
		expect(parseRange('items=0-1', 100)).toBe('invalid');
		expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
	});
});

describe('SQLite with the blob store', () => {
	const dir = mkdtempSync(join(tmpdir(), 'wymiana-blob-sqlite-'));
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	it('grows the database file by metadata only: under 1 MB for 1,000 photos of 300 KB', async () => {
		const path = join(dir, 'growth.db');
		const database = openDatabase(`file:${path}`);
		await migrateToLatest(database.db, database.dialect);
		const store = filesystemBlobStore(join(dir, 'blobs-growth'));
		const size = () => {
			database.raw.kind === 'sqlite' && database.raw.client.pragma('wal_checkpoint(TRUNCATE)');
			return statSync(path).size;
		};
		const before = size();
		const base = randomBytes(300_000);
		for (let i = 0; i < 1000; i++) {
			// 300 KB each, all different (a counter in the first bytes).
			base.writeUInt32BE(i, 0);
			const bytes = new Uint8Array(base);
			await storeBlob(database.db, sha(bytes), 'image/jpeg', bytes, store);
		}
		const growth = size() - before;
		await database.close();
		expect(growth).toBeLessThan(1_000_000);
		expect(filesUnder(store.root)).toHaveLength(1000);
	}, 120_000);

	it('backs up the database with the photos it names, and restores them into an empty store', async () => {
		const path = join(dir, 'live.db');
		const database = openDatabase(`file:${path}`);
		await migrateToLatest(database.db, database.dialect);
		const store = filesystemBlobStore(join(dir, 'blobs-live'));
		const photos = Array.from({ length: 4 }, () => photo(50_000));
		for (const b of photos) await storeBlob(database.db, sha(b), 'image/jpeg', b, store);
		const target = join(dir, 'backup.db');
		const { blobs } = await backupSqlite(database, target, store);
		await database.close();
		expect(blobs).toBe(4);
		expect(filesUnder(blobsBeside(target))).toHaveLength(4);

		const fresh = filesystemBlobStore(join(dir, 'blobs-restored'));
		expect(restoreBlobs(target, fresh)).toBe(4);
		for (const b of photos) expect(sha(readFileSync(fresh.pathOf(sha(b))))).toBe(sha(b));
		// Again: nothing to do, nothing replaced.
		expect(restoreBlobs(target, fresh)).toBe(0);
	});
});
