import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * A disabled account makes its worker's badge read as not valid (server/badges), so a change to who
 * is disabled, or which worker an account belongs to, must retire cached badge pages exactly as a
 * change to `workers` does (migration 0009): the same counter on SQLite, the same NOTIFY on PostgreSQL.
 */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
	if (dialect === 'postgres') {
		await sql`create trigger users_standing_changed after insert or delete or update of disabled, worker_id on users
			for each statement execute function workers_changed_notify()`.execute(db);
		return;
	}
	await sql.raw(`create trigger users_standing_changed_insert after insert on users
		begin update change_counters set value = value + 1 where name = 'workers'; end`).execute(db);
	await sql.raw(`create trigger users_standing_changed_delete after delete on users
		begin update change_counters set value = value + 1 where name = 'workers'; end`).execute(db);
	await sql.raw(`create trigger users_standing_changed_update after update of disabled, worker_id on users
		begin update change_counters set value = value + 1 where name = 'workers'; end`).execute(db);
}
