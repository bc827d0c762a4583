import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * Every change to `workers`, by any process and any code path, is visible to the server's cache of
 * rendered badge pages (server/public/verify-cache.ts), so a revoked badge is never served from it:
 * - SQLite: a counter row bumped by triggers, read (one indexed row) before each cached answer;
 * - PostgreSQL: a NOTIFY on commit, with the schema as payload (several schemas share a database
 *   in tests and can share one in a deployment), heard by every instance's listener.
 */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
	if (dialect === 'postgres') {
		await sql`create function workers_changed_notify() returns trigger language plpgsql as $$
			begin perform pg_notify('wymiana_workers', current_schema()); return null; end $$`.execute(db);
		await sql`create trigger workers_changed after insert or update or delete on workers
			for each statement execute function workers_changed_notify()`.execute(db);
		return;
	}
	await db.schema
		.createTable('change_counters')
		.addColumn('name', 'text', (c) => c.primaryKey())
		.addColumn('value', 'integer', (c) => c.notNull().defaultTo(0))
		.execute();
	await sql`insert into change_counters (name, value) values ('workers', 0)`.execute(db);
	for (const event of ['insert', 'update', 'delete']) {
		await sql
			.raw(`create trigger workers_changed_${event} after ${event} on workers
			begin update change_counters set value = value + 1 where name = 'workers'; end`)
			.execute(db);
	}
}
