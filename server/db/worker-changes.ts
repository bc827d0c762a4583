import pg from 'pg';
import { log } from '../log';
import { pgConfig, type Database } from './database';

/**
 * A version of the `workers` table: it differs after any committed change to it, made by this
 * process or another one (see migration 0009). `null` means "not known right now": whoever caches
 * from workers must not serve from the cache then.
 */
export interface WorkerChanges {
	version(): number | null;
	close(): Promise<void>;
}

export function watchWorkerChanges(database: Database): WorkerChanges {
	return database.raw.kind === 'sqlite' ? sqliteCounter(database.raw.client) : postgresListener(database.url);
}

/** One indexed row, read synchronously: a couple of microseconds. */
function sqliteCounter(client: import('better-sqlite3').Database): WorkerChanges {
	const read = client.prepare(`select value from change_counters where name = 'workers'`).pluck();
	return {
		version: () => read.get() as number,
		close: async () => {}
	};
}

const CHANNEL = 'wymiana_workers';
const RETRY_MS = [100, 500, 1000, 5000];

/**
 * LISTEN on a connection of its own. Every notification for our schema moves the version on;
 * while the connection is down the version is unknown (null), and after a reconnect it is a new
 * number, because changes may have been missed in between.
 */
function postgresListener(url: string): WorkerChanges {
	let counter = 0;
	let listening = false;
	let closed = false;
	let client: pg.Client | null = null;
	let attempt = 0;
	let retryTimer: ReturnType<typeof setTimeout> | undefined;

	const connect = async () => {
		const c = new pg.Client(pgConfig(url));
		client = c;
		const lost = (err?: Error) => {
			if (client !== c) return;
			listening = false;
			client = null;
			c.removeAllListeners();
			// Anything the dying connection still reads (a second error in the same packet) must not
			// be an unhandled 'error' event.
			c.on('error', () => {});
			void c.end().catch(() => {});
			if (closed) return;
			if (err) log.warn({ err }, 'workers change listener lost; cached badge pages are off until it is back');
			retryTimer = setTimeout(() => void connect(), RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]);
			retryTimer.unref();
		};
		c.on('error', lost);
		c.on('end', () => lost());
		try {
			await c.connect();
			const schema = (await c.query<{ schema: string }>('select current_schema() as schema')).rows[0]!.schema;
			c.on('notification', (n) => {
				if (n.channel === CHANNEL && n.payload === schema) counter++;
			});
			await c.query(`listen ${CHANNEL}`);
			if (client !== c) return;
			counter++;
			listening = true;
			attempt = 0;
		} catch (err) {
			lost(err as Error);
		}
	};
	void connect();

	return {
		version: () => (listening ? counter : null),
		close: async () => {
			closed = true;
			clearTimeout(retryTimer);
			const c = client;
			client = null;
			listening = false;
			await c?.end().catch(() => {});
		}
	};
}
