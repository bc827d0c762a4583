import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index';

/** Core tables. Portable DDL: text ids, ISO text timestamps, 0/1 integers for booleans. */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
	const bytes = dialect === 'postgres' ? sql`bytea` : sql`blob`;

	await db.schema
		.createTable('blobs')
		.addColumn('sha256', 'text', (c) => c.primaryKey())
		.addColumn('content_type', 'text', (c) => c.notNull())
		.addColumn('size', 'integer', (c) => c.notNull())
		.addColumn('data', bytes, (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();

	await db.schema
		.createTable('crews')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('name', 'text', (c) => c.notNull().unique())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();

	await db.schema
		.createTable('workers')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('first_name', 'text', (c) => c.notNull())
		.addColumn('last_name', 'text', (c) => c.notNull())
		.addColumn('company', 'text', (c) => c.notNull())
		.addColumn('badge_number', 'text', (c) => c.notNull().unique())
		.addColumn('photo_sha256', 'text', (c) => c.references('blobs.sha256'))
		.addColumn('status', 'text', (c) =>
			c.notNull().check(sql`status in ('active', 'suspended', 'revoked')`)
		)
		.addColumn('valid_until', 'text', (c) => c.notNull())
		.addColumn('code_secret', 'text', (c) => c.notNull())
		.addColumn('crew_id', 'text', (c) => c.references('crews.id'))
		.addColumn('is_demo', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('updated_at', 'text', (c) => c.notNull())
		.execute();

	await db.schema
		.createTable('users')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('login', 'text', (c) => c.notNull().unique())
		.addColumn('display_name', 'text', (c) => c.notNull())
		.addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('fitter', 'planner', 'admin')`))
		.addColumn('password_hash', 'text', (c) => c.notNull())
		.addColumn('totp_secret', 'text')
		.addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('totp_last_step', 'integer')
		.addColumn('worker_id', 'text', (c) => c.references('workers.id').unique())
		.addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('is_demo', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('updated_at', 'text', (c) => c.notNull())
		.execute();

	await db.schema
		.createTable('sessions')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		.addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('browser', 'device')`))
		.addColumn('device_label', 'text')
		.addColumn('mfa_verified', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('user_agent', 'text')
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('last_seen_at', 'text', (c) => c.notNull())
		.addColumn('expires_at', 'text', (c) => c.notNull())
		.addColumn('revoked_at', 'text')
		.execute();
	await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

	await db.schema
		.createTable('estates')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('name', 'text', (c) => c.notNull())
		.addColumn('city', 'text', (c) => c.notNull())
		.addColumn('is_demo', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addUniqueConstraint('estates_name_city', ['name', 'city'])
		.execute();

	await db.schema
		.createTable('buildings')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('estate_id', 'text', (c) => c.notNull().references('estates.id'))
		.addColumn('street', 'text', (c) => c.notNull())
		.addColumn('number', 'text', (c) => c.notNull())
		.addColumn('postcode', 'text', (c) => c.notNull())
		.addColumn('city', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addUniqueConstraint('buildings_address', ['street', 'number', 'postcode', 'city'])
		.execute();
	await db.schema.createIndex('buildings_estate').on('buildings').column('estate_id').execute();

	await db.schema
		.createTable('meter_points')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('ppe', 'text', (c) => c.notNull().unique())
		.addColumn('building_id', 'text', (c) => c.notNull().references('buildings.id'))
		.addColumn('stairwell', 'text', (c) => c.notNull())
		.addColumn('flat', 'text')
		.addColumn('location', 'text', (c) =>
			c.notNull().check(sql`location in ('stairwell', 'in_home')`)
		)
		.addColumn('tariff_group', 'text', (c) => c.notNull())
		.addColumn('prosumer', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('resident_phone', 'text')
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('updated_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema
		.createIndex('meter_points_building')
		.on('meter_points')
		.columns(['building_id', 'stairwell'])
		.execute();

	await db.schema
		.createTable('meters')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('serial', 'text', (c) => c.notNull().unique())
		.addColumn('manufacturer', 'text', (c) => c.notNull())
		.addColumn('model', 'text', (c) => c.notNull())
		.addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('conventional', 'lzo')`))
		.addColumn('state', 'text', (c) =>
			c.notNull().check(sql`state in ('installed', 'in_stock', 'removed')`)
		)
		.addColumn('meter_point_id', 'text', (c) => c.references('meter_points.id'))
		.addColumn('holder_user_id', 'text', (c) => c.references('users.id'))
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('updated_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('meters_point').on('meters').column('meter_point_id').execute();
	await db.schema.createIndex('meters_holder').on('meters').column('holder_user_id').execute();

	await db.schema
		.createTable('jobs')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('meter_point_id', 'text', (c) => c.notNull().references('meter_points.id'))
		.addColumn('crew_id', 'text', (c) => c.references('crews.id'))
		.addColumn('planned_date', 'text')
		.addColumn('window_start', 'text')
		.addColumn('window_end', 'text')
		.addColumn('sequence', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('status', 'text', (c) =>
			c
				.notNull()
				.check(
					sql`status in ('planned', 'in_progress', 'done', 'no_access', 'turned_back', 'cancelled')`
				)
		)
		.addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('updated_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema
		.createIndex('jobs_crew_date')
		.on('jobs')
		.columns(['crew_id', 'planned_date', 'sequence'])
		.execute();
	await db.schema.createIndex('jobs_point').on('jobs').column('meter_point_id').execute();

	await db.schema
		.createTable('audit_log')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('at', 'text', (c) => c.notNull())
		.addColumn('user_id', 'text')
		.addColumn('session_kind', 'text')
		.addColumn('device', 'text')
		.addColumn('ip', 'text')
		.addColumn('action', 'text', (c) => c.notNull())
		.addColumn('entity', 'text', (c) => c.notNull())
		.addColumn('entity_id', 'text')
		.addColumn('changes', 'text')
		.execute();
	await db.schema.createIndex('audit_entity').on('audit_log').columns(['entity', 'entity_id']).execute();

	// Counters of rate-limiter-flexible (its own layout), shared by every server instance.
	await db.schema
		.createTable('rate_limits')
		.addColumn('key', 'text', (c) => c.primaryKey())
		.addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('expire', 'bigint')
		.execute();

	// Append-only, enforced by the database itself, not only by the code that writes it.
	if (dialect === 'postgres') {
		await sql`create function audit_log_append_only() returns trigger language plpgsql as $$
			begin raise exception 'audit_log is append-only'; end $$`.execute(db);
		await sql`create trigger audit_log_no_update before update or delete on audit_log
			for each row execute function audit_log_append_only()`.execute(db);
	} else {
		await sql`create trigger audit_log_no_update before update on audit_log
			begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
		await sql`create trigger audit_log_no_delete before delete on audit_log
			begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
	}
}
