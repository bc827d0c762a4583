/**
 * Photo uploads into the blob store: 300 KB photos through storeBlob (hash check, store write with
 * fsync and rename, metadata row) next to writing the same bytes with fs.writeFile in the same run,
 * on SQLite (and PostgreSQL when TEST_DATABASE_URL is set); and the SQLite file's growth per 1,000
 * photos (the database keeps metadata only).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { filesystemBlobStore } from '../../../server/blobs/blob-store';
import { openDatabase, type Database } from '../../../server/db/database';
import { migrateToLatest } from '../../../server/db/migrations';
import { storeBlob } from '../../../server/sync/blobs';
import type { BenchRow } from '../report';

const PHOTO = 300_000;
const COUNT = 1000;

function photos(n: number): { bytes: Uint8Array; sha256: string }[] {
	const base = randomBytes(PHOTO);
	return Array.from({ length: n }, (_, i) => {
		base.writeUInt32BE(i, 0);
		base.writeUInt32BE(Date.now() % 2 ** 32, 4);
		const bytes = new Uint8Array(base);
		return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
	});
}

async function rawWrites(dir: string, set: { bytes: Uint8Array; sha256: string }[]): Promise<number> {
	mkdirSync(dir, { recursive: true });
	const started = performance.now();
	for (const p of set) await writeFile(join(dir, p.sha256), p.bytes);
	return set.length / ((performance.now() - started) / 1000);
}

/** The same bytes written durably (fsync of the file and its directory), as the store must. */
async function durableWrites(dir: string, set: { bytes: Uint8Array; sha256: string }[]): Promise<number> {
	mkdirSync(dir, { recursive: true });
	const started = performance.now();
	for (const p of set) {
		const file = await open(join(dir, p.sha256), 'w');
		await file.writeFile(p.bytes);
		await file.sync();
		await file.close();
		const d = await open(dir, 'r');
		await d.sync();
		await d.close();
	}
	return set.length / ((performance.now() - started) / 1000);
}

async function storeUploads(database: Database, dir: string, set: { bytes: Uint8Array; sha256: string }[]): Promise<number> {
	const store = filesystemBlobStore(dir);
	const started = performance.now();
	for (const p of set) await storeBlob(database.db, p.sha256, 'image/jpeg', p.bytes, store);
	return set.length / ((performance.now() - started) / 1000);
}

export async function run(): Promise<BenchRow[]> {
	const dir = mkdtempSync(join(tmpdir(), 'wymiana-bench-blobs-'));
	const rows: BenchRow[] = [];
	try {
		const path = join(dir, 'bench.db');
		const sqlite = openDatabase(`file:${path}`);
		await migrateToLatest(sqlite.db, sqlite.dialect);
		const size = () => {
			if (sqlite.raw.kind === 'sqlite') sqlite.raw.client.pragma('wal_checkpoint(TRUNCATE)');
			return statSync(path).size;
		};
		// Warm-up, then raw and store alternately so both see the same disk and cache state.
		await storeUploads(sqlite, join(dir, 'warm'), photos(20));
		await rawWrites(join(dir, 'warm-raw'), photos(20));
		const before = size();
		const raw = await rawWrites(join(dir, 'raw'), photos(COUNT));
		const durable = await durableWrites(join(dir, 'durable'), photos(COUNT));
		const fs = await storeUploads(sqlite, join(dir, 'store'), photos(COUNT));
		const growth = size() - before;
		await sqlite.close();
		const baseline = { label: 'fs.writeFile, same bytes', value: raw };
		rows.push({ bench: 'blobs', case: `filesystem store, SQLite, ${COUNT} × 300 KB`, value: fs, unit: 'photos/s', baseline, goal: '≥ 0.5 of baseline' });
		rows.push({ bench: 'blobs', case: `same, next to durable writes`, value: fs, unit: 'photos/s', baseline: { label: 'writeFile + fsync file and directory', value: durable } });
		rows.push({ bench: 'blobs', case: `SQLite file growth per ${COUNT} photos`, value: growth / 1024, unit: 'KiB', goal: '< 1 MB (metadata only)' });

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
				const raw2 = await rawWrites(join(dir, 'raw-pg'), photos(COUNT / 2));
				const pgRate = await storeUploads(postgres, join(dir, 'store-pg'), photos(COUNT / 2));
				rows.push({ bench: 'blobs', case: `filesystem store, PostgreSQL, ${COUNT / 2} × 300 KB`, value: pgRate, unit: 'photos/s', baseline: { label: 'fs.writeFile, same bytes', value: raw2 }, goal: '≥ 0.5 of baseline' });
			} finally {
				await postgres.close();
				await admin.query(`drop schema ${schema} cascade`);
				await admin.end();
			}
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	return rows;
}
