import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
	Kysely,
	PostgresDialect,
	SqliteAdapter,
	SqliteDialect,
	type DialectAdapter
} from 'kysely';
import { ALWAYS_AVAILABLE, watchAvailability, type DatabaseAvailability } from './availability';
import type { DB } from './schema';

export type DialectName = 'sqlite' | 'postgres';

export interface Database {
	db: Kysely<DB>;
	dialect: DialectName;
	/** The raw client, for libraries that keep their own tables (rate-limiter-flexible). */
	raw: { kind: 'sqlite'; client: SQLite.Database } | { kind: 'postgres'; client: pg.Pool };
	/** The DATABASE_URL it was opened with (for connections of their own, such as LISTEN). */
	url: string;
	/** Whether the database answers right now (PostgreSQL can restart under a running server). */
	availability: DatabaseAvailability;
	close(): Promise<void>;
}

export const DEFAULT_SQLITE_PATH = './data/wymiana.db';

/**
 * SQLite runs DDL inside transactions perfectly well; Kysely's adapter just does not claim it.
 * Claiming it makes the Migrator wrap migrations in a transaction, so a failed one leaves nothing
 * half-done, the same as on PostgreSQL.
 */
class TransactionalSqliteAdapter extends SqliteAdapter {
	override get supportsTransactionalDdl(): boolean {
		return true;
	}
}

class TransactionalSqliteDialect extends SqliteDialect {
	override createAdapter(): DialectAdapter {
		return new TransactionalSqliteAdapter();
	}
}

/**
 * better-sqlite3 with its prepared statements kept by SQL text, at most `max`. Kysely prepares every
 * query anew, and for the small statements of a sync push preparing costs as much as running;
 * statements are reusable, and Kysely runs one query at a time here. Past `max` the oldest
 * statement not used since it was last passed over goes (a second chance, not strict least
 * recently used: moving a hit to the back of the Map, a delete and a set, took a microsecond —
 * as long as running a small statement).
 */
function withStatementCache(client: SQLite.Database, max = 1000) {
	const cache = new Map<string, { stmt: SQLite.Statement; used: boolean }>();
	return {
		close: () => client.close(),
		prepare(sql: string): SQLite.Statement {
			const hit = cache.get(sql);
			if (hit) {
				hit.used = true;
				return hit.stmt;
			}
			while (cache.size >= max) {
				const [oldest, entry] = cache.entries().next().value!;
				cache.delete(oldest);
				if (entry.used) {
					entry.used = false;
					cache.set(oldest, entry);
				}
			}
			const stmt = client.prepare(sql);
			cache.set(sql, { stmt, used: false });
			return stmt;
		}
	};
}

// pg returns int8 (COUNT(*), SUM) as strings to be safe with > 2^53; our counts never get near.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export function isPostgresUrl(url: string | undefined): boolean {
	return !!url && /^postgres(ql)?:\/\//.test(url);
}

/**
 * Opens the database the deployment asks for: `DATABASE_URL=postgres://…` → PostgreSQL pool,
 * otherwise an SQLite file (`DATABASE_URL=file:path` or `./data/wymiana.db`).
 */
/** The SQLite file a DATABASE_URL (unset, a path, or file:path) names. */
export function sqlitePath(url: string | undefined): string {
	return url?.startsWith('file:') ? url.slice('file:'.length) : url || DEFAULT_SQLITE_PATH;
}

/** How every PostgreSQL connection of the server is made (the pool and any connection of its own). */
export function pgConfig(url: string): pg.ClientConfig {
	// Timestamps are stored as ISO text; keep the session in UTC for anything the server computes.
	return { connectionString: url, options: '-c timezone=UTC' };
}

export function openDatabase(url: string | undefined = process.env.DATABASE_URL): Database {
	if (isPostgresUrl(url)) {
		const pool = new pg.Pool({
			...pgConfig(url!),
			max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
			// While the database is away a request waits at most this long for a connection.
			connectionTimeoutMillis: Number(process.env.DATABASE_CONNECT_TIMEOUT_MS ?? 5000)
		});
		const availability = watchAvailability(() => pool.query('select 1'));
		// A server restart or pg_terminate_backend ends idle pooled connections with an 'error'
		// event: unhandled, it would end the process (and every instance at once).
		pool.on('error', (err) => availability.report(err));
		const watched = new WeakSet<pg.PoolClient>();
		const db = new Kysely<DB>({
			dialect: new PostgresDialect({
				pool: {
					// The callback form, not `await pool.connect()`: the pool hands a new connection over
					// while reading the server's "ready" message, and a "terminating connection" right
					// behind it in the same packet (a backend killed as it starts) is read before an
					// awaiting caller runs; with no 'error' listener by then the process would exit.
					connect: () =>
						new Promise<pg.PoolClient>((resolve, reject) => {
							pool.connect((err, client) => {
								if (err || !client) {
									availability.report(err);
									reject(err ?? new Error('no connection from the pool'));
									return;
								}
								// A connection held between queries (inside a transaction) gets the same event.
								if (!watched.has(client)) {
									watched.add(client);
									client.on('error', (e) => availability.report(e));
								}
								resolve(client);
							});
						}),
					end: () => pool.end()
				}
			}),
			log: (event) => {
				if (event.level === 'error') availability.report(event.error);
			}
		});
		return {
			db,
			dialect: 'postgres',
			raw: { kind: 'postgres', client: pool },
			url: url!,
			availability,
			close: async () => {
				availability.close();
				await db.destroy();
			}
		};
	}
	const path = sqlitePath(url);
	if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
	const client = new SQLite(path);
	client.pragma('journal_mode = WAL');
	client.pragma('foreign_keys = ON');
	client.pragma('busy_timeout = 5000');
	client.pragma('synchronous = NORMAL');
	// SQLite's own lower() folds ASCII only: "Żeromskiego" would never match "żeromskiego" in a
	// search. PostgreSQL's folds every letter; this makes SQLite's do the same.
	client.function('lower', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLocaleLowerCase('pl-PL') : s));
	const db = new Kysely<DB>({ dialect: new TransactionalSqliteDialect({ database: withStatementCache(client) }) });
	return {
		db,
		dialect: 'sqlite',
		raw: { kind: 'sqlite', client },
		url: url ?? `file:${path}`,
		availability: ALWAYS_AVAILABLE,
		close: () => db.destroy()
	};
}

