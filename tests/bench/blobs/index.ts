/**
 * Photo uploads into the blob store: 300 KB photos through storeBlob (hash check, store write,
 * metadata row) next to writing the same bytes with fs.writeFile in the same run, on SQLite (and
 * PostgreSQL when TEST_DATABASE_URL is set), and into the S3 store (s3rver in a child process).
 * Uploads arrive from many tablets at once, so both sides run CONCURRENCY writes at a time; one at
 * a time is printed too. Rounds alternate baseline and store (so both see the same disk and load)
 * and the median ratio of the rounds is printed with its spread. Also: the SQLite file's growth
 * per 1,000 photos (the database keeps metadata only).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { blobStoreFromEnv, filesystemBlobStore, type BlobStore } from '../../../server/blobs/blob-store';
import { openDatabase, type Database } from '../../../server/db/database';
import { migrateToLatest } from '../../../server/db/migrations';
import { storeBlob } from '../../../server/sync/blobs';
import { spawnS3Server } from '../../support/s3-server';
import type { BenchRow } from '../report';

const PHOTO = 300_000;
const COUNT = Number(process.env.BLOBS_COUNT ?? 1000);
const ROUNDS = 5;
const CONCURRENCY = 8;

type Photo = { bytes: Uint8Array; sha256: string };

function photos(n: number): Photo[] {
	const base = randomBytes(PHOTO);
	const salt = randomBytes(4).readUInt32BE(0);
	return Array.from({ length: n }, (_, i) => {
		base.writeUInt32BE(i, 0);
		base.writeUInt32BE(salt, 4);
		const bytes = new Uint8Array(base);
		return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
	});
}

/** Photos per second writing `set` with `concurrency` writes in flight. */
async function rate(set: Photo[], concurrency: number, write: (p: Photo) => Promise<unknown>): Promise<number> {
	let next = 0;
	const started = performance.now();
	await Promise.all(Array.from({ length: concurrency }, async () => { while (next < set.length) await write(set[next++]!); }));
	return set.length / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * ROUNDS rounds of COUNT/ROUNDS photos each: fs.writeFile into a plain directory, then the store,
 * at the same concurrency. The median rate of each side, and the median and range of the ratios.
 */
async function compare(dir: string, database: Database, store: BlobStore, concurrency: number, count = COUNT) {
	const raws: number[] = [];
	const stores: number[] = [];
	const ratios: number[] = [];
	for (let r = 0; r < ROUNDS; r++) {
		const plain = join(dir, `raw-${store.kind}-${concurrency}-${r}-${Math.random().toString(36).slice(2)}`);
		mkdirSync(plain, { recursive: true });
		const raw = await rate(photos(count / ROUNDS), concurrency, (p) => writeFile(join(plain, p.sha256), p.bytes));
		const stored = await rate(photos(count / ROUNDS), concurrency, (p) => storeBlob(database.db, p.sha256, 'image/jpeg', p.bytes, store));
		raws.push(raw);
		stores.push(stored);
		ratios.push(stored / raw);
	}
	const spread = `ratio median ${median(ratios).toFixed(2)}, ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} over ${ROUNDS} rounds`;
	return { raw: median(raws), store: median(stores), ratio: median(ratios), spread };
}

export async function run(): Promise<BenchRow[]> {
	const dir = mkdtempSync(join(tmpdir(), 'wymiana-bench-blobs-'));
	const rows: BenchRow[] = [];
	const baseline = (value: number) => ({ label: 'fs.writeFile, same bytes, same concurrency', value });
	const s3 = await spawnS3Server();
	try {
		const path = join(dir, 'bench.db');
		const sqlite = openDatabase(`file:${path}`);
		await migrateToLatest(sqlite.db, sqlite.dialect);
		const size = () => {
			if (sqlite.raw.kind === 'sqlite') sqlite.raw.client.pragma('wal_checkpoint(TRUNCATE)');
			return statSync(path).size;
		};
		const fs = filesystemBlobStore(join(dir, 'store'));
		// Warm-up (disk, JIT, SQLite pages).
		await rate(photos(40), CONCURRENCY, (p) => storeBlob(sqlite.db, p.sha256, 'image/jpeg', p.bytes, fs));
		const before = size();
		const stored = Number((await sqlite.db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
		const many = await compare(dir, sqlite, fs, CONCURRENCY);
		const one = await compare(dir, sqlite, fs, 1, COUNT / 2);
		const added = Number((await sqlite.db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n) - stored;
		const growth = size() - before;
		rows.push({ bench: 'blobs', case: `filesystem store, SQLite, ${COUNT} × 300 KB, ${CONCURRENCY} at a time (${many.spread})`, value: many.store, unit: 'photos/s', baseline: baseline(many.raw), goal: '≥ 0.5 of baseline' });
		rows.push({ bench: 'blobs', case: `same, one at a time (${one.spread})`, value: one.store, unit: 'photos/s', baseline: baseline(one.raw) });
		rows.push({ bench: 'blobs', case: `SQLite file growth per 1000 photos (${added} stored)`, value: (growth / added) * 1000 / 1024, unit: 'KiB', goal: '< 1 MB (metadata only)' });

		const s3Store = blobStoreFromEnv(s3.env);
		const viaS3 = await compare(dir, sqlite, s3Store, CONCURRENCY, COUNT / 2);
		rows.push({ bench: 'blobs', case: `S3 store (s3rver, loopback), SQLite, ${COUNT / 2} × 300 KB, ${CONCURRENCY} at a time (${viaS3.spread})`, value: viaS3.store, unit: 'photos/s', baseline: baseline(viaS3.raw) });
		await sqlite.close();

		const url = process.env.TEST_DATABASE_URL;
		if (url) {
			const schema = `bench_blobs_${process.pid}`;
			const admin = new pg.Client({ connectionString: url });
			await admin.connect();
			await admin.query(`create schema ${schema}`);
			const u = new URL(url);
			u.searchParams.set('options', `-c search_path=${schema} -c timezone=UTC`);
			const postgres = openDatabase(u.toString());
			try {
				await migrateToLatest(postgres.db, postgres.dialect);
				const onPg = await compare(dir, postgres, filesystemBlobStore(join(dir, 'store-pg')), CONCURRENCY, COUNT / 2);
				rows.push({ bench: 'blobs', case: `filesystem store, PostgreSQL, ${COUNT / 2} × 300 KB, ${CONCURRENCY} at a time (${onPg.spread})`, value: onPg.store, unit: 'photos/s', baseline: baseline(onPg.raw), goal: '≥ 0.5 of baseline' });
			} finally {
				await postgres.close();
				await admin.query(`drop schema ${schema} cascade`);
				await admin.end();
			}
		}
	} finally {
		await s3.stop();
		rmSync(dir, { recursive: true, force: true });
	}
	return rows;
}
