import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobResponse, parseRange } from '$server/blobs/blob-response';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobStoreUnavailable, blobStoreFromEnv, filesystemBlobStore, type BlobStore } from '$server/blobs/blob-store';
import { s3BlobStore, s3SettingsFromEnv } from '$server/blobs/s3-store';
import { moveBlobsToStore } from '$server/blobs/move-blobs';
import { openDatabase } from '$server/db/database';
import { migrateToLatest } from '$server/db/migrations';
import { backupSqlite, blobsBeside, restoreBlobs } from '$server/ops/backup';
import { findBlob, storeBlob } from '$server/sync/blobs';
import { freePort } from '../support/app-process';
import { S3_KEY, startS3Server } from '../support/s3-server';
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

/** The same behaviour from both stores: the filesystem, and S3 (s3rver started here). */
for (const storeKind of ['fs', 's3'] as const) {
describeEachDb(`photos in the ${storeKind} blob store, metadata in the database`, (kind) => {
	let tdb: TestDatabase;
	let root: string;
	let store: BlobStore;
	let s3: Awaited<ReturnType<typeof startS3Server>> | undefined;
	let raw: S3Client | undefined;
	/** What the store holds under a hash, read past the store's own code (the file, or the object). */
	let objectBytes: (hash: string) => Promise<Buffer | null>;
	/** A store of the same kind that cannot be written. */
	let brokenStores: () => Promise<BlobStore[]>;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		root = mkdtempSync(join(tmpdir(), 'wymiana-blob-store-'));
		if (storeKind === 'fs') {
			store = filesystemBlobStore(root);
			objectBytes = async (hash) => {
				const file = join(root, hash.slice(0, 2), hash.slice(2, 4), hash);
				return existsSync(file) ? readFileSync(file) : null;
			};
			brokenStores = async () => {
				const notADir = join(root, 'not-a-dir');
				writeFileSync(notADir, 'x');
				return [filesystemBlobStore(join(notADir, 'blobs'))];
			};
		} else {
			s3 = await startS3Server();
			store = blobStoreFromEnv({ ...s3.env, WYMIANA_S3_PREFIX: `t-${kind}` });
			expect(store.kind).toBe('s3');
			raw = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: S3_KEY.id, secretAccessKey: S3_KEY.secret } });
			objectBytes = async (hash) => {
				try {
					const got = await raw!.send(new GetObjectCommand({ Bucket: s3!.bucket, Key: `t-${kind}/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}` }));
					return Buffer.from(await got.Body!.transformToByteArray());
				} catch (e) {
					if ((e as { name?: string }).name === 'NoSuchKey') return null;
					throw e;
				}
			};
			brokenStores = async () => [
				// Nothing listens there (the storage is down).
				s3BlobStore(s3SettingsFromEnv({ ...s3!.env, WYMIANA_S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` })!),
				// Credentials the storage does not know, and a bucket that does not exist.
				s3BlobStore(s3SettingsFromEnv({ ...s3!.env, WYMIANA_S3_ACCESS_KEY_ID: 'UNKNOWN' })!),
				s3BlobStore(s3SettingsFromEnv({ ...s3!.env, WYMIANA_S3_BUCKET: 'no-such-bucket' })!)
			];
		}
	});
	afterAll(async () => {
		await tdb?.destroy();
		raw?.destroy();
		await s3?.stop();
		rmSync(root, { recursive: true, force: true });
	});

	it('keeps the bytes under ab/cd/<sha256> and only their metadata in the table', async () => {
		const bytes = photo();
		const hash = sha(bytes);
		expect(await objectBytes(hash)).toBeNull();
		expect(await storeBlob(tdb.db, hash, 'image/jpeg', bytes, store)).toBe('stored');
		expect(sha((await objectBytes(hash))!)).toBe(hash);
		expect(await store.size(hash)).toBe(300_000);
		const row = await tdb.db.selectFrom('blobs').selectAll().where('sha256', '=', hash).executeTakeFirstOrThrow();
		expect(row).toMatchObject({ content_type: 'image/jpeg', size: 300_000, stored_in: storeKind });
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
		expect(sha((await objectBytes(hash))!)).toBe(hash);
		expect(filesUnder(storeKind === 'fs' ? root : s3!.directory).filter((f) => f.endsWith('.tmp'))).toEqual([]);
	});

	it('refuses bytes that do not match their hash, and keeps nothing of them', async () => {
		const bytes = photo(1000);
		const claimed = sha(photo(1000));
		expect(await refusal(storeBlob(tdb.db, claimed, 'image/jpeg', bytes, store))).toBe('VALIDATION');
		expect(await objectBytes(claimed)).toBeNull();
		expect(await tdb.db.selectFrom('blobs').select('sha256').where('sha256', '=', claimed).executeTakeFirst()).toBeUndefined();
	});

	it('says the store is unavailable when it cannot write, and records no row (the tablet retries)', async () => {
		for (const broken of await brokenStores()) {
			const bytes = photo(1000);
			await expect(storeBlob(tdb.db, sha(bytes), 'image/jpeg', bytes, broken)).rejects.toBeInstanceOf(BlobStoreUnavailable);
			expect(await tdb.db.selectFrom('blobs').select('sha256').where('sha256', '=', sha(bytes)).executeTakeFirst()).toBeUndefined();
			expect(await objectBytes(sha(bytes))).toBeNull();
		}
	}, 60_000);

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
		expect(half.filter((r) => r.stored_in === storeKind)).toHaveLength(3);
		// Every blob is still readable half-way, wherever its bytes are.
		for (const b of legacy) expect(sha(await (await findBlob(tdb.db, sha(b), store))!.bytes())).toBe(sha(b));

		const rest = await moveBlobsToStore(tdb.db, store, { batch: 2 });
		expect(rest).toEqual({ moved: 4, damaged: [damaged], remaining: 1 });
		for (const b of legacy) {
			expect(sha((await objectBytes(sha(b)))!)).toBe(sha(b));
			const row = await tdb.db.selectFrom('blobs').select(['data', 'stored_in']).where('sha256', '=', sha(b)).executeTakeFirstOrThrow();
			expect(row.stored_in).toBe(storeKind);
			expect(row.data.byteLength).toBe(0);
		}
		// The damaged row keeps its bytes and is not copied.
		expect(await objectBytes(damaged)).toBeNull();
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
}

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

describe('S3 store settings from the environment', () => {
	it('uses the filesystem unless told otherwise, and S3 with a bucket', () => {
		expect(s3SettingsFromEnv({})).toBeNull();
		expect(s3SettingsFromEnv({ WYMIANA_BLOB_STORE: 'fs' })).toBeNull();
		expect(s3SettingsFromEnv({ WYMIANA_BLOB_STORE: 's3', WYMIANA_S3_BUCKET: 'photos', WYMIANA_S3_ENDPOINT: 'https://minio.lan:9000', WYMIANA_S3_PREFIX: '/evidence/' })).toMatchObject({
			bucket: 'photos',
			endpoint: 'https://minio.lan:9000',
			region: 'us-east-1',
			forcePathStyle: true,
			prefix: 'evidence/'
		});
		// AWS itself: no endpoint, virtual-hosted buckets.
		expect(s3SettingsFromEnv({ WYMIANA_BLOB_STORE: 's3', WYMIANA_S3_BUCKET: 'photos', WYMIANA_S3_REGION: 'eu-central-1' })).toMatchObject({ forcePathStyle: false, region: 'eu-central-1' });
		expect(s3SettingsFromEnv({ WYMIANA_BLOB_STORE: 's3', WYMIANA_S3_BUCKET: 'photos', WYMIANA_S3_ENDPOINT: 'http://ceph:7480', WYMIANA_S3_FORCE_PATH_STYLE: '0' })?.forcePathStyle).toBe(false);
	});

	it('names the setting that is wrong', () => {
		const fails = (env: NodeJS.ProcessEnv) => () => s3SettingsFromEnv(env);
		expect(fails({ WYMIANA_BLOB_STORE: 'disk' })).toThrow(/WYMIANA_BLOB_STORE must be "fs" or "s3"/);
		expect(fails({ WYMIANA_BLOB_STORE: 's3' })).toThrow(/needs WYMIANA_S3_BUCKET/);
		expect(fails({ WYMIANA_BLOB_STORE: 's3', WYMIANA_S3_BUCKET: 'b1', WYMIANA_S3_ENDPOINT: 'minio:9000' })).toThrow(/WYMIANA_S3_ENDPOINT must be a URL/);
		expect(fails({ WYMIANA_BLOB_STORE: 's3', WYMIANA_S3_BUCKET: 'b1', WYMIANA_S3_ACCESS_KEY_ID: 'k' })).toThrow(/both WYMIANA_S3_ACCESS_KEY_ID and WYMIANA_S3_SECRET_ACCESS_KEY/);
		expect(fails({ WYMIANA_BLOB_STORE: 's3', WYMIANA_S3_BUCKET: 'b1', WYMIANA_S3_FORCE_PATH_STYLE: 'yes' })).toThrow(/WYMIANA_S3_FORCE_PATH_STYLE must be 1 or 0/);
	});
});

describe('SQLite with the S3 store', () => {
	it('backs up the database without the photos, which stay in the bucket, and says a filesystem backup cannot be restored into it', async () => {
		const s3 = await startS3Server();
		const dir = mkdtempSync(join(tmpdir(), 'wymiana-blob-s3-backup-'));
		try {
			const database = openDatabase(`file:${join(dir, 'live.db')}`);
			await migrateToLatest(database.db, database.dialect);
			const store = blobStoreFromEnv(s3.env);
			const bytes = photo(50_000);
			await storeBlob(database.db, sha(bytes), 'image/jpeg', bytes, store);
			const target = join(dir, 'backup.db');
			expect((await backupSqlite(database, target, store)).blobs).toBe(0);
			await database.close();
			expect(existsSync(blobsBeside(target))).toBe(false);
			// A backup taken with the filesystem store, restored on a server that now uses S3.
			const fsBackup = join(dir, 'old.db');
			mkdirSync(join(blobsBeside(fsBackup), 'ab', 'cd'), { recursive: true });
			expect(() => restoreBlobs(fsBackup, store)).toThrow(/copy them into the bucket/);
		} finally {
			await s3.stop();
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
