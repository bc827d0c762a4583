/**
 * Photo uploads into the blob store: 300 KB photos through storeBlob (hash check, store write,
 * metadata row) next to writing the same bytes with fs.writeFile in the same run, on SQLite (and
 * PostgreSQL when TEST_DATABASE_URL is set), and into the S3 store (s3rver in a child process).
 * The store must fsync (a photo is evidence; see filesystemBlobStore), fs.writeFile does not: the
 * goal is against writeFile, and the same bytes written durably (writeFile, fsync of the file and
 * of its directory) are a second baseline. Uploads arrive from many tablets at once, so every side
 * runs CONCURRENCY writes at a time; one at a time is printed too. The store's `put` alone (its
 * file procedure without the hash check and the row) is a third baseline: the store against it is
 * the software's share, it against writeFile the disk's. Rounds alternate baseline and store (so both see the same disk and load)
 * and the median ratio of the rounds is printed with its spread. Also: the SQLite file's growth
 * per 1,000 photos (the database keeps metadata only).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
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
 * The same bytes written durably, as the store must: fs.writeFile with the file fsynced
 * (`flush`), then its directory fsynced (what makes a new name survive a crash).
 */
async function durableWrite(dir: string, p: Photo): Promise<void> {
	await writeFile(join(dir, p.sha256), p.bytes, { flush: true });
	const d = await open(dir, 'r');
	try {
		await d.sync();
	} finally {
		await d.close();
	}
}

type Side = 'raw' | 'durable' | 'put' | 'store';

/**
 * ROUNDS rounds of COUNT/ROUNDS photos each: fs.writeFile into a plain directory, the same made
 * durable, then the store, at the same concurrency (the order turns each round, so no side always
 * follows another's dirty pages). The median rate of each side, and the median and range of the
 * store's ratios to each baseline.
 */
async function compare(dir: string, database: Database, store: BlobStore, concurrency: number, count = COUNT) {
	const rates: Record<Side, number[]> = { raw: [], durable: [], put: [], store: [] };
	const ratios = { raw: [] as number[], durable: [] as number[], put: [] as number[], floor: [] as number[] };
	const order: Side[] = ['raw', 'durable', 'put', 'store'];
	// The store's own file procedure (temporary name, fsync, rename, fsync of the directory) with no
	// hash check and no row, into a store of its own: what durability costs on this disk by itself.
	const bare = store.kind === 'fs' ? filesystemBlobStore(join(dir, `put-${concurrency}-${Math.random().toString(36).slice(2)}`)) : store;
	for (let r = 0; r < ROUNDS; r++) {
		const plain = join(dir, `raw-${store.kind}-${concurrency}-${r}-${Math.random().toString(36).slice(2)}`);
		mkdirSync(join(plain, 'durable'), { recursive: true });
		const write: Record<Side, (p: Photo) => Promise<unknown>> = {
			raw: (p) => writeFile(join(plain, p.sha256), p.bytes),
			durable: (p) => durableWrite(join(plain, 'durable'), p),
			put: (p) => bare.put(p.sha256, p.bytes),
			store: (p) => storeBlob(database.db, p.sha256, 'image/jpeg', p.bytes, store)
		};
		const round = {} as Record<Side, number>;
		for (let k = 0; k < order.length; k++) {
			const side = order[(k + r) % order.length]!;
			round[side] = await rate(photos(count / ROUNDS), concurrency, write[side]);
			rates[side].push(round[side]);
		}
		ratios.raw.push(round.store / round.raw);
		ratios.durable.push(round.store / round.durable);
		ratios.put.push(round.store / round.put);
		ratios.floor.push(round.put / round.raw);
	}
	const spread = (xs: number[]) => `median ${median(xs).toFixed(2)}, ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)} over ${ROUNDS} rounds`;
	return {
		raw: median(rates.raw), durable: median(rates.durable), put: median(rates.put), store: median(rates.store),
		spread: spread(ratios.raw), durableSpread: spread(ratios.durable), putSpread: spread(ratios.put), floorSpread: spread(ratios.floor)
	};
}

export async function run(): Promise<BenchRow[]> {
	const dir = mkdtempSync(join(tmpdir(), 'wymiana-bench-blobs-'));
	const rows: BenchRow[] = [];
	const baseline = (value: number) => ({ label: 'fs.writeFile, same bytes, same concurrency', value });
	const durable = (value: number) => ({ label: 'writeFile + fsync of file and directory', value });
	const alone = (value: number) => ({ label: 'put alone: temporary file, fsync, rename, fsync of directory', value });
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
		rows.push({ bench: 'blobs', case: `same, against durable writes (ratio ${many.durableSpread})`, value: many.store, unit: 'photos/s', baseline: durable(many.durable) });
		rows.push({ bench: 'blobs', case: `same, against the store's put alone (no hash check, no row; ratio ${many.putSpread})`, value: many.store, unit: 'photos/s', baseline: alone(many.put) });
		rows.push({ bench: 'blobs', case: `put alone against fs.writeFile: the disk's price of durability (ratio ${many.floorSpread})`, value: many.put, unit: 'photos/s', baseline: baseline(many.raw) });
		rows.push({ bench: 'blobs', case: `same, one at a time (${one.spread})`, value: one.store, unit: 'photos/s', baseline: baseline(one.raw) });
		rows.push({ bench: 'blobs', case: `same, one at a time, against durable writes (ratio ${one.durableSpread})`, value: one.store, unit: 'photos/s', baseline: durable(one.durable) });
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
				rows.push({ bench: 'blobs', case: `same, against durable writes (ratio ${onPg.durableSpread})`, value: onPg.store, unit: 'photos/s', baseline: durable(onPg.durable) });
				rows.push({ bench: 'blobs', case: `same, against the store's put alone (ratio ${onPg.putSpread}); put alone against fs.writeFile ${onPg.floorSpread}`, value: onPg.store, unit: 'photos/s', baseline: alone(onPg.put) });
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
