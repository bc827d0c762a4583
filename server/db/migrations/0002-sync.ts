import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * Offline sync: per-device mutation bookkeeping, a monotonic change log the tablets pull from,
 * and the field facts the mutations write (notes, readings, photos), plus office/field conflicts.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	// One row per named counter. Taking the next value locks the row until commit, so change
	// numbers become visible in order: a pull never skips a change that commits later.
	await db.schema
		.createTable('counters')
		.addColumn('name', 'text', (c) => c.primaryKey())
		.addColumn('value', 'bigint', (c) => c.notNull())
		.execute();
	await db.insertInto('counters' as never).values({ name: 'change', value: 0 } as never).execute();

	await db.schema
		.createTable('change_log')
		.addColumn('seq', 'bigint', (c) => c.primaryKey())
		.addColumn('entity', 'text', (c) => c.notNull())
		.addColumn('entity_id', 'text', (c) => c.notNull())
		.addColumn('op', 'text', (c) => c.notNull().check(sql`op in ('put', 'del')`))
		.addColumn('crew_id', 'text')
		.addColumn('user_id', 'text')
		.addColumn('data', 'text')
		.addColumn('at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('change_log_crew').on('change_log').columns(['crew_id', 'seq']).execute();
	await db.schema.createIndex('change_log_user').on('change_log').columns(['user_id', 'seq']).execute();

	await db.schema
		.createTable('sync_clients')
		.addColumn('client_id', 'text', (c) => c.primaryKey())
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
		.addColumn('last_mutation_id', 'bigint', (c) => c.notNull().defaultTo(0))
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('updated_at', 'text', (c) => c.notNull())
		.execute();

	await db.schema
		.createTable('mutation_log')
		.addColumn('client_id', 'text', (c) => c.notNull())
		.addColumn('mutation_id', 'bigint', (c) => c.notNull())
		.addColumn('name', 'text', (c) => c.notNull())
		.addColumn('args', 'text', (c) => c.notNull())
		.addColumn('user_id', 'text', (c) => c.notNull())
		.addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('applied', 'rejected')`))
		.addColumn('reason_code', 'text')
		.addColumn('reason_message', 'text')
		.addColumn('client_at', 'text', (c) => c.notNull())
		.addColumn('received_at', 'text', (c) => c.notNull())
		.addPrimaryKeyConstraint('mutation_log_pk', ['client_id', 'mutation_id'])
		.execute();
	await db.schema.createIndex('mutation_log_status').on('mutation_log').columns(['status', 'received_at']).execute();

	await db.schema.alterTable('jobs').addColumn('started_at', 'text').execute();
	await db.schema.alterTable('jobs').addColumn('completed_at', 'text').execute();

	await db.schema
		.createTable('job_notes')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('client_note_id', 'text', (c) => c.notNull())
		.addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
		.addColumn('user_id', 'text', (c) => c.notNull())
		.addColumn('text', 'text', (c) => c.notNull())
		.addColumn('at', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('job_notes_job').on('job_notes').column('job_id').execute();

	await db.schema
		.createTable('readings')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
		.addColumn('meter_role', 'text', (c) => c.notNull().check(sql`meter_role in ('old', 'new')`))
		.addColumn('register', 'text', (c) => c.notNull())
		// Decimal text: a billing value is never rounded through a float.
		.addColumn('value', 'text')
		.addColumn('unreadable_reason', 'text')
		.addColumn('photo_sha256', 'text')
		.addColumn('at', 'text', (c) => c.notNull())
		.addColumn('user_id', 'text', (c) => c.notNull())
		.addColumn('client_id', 'text', (c) => c.notNull())
		.addColumn('mutation_id', 'bigint', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('readings_job').on('readings').columns(['job_id', 'meter_role', 'register']).execute();

	await db.schema
		.createTable('job_photos')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
		.addColumn('sha256', 'text', (c) => c.notNull())
		.addColumn('kind', 'text', (c) => c.notNull())
		.addColumn('content_type', 'text', (c) => c.notNull())
		.addColumn('size', 'integer', (c) => c.notNull())
		.addColumn('at', 'text', (c) => c.notNull())
		.addColumn('user_id', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('job_photos_job').on('job_photos').column('job_id').execute();
	await db.schema.createIndex('job_photos_sha').on('job_photos').column('sha256').execute();

	await db.schema
		.createTable('sync_conflicts')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('entity', 'text', (c) => c.notNull())
		.addColumn('entity_id', 'text', (c) => c.notNull())
		.addColumn('field', 'text', (c) => c.notNull())
		.addColumn('office_value', 'text')
		.addColumn('field_value', 'text')
		.addColumn('client_id', 'text', (c) => c.notNull())
		.addColumn('mutation_id', 'bigint', (c) => c.notNull())
		.addColumn('user_id', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('resolved_at', 'text')
		.execute();
}
