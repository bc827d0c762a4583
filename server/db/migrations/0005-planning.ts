import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * Planning: each crew's working week and hours, fitters' absences, and the record of CSV imports
 * (who imported what, with the counts of the change report).
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	// ISO weekdays the crew works (1 = Monday … 7 = Sunday), comma-separated; Warsaw wall-clock hours.
	await db.schema.alterTable('crews').addColumn('work_days', 'text', (c) => c.notNull().defaultTo('1,2,3,4,5')).execute();
	await db.schema.alterTable('crews').addColumn('work_start', 'text', (c) => c.notNull().defaultTo('08:00')).execute();
	await db.schema.alterTable('crews').addColumn('work_end', 'text', (c) => c.notNull().defaultTo('16:00')).execute();

	await db.schema
		.createTable('absences')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('worker_id', 'text', (c) => c.notNull().references('workers.id'))
		/** Inclusive Warsaw calendar days, YYYY-MM-DD. */
		.addColumn('from_date', 'text', (c) => c.notNull())
		.addColumn('to_date', 'text', (c) => c.notNull())
		.addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('leave', 'sick', 'training', 'other')`))
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('absences_worker').on('absences').columns(['worker_id', 'from_date']).execute();

	await db.schema
		.createTable('import_runs')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('file_name', 'text', (c) => c.notNull())
		.addColumn('user_id', 'text')
		.addColumn('rows', 'integer', (c) => c.notNull())
		.addColumn('added', 'integer', (c) => c.notNull())
		.addColumn('updated', 'integer', (c) => c.notNull())
		.addColumn('unchanged', 'integer', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
}
