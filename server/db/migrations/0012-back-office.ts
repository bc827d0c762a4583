import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index';

const OLD_ROLES = `role in ('fitter', 'planner', 'admin')`;
const NEW_ROLES = `role in ('fitter', 'planner', 'admin', 'warehouse')`;

/**
 * The back office: a `warehouse` role, badge states with their reason and who/when, numbers a
 * worker no longer carries (they still read as revoked on /verify), and the meter and seal stock as
 * an append-only list of movements.
 */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
	await allowWarehouseRole(db, dialect);

	await db.schema.alterTable('workers').addColumn('valid_from', 'text').execute();
	await db.schema.alterTable('workers').addColumn('status_reason', 'text').execute();
	await db.schema.alterTable('workers').addColumn('status_changed_at', 'text').execute();
	await db.schema.alterTable('workers').addColumn('status_changed_by', 'text').execute();

	// A badge number replaced by a new one (lost, stolen): permanently revoked, never reissued.
	await db.schema
		.createTable('retired_badges')
		.addColumn('badge_number', 'text', (c) => c.primaryKey())
		.addColumn('worker_id', 'text', (c) => c.notNull().references('workers.id'))
		.addColumn('reason', 'text', (c) => c.notNull())
		.addColumn('retired_at', 'text', (c) => c.notNull())
		.addColumn('retired_by', 'text')
		.execute();

	await db.schema
		.createTable('deliveries')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('reference', 'text', (c) => c.notNull())
		.addColumn('meters', 'integer', (c) => c.notNull())
		.addColumn('seals', 'integer', (c) => c.notNull())
		.addColumn('user_id', 'text')
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();

	// Numbered seals: in the warehouse (holder null), on a fitter, or used on a meter.
	await db.schema
		.createTable('seal_stock')
		.addColumn('number', 'text', (c) => c.primaryKey())
		.addColumn('delivery_id', 'text', (c) => c.notNull().references('deliveries.id'))
		.addColumn('holder_user_id', 'text', (c) => c.references('users.id'))
		.addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('in_stock', 'used')`))
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('updated_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('seal_stock_holder').on('seal_stock').column('holder_user_id').execute();

	// Every move of a meter or seal is a row; the current holder is derived state kept alongside.
	await db.schema
		.createTable('stock_movements')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('at', 'text', (c) => c.notNull())
		.addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('delivery', 'issue', 'return', 'fit', 'hand_in')`))
		.addColumn('item', 'text', (c) => c.notNull().check(sql`item in ('meter', 'seal', 'removed_meter')`))
		.addColumn('serial', 'text', (c) => c.notNull())
		.addColumn('meter_id', 'text')
		.addColumn('from_user_id', 'text')
		.addColumn('to_user_id', 'text')
		.addColumn('job_id', 'text')
		.addColumn('delivery_id', 'text')
		.addColumn('by_user_id', 'text')
		.execute();
	await db.schema.createIndex('stock_movements_to').on('stock_movements').columns(['to_user_id', 'at']).execute();
	await db.schema.createIndex('stock_movements_from').on('stock_movements').columns(['from_user_id', 'at']).execute();
	await db.schema.createIndex('stock_movements_serial').on('stock_movements').columns(['serial']).execute();
	await db.schema.createIndex('stock_movements_job').on('stock_movements').columns(['job_id']).execute();

	await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at']).execute();
}

/**
 * The role's CHECK constraint takes the new role. PostgreSQL alters it in place; SQLite cannot,
 * so the table is rebuilt the documented way (foreign keys off, copy, swap; migrations on SQLite
 * run outside a transaction) keeping its indexes and triggers (earlier migrations may add some).
 */
async function allowWarehouseRole(db: Kysely<unknown>, dialect: MigrationContext['dialect']): Promise<void> {
	if (dialect === 'postgres') {
		await sql`alter table users drop constraint users_role_check`.execute(db);
		await sql.raw(`alter table users add constraint users_role_check check (${NEW_ROLES})`).execute(db);
		return;
	}
	const { rows } = await sql<{ type: string; name: string; sql: string | null }>`
		select type, name, sql from sqlite_master where tbl_name = 'users'`.execute(db);
	const table = rows.find((r) => r.type === 'table')!.sql!;
	if (!table.includes(OLD_ROLES)) throw new Error('users: role constraint not as expected');
	const others = rows.filter((r) => r.type !== 'table' && r.sql).map((r) => r.sql!);
	await sql`pragma foreign_keys = off`.execute(db);
	try {
		await sql.raw(table.replace(OLD_ROLES, NEW_ROLES).replace(/^create table\s+("?users"?)/i, 'create table users_new')).execute(db);
		await sql`insert into users_new select * from users`.execute(db);
		await sql`drop table users`.execute(db);
		await sql`alter table users_new rename to users`.execute(db);
		for (const statement of others) await sql.raw(statement).execute(db);
		const broken = await sql`pragma foreign_key_check`.execute(db);
		if (broken.rows.length > 0) throw new Error('users rebuild broke a foreign key');
	} finally {
		await sql`pragma foreign_keys = on`.execute(db);
	}
}
