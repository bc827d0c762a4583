import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SESSION_COOKIE } from '$server/auth/sessions';
import { AppProcess, freePort } from '../support/app-process';
import { S3_KEY, startS3Server } from '../support/s3-server';
import { PASSWORD, seedWorld } from './fixtures';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function signIn(base: string, login: string): Promise<string> {
	const res = await fetch(`${base}/api/trpc/auth.signIn`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password: PASSWORD, client: 'app' }) });
	expect(res.status).toBe(200);
	return res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0]!;
}

/** Sends half of a photo's bytes, then drops the connection (a tablet losing its network). */
async function cutOffUpload(base: string, cookie: string, hash: string, bytes: Buffer): Promise<void> {
	await new Promise<void>((ok) => {
		const req = request(`${base}/api/blobs/${hash}`, { method: 'PUT', headers: { 'content-type': 'image/jpeg', cookie, 'content-length': String(bytes.length) } });
		req.on('error', () => ok());
		req.on('response', () => ok());
		req.write(bytes.subarray(0, bytes.length / 2), () => setTimeout(() => { req.destroy(); ok(); }, 200));
	});
	await new Promise((r) => setTimeout(r, 300));
}

/** Photo uploads over HTTP, as a tablet makes them, into the running server's blob store. */
describeEachDb('photo uploads into the blob store', (kind) => {
	let tdb: TestDatabase;
	let dir: string;
	let app: AppProcess;
	let full: AppProcess;
	let cookie: string;
	let fullCookie: string;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		await seedWorld(tdb.db);
		dir = mkdtempSync(join(tmpdir(), 'wymiana-upload-'));
		const notADir = join(dir, 'not-a-directory');
		writeFileSync(notADir, '');
		const env = { DATABASE_URL: tdb.url, WYMIANA_DEMO: '0', WYMIANA_HES: 'off' };
		app = new AppProcess(await freePort(), { ...env, WYMIANA_BLOB_DIR: join(dir, 'blobs') });
		// A store that cannot be written (a disk gone read-only or full looks the same to the app).
		full = new AppProcess(await freePort(), { ...env, WYMIANA_BLOB_DIR: join(notADir, 'blobs') });
		await Promise.all([app.start(), full.start()]);
		cookie = await signIn(app.url, 'fitter-a');
		fullCookie = await signIn(full.url, 'fitter-b');
	});
	afterAll(async () => {
		await Promise.all([app?.stop(), full?.stop()]);
		await tdb?.destroy();
		rmSync(dir, { recursive: true, force: true });
	});

	const put = (base: string, c: string, hash: string, bytes: Uint8Array) =>
		fetch(`${base}/api/blobs/${hash}`, { method: 'PUT', headers: { 'content-type': 'image/jpeg', cookie: c }, body: new Uint8Array(bytes) });

	it('stores an uploaded photo as a file named by its hash, metadata only in the database', async () => {
		const bytes = new Uint8Array(randomBytes(300_000));
		const hash = sha(bytes);
		expect((await put(app.url, cookie, hash, bytes)).status).toBe(201);
		expect(existsSync(join(dir, 'blobs', hash.slice(0, 2), hash.slice(2, 4), hash))).toBe(true);
		const row = await tdb.db.selectFrom('blobs').select(['size', 'data', 'stored_in']).where('sha256', '=', hash).executeTakeFirstOrThrow();
		expect(row).toMatchObject({ size: 300_000, stored_in: 'fs' });
		expect(row.data.byteLength).toBe(0);
		expect((await put(app.url, cookie, hash, bytes)).status).toBe(200);
	});

	it('keeps nothing of an upload cut off halfway', async () => {
		const bytes = randomBytes(300_000);
		const hash = sha(bytes);
		await cutOffUpload(app.url, cookie, hash, bytes);
		expect(existsSync(join(dir, 'blobs', hash.slice(0, 2), hash.slice(2, 4), hash))).toBe(false);
		expect(await tdb.db.selectFrom('blobs').select('sha256').where('sha256', '=', hash).executeTakeFirst()).toBeUndefined();
		const leftovers = existsSync(join(dir, 'blobs')) ? readdirSync(join(dir, 'blobs'), { recursive: true }).map(String).filter((f) => f.endsWith('.tmp')) : [];
		expect(leftovers).toEqual([]);
		// Sent again whole, it is stored.
		expect((await put(app.url, cookie, hash, bytes)).status).toBe(201);
	});

	it('answers 503 with the reason when the store cannot take the photo, and stores nothing', async () => {
		const bytes = new Uint8Array(randomBytes(10_000));
		const hash = sha(bytes);
		const res = await put(full.url, fullCookie, hash, bytes);
		expect(res.status).toBe(503);
		expect(res.headers.get('retry-after')).toBe('30');
		expect(((await res.json()) as { message: string }).message).toContain('Zdjęcie zostaje na urządzeniu');
		expect(await tdb.db.selectFrom('blobs').select('sha256').where('sha256', '=', hash).executeTakeFirst()).toBeUndefined();
	});

	it('refuses bytes that do not match their hash', async () => {
		const bytes = new Uint8Array(randomBytes(10_000));
		const res = await put(app.url, cookie, sha(new Uint8Array(randomBytes(10))), bytes);
		expect(res.status).toBe(400);
	});
});

/** The same uploads into S3 (s3rver started here): two instances share one bucket. */
describeEachDb('photo uploads into the S3 blob store', (kind) => {
	let tdb: TestDatabase;
	let s3: Awaited<ReturnType<typeof startS3Server>>;
	let raw: S3Client;
	let apps: AppProcess[];
	let down: AppProcess;
	let cookies: string[];
	let downCookie: string;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		await seedWorld(tdb.db);
		s3 = await startS3Server();
		raw = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: S3_KEY.id, secretAccessKey: S3_KEY.secret } });
		const env = { DATABASE_URL: tdb.url, WYMIANA_DEMO: '0', WYMIANA_HES: 'off', ...s3.env };
		apps = [new AppProcess(await freePort(), env), new AppProcess(await freePort(), env)];
		// The storage is down (nothing listens at its address).
		down = new AppProcess(await freePort(), { ...env, WYMIANA_S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
		await Promise.all([...apps, down].map((a) => a.start()));
		cookies = [await signIn(apps[0]!.url, 'fitter-a'), await signIn(apps[1]!.url, 'fitter-a')];
		downCookie = await signIn(down.url, 'fitter-b');
		// Three app processes start at once: give a busy machine time.
	}, 120_000);
	afterAll(async () => {
		await Promise.all([...(apps ?? []), down].map((a) => a?.stop()));
		raw?.destroy();
		await s3?.stop();
		await tdb?.destroy();
	});

	const put = (base: string, c: string, hash: string, bytes: Uint8Array) =>
		fetch(`${base}/api/blobs/${hash}`, { method: 'PUT', headers: { 'content-type': 'image/jpeg', cookie: c }, body: new Uint8Array(bytes) });
	const object = async (hash: string) => {
		try {
			const got = await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}` }));
			return Buffer.from(await got.Body!.transformToByteArray());
		} catch (e) {
			if ((e as { name?: string }).name === 'NoSuchKey') return null;
			throw e;
		}
	};

	it('stores a photo uploaded to one instance in the bucket, and the other instance knows it', async () => {
		const bytes = new Uint8Array(randomBytes(300_000));
		const hash = sha(bytes);
		expect((await put(apps[0]!.url, cookies[0]!, hash, bytes)).status).toBe(201);
		expect(sha((await object(hash))!)).toBe(hash);
		const row = await tdb.db.selectFrom('blobs').select(['size', 'data', 'stored_in']).where('sha256', '=', hash).executeTakeFirstOrThrow();
		expect(row).toMatchObject({ size: 300_000, stored_in: 's3' });
		expect(row.data.byteLength).toBe(0);
		expect((await put(apps[1]!.url, cookies[1]!, hash, bytes)).status).toBe(200);
	});

	it('keeps nothing of an upload cut off halfway', async () => {
		const bytes = randomBytes(300_000);
		const hash = sha(bytes);
		await cutOffUpload(apps[0]!.url, cookies[0]!, hash, bytes);
		expect(await object(hash)).toBeNull();
		expect(await tdb.db.selectFrom('blobs').select('sha256').where('sha256', '=', hash).executeTakeFirst()).toBeUndefined();
		expect((await put(apps[1]!.url, cookies[1]!, hash, new Uint8Array(bytes))).status).toBe(201);
	});

	it('answers 503 with the reason when the storage is unreachable, and stores nothing', async () => {
		const bytes = new Uint8Array(randomBytes(10_000));
		const hash = sha(bytes);
		const res = await put(down.url, downCookie, hash, bytes);
		expect(res.status).toBe(503);
		expect(res.headers.get('retry-after')).toBe('30');
		expect(((await res.json()) as { message: string }).message).toContain('Zdjęcie zostaje na urządzeniu');
		expect(await tdb.db.selectFrom('blobs').select('sha256').where('sha256', '=', hash).executeTakeFirst()).toBeUndefined();
	}, 30_000);
});
