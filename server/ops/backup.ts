import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { BlobStore, FilesystemBlobStore } from '../blobs/blob-store';
import type { Database } from '../db/database';
import { migrationNames } from '../db/migrations';

/**
 * Backups of the embedded database. SQLite's online backup copies a consistent snapshot page by
 * page while the server keeps serving (writers are not blocked for the whole copy). PostgreSQL is
 * backed up with its own tools (pg_dump / pg_basebackup, see the README).
 */
export class BackupError extends Error {}

/** The blob files that go with a backup file. */
export function blobsBeside(target: string): string {
	return `${target}.blobs`;
}

/**
 * A consistent online copy of the database and, with a blob store, of every blob the copy refers
 * to (in `<target>.blobs/`, the store's layout). Blobs are written to the store before their row,
 * and never change, so every blob the snapshot names is in the store when it is copied after.
 * An S3 store is not copied: its bucket is backed up with the storage's own tools (see the README).
 */
export async function backupSqlite(database: Database, target: string, store?: BlobStore): Promise<{ bytes: number; pages: number; blobs: number }> {
	if (database.raw.kind !== 'sqlite') throw new BackupError('this database is PostgreSQL: use pg_dump (see the README, "Backups")');
	if (existsSync(target)) throw new BackupError(`${target} already exists; choose a new file name`);
	// `--to backups/wymiana-<date>.db` (the README's) on a first run: its directory is made.
	try {
		mkdirSync(dirname(target), { recursive: true });
	} catch (e) {
		throw new BackupError(`the directory ${dirname(target)} cannot be made for the backup (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}: a file on the path, or no permission)`);
	}
	const partial = `${target}.partial`;
	const partialBlobs = `${blobsBeside(target)}.partial`;
	rmSync(partial, { force: true });
	rmSync(partialBlobs, { recursive: true, force: true });
	const { totalPages } = await database.raw.client.backup(partial);
	checkBackupFile(partial);
	let blobs = 0;
	if (store?.kind === 'fs') {
		const fsStore = store as FilesystemBlobStore;
		const snapshot = new SQLite(partial, { readonly: true, fileMustExist: true });
		try {
			const rows = snapshot.prepare(`select sha256 from blobs where stored_in is not null`).pluck().all() as string[];
			for (const sha256 of rows) {
				const to = join(partialBlobs, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
				mkdirSync(dirname(to), { recursive: true });
				if (!existsSync(fsStore.pathOf(sha256))) throw new BackupError(`blob ${sha256} is missing from the store at ${fsStore.root}`);
				copyFileSync(fsStore.pathOf(sha256), to);
				blobs++;
			}
		} finally {
			snapshot.close();
		}
		if (blobs > 0) renameSync(partialBlobs, blobsBeside(target));
	}
	// Only a complete copy gets the real name: a backup interrupted half-way is never mistaken for one.
	renameSync(partial, target);
	return { bytes: statSync(target).size, pages: totalPages, blobs };
}

/** Puts a backup's blob files into the store (content-addressed: files already there are kept). */
export function restoreBlobs(backup: string, store: BlobStore): number {
	const from = blobsBeside(backup);
	if (!existsSync(from)) return 0;
	if (store.kind !== 'fs') throw new BackupError(`${from} holds photos for a filesystem store, but this server uses ${store.location}: copy them into the bucket (aws s3 sync / mc mirror, same ab/cd/<sha256> keys) or unset WYMIANA_BLOB_STORE`);
	const fsStore = store as FilesystemBlobStore;
	let copied = 0;
	for (const a of readdirSync(from)) {
		for (const b of readdirSync(join(from, a))) {
			for (const sha256 of readdirSync(join(from, a, b))) {
				const to = fsStore.pathOf(sha256);
				if (existsSync(to)) continue;
				mkdirSync(dirname(to), { recursive: true });
				try {
					linkSync(join(from, a, b, sha256), to);
				} catch {
					copyFileSync(join(from, a, b, sha256), to);
				}
				copied++;
			}
		}
	}
	return copied;
}

/** A readable, intact SQLite file with Wymiana's schema at a version this build knows. */
export function checkBackupFile(path: string): { migrations: string[] } {
	if (!existsSync(path)) throw new BackupError(`${path} does not exist`);
	let file: SQLite.Database;
	try {
		file = new SQLite(path, { readonly: true, fileMustExist: true });
	} catch (e) {
		throw new BackupError(`${path} is not a SQLite database (${(e as Error).message})`);
	}
	try {
		const integrity = file.pragma('integrity_check', { simple: true });
		if (integrity !== 'ok') throw new BackupError(`${path} is damaged: ${String(integrity)}`);
		const hasTable = file.prepare(`select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'`).get() as { n: number };
		if (!hasTable.n) throw new BackupError(`${path} is not a Wymiana database (no migration table)`);
		const applied = (file.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((r) => r.name);
		const unknown = applied.filter((m) => !migrationNames.includes(m));
		if (unknown.length) throw new BackupError(`${path} comes from a newer version (migrations ${unknown.join(', ')}); restore it with that version`);
		return { migrations: applied };
	} catch (e) {
		if (e instanceof BackupError) throw e;
		throw new BackupError(`${path} could not be read: ${(e as Error).message}`);
	} finally {
		file.close();
	}
}

/**
 * Puts a backup in place of the database file. The server must be stopped (the caller checks
 * nothing has the file open by taking an exclusive lock). The current file is kept beside it, so
 * a restore can itself be undone.
 */
export function restoreSqlite(backup: string, databasePath: string, now = new Date()): { previous: string | null } {
	checkBackupFile(backup);
	let previous: string | null = null;
	if (existsSync(databasePath)) {
		const current = new SQLite(databasePath, { fileMustExist: true });
		try {
			current.pragma('busy_timeout = 0');
			// Fails at once if a running server holds the database.
			current.exec('begin exclusive; commit;');
			current.pragma('wal_checkpoint(TRUNCATE)');
		} catch {
			throw new BackupError(`${databasePath} is in use: stop the server before restoring`);
		} finally {
			current.close();
		}
		previous = `${databasePath}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
		renameSync(databasePath, previous);
		for (const suffix of ['-wal', '-shm']) rmSync(databasePath + suffix, { force: true });
	}
	copyFileSync(backup, databasePath);
	return { previous };
}
