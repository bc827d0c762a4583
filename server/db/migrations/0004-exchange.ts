import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * What happened on site, as the fitters' sync brings it in (readings and photos are in 0002):
 * the exchange of one job (both meters, checklist, commissioning in the head-end system,
 * signature, protocol), the outage, seals, and no-access visits. The planner's dashboard, billing
 * export and review lists read these tables.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	await db.schema
		.createTable('exchanges')
		.addColumn('job_id', 'text', (c) => c.primaryKey().references('jobs.id'))
		.addColumn('old_meter_serial', 'text')
		/** 1: the scanned old meter was not the job's expected one and the fitter overrode it. */
		.addColumn('old_meter_mismatch', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('mismatch_reason', 'text')
		.addColumn('mismatch_photo_sha256', 'text')
		/** 1: a broken or missing seal on the old meter (suspected irregularity). */
		.addColumn('irregularity_suspected', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('new_meter_serial', 'text')
		.addColumn('new_meter_id', 'text', (c) => c.references('meters.id'))
		.addColumn('new_meter_model', 'text')
		/** Set when the fitted LZO was not in the fitter's stock. */
		.addColumn('not_in_stock_reason', 'text')
		.addColumn('contactor_closed', 'integer')
		.addColumn('tariff_programmed', 'text')
		.addColumn('wmbus_enabled', 'integer')
		.addColumn('wmbus_requested', 'integer')
		.addColumn('voltage_ok', 'integer')
		.addColumn('commissioning_state', 'text', (c) =>
			c.notNull().defaultTo('not_requested').check(sql`commissioning_state in ('not_requested', 'pending', 'communicating', 'failed', 'escalated')`)
		)
		.addColumn('commissioning_attempts', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('commissioning_error', 'text')
		.addColumn('commissioning_updated_at', 'text')
		.addColumn('hes_request_id', 'text')
		.addColumn('signature_kind', 'text', (c) => c.check(sql`signature_kind in ('resident', 'stairwell')`))
		.addColumn('signature_sha256', 'text')
		.addColumn('protocol_sha256', 'text')
		.addColumn('user_id', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('updated_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('exchanges_commissioning').on('exchanges').column('commissioning_state').execute();

	await db.schema
		.createTable('outages')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
		/** Power off and restored, ISO instants from the device; on_at null while the power is off. */
		.addColumn('off_at', 'text', (c) => c.notNull())
		.addColumn('on_at', 'text')
		.addColumn('overrun_reason', 'text')
		.addColumn('user_id', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('outages_job').on('outages').column('job_id').execute();

	await db.schema
		.createTable('seals')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
		.addColumn('meter_role', 'text', (c) => c.notNull().check(sql`meter_role in ('old', 'new')`))
		.addColumn('number', 'text')
		/** Old meter: intact | broken | missing; new meter: applied. */
		.addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('intact', 'broken', 'missing', 'applied')`))
		.addColumn('photo_sha256', 'text')
		.addColumn('user_id', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('seals_job').on('seals').column('job_id').execute();

	await db.schema
		.createTable('no_access_visits')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
		.addColumn('attempt', 'integer', (c) => c.notNull())
		.addColumn('notice_left', 'integer', (c) => c.notNull())
		.addColumn('photo_sha256', 'text')
		.addColumn('at', 'text', (c) => c.notNull())
		.addColumn('user_id', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('no_access_visits_job').on('no_access_visits').column('job_id').execute();
}
