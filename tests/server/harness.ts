import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { describe } from 'vitest';
import { openDatabase, type Database } from '$server/db/database';
import { migrateToLatest } from '$server/db/migrations';
import type { DB } from '$server/db/schema';
import { AppError } from '$server/errors';

export type TestDbKind = 'sqlite' | 'postgres';

/** PostgreSQL runs when TEST_DATABASE_URL is set; CI sets it and fails if it cannot. */
export const postgresUrl = process.env.TEST_DATABASE_URL;
export const dbKinds: TestDbKind[] = postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase extends Database {
	kind: TestDbKind;
	/** Where it is: a second pool opened on it plays another server instance. */
	url: string;
	/** Drops the schema (PostgreSQL) or deletes the file (SQLite). */
	destroy(): Promise<void>;
}

/**
 * A fresh, empty database of the given kind: a temporary SQLite file, or a new PostgreSQL schema
 * (search_path pinned on every pooled connection) so test files never see each other's rows.
 */
export async function createTestDatabase(kind: TestDbKind, { migrate = true } = {}): Promise<TestDatabase> {
	let database: Database;
	let url: string;
	let cleanup: () => Promise<void>;
	if (kind === 'postgres') {
		if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
		const schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
		const admin = new pg.Client({ connectionString: postgresUrl });
		await admin.connect();
		await admin.query(`create schema ${schema}`);
		await admin.end();
		const pgUrl = new URL(postgresUrl);
		pgUrl.searchParams.set('options', `-c search_path=${schema} -c timezone=UTC`);
		url = pgUrl.toString();
		database = openDatabase(url);
		cleanup = async () => {
			const c = new pg.Client({ connectionString: postgresUrl });
			await c.connect();
			await c.query(`drop schema if exists ${schema} cascade`);
			await c.end();
		};
	} else {
		const dir = mkdtempSync(join(tmpdir(), 'wymiana-test-'));
		url = `file:${join(dir, 'test.db')}`;
		database = openDatabase(url);
		cleanup = async () => rmSync(dir, { recursive: true, force: true });
	}
	if (migrate) {
		try {
			await migrateToLatest(database.db, database.dialect);
		} catch (e) {
			await database.close();
			await cleanup();
			throw e;
		}
	}
	return {
		...database,
		kind,
		url,
		async destroy() {
			await database.close();
			await cleanup();
		}
	};
}

/** `describe` once per database kind; the suite's name carries the kind. */
export function describeEachDb(name: string, fn: (kind: TestDbKind) => void): void {
	for (const kind of dbKinds) describe(`${name} [${kind}]`, () => fn(kind));
}

/** rate-limiter-flexible's stored count for a full key (`<prefix>:<key>`), 0 when it has none. */
export async function storedRateLimitPoints(db: Kysely<DB>, fullKey: string): Promise<number> {
	const { rows } = await sql<{ points: number }>`select points from rate_limits where key = ${fullKey}`.execute(db);
	return Number(rows[0]?.points ?? 0);
}

/** The code of the AppError a call is refused with, or 'OK' when it succeeds (anything else is thrown on). */
export async function refusal(p: Promise<unknown>): Promise<string> {
	try {
		await p;
		return 'OK';
	} catch (e) {
		if (e instanceof AppError) return e.code;
		throw e;
	}
}
