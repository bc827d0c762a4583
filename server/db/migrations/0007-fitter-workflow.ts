import type { Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * The fitter workflow: what the tablet needs to check on site (the old meter's seals and last
 * known readings), reading corrections kept beside the corrected reading, and the head-end
 * commissioning work queue (claimed with a database update, so several server instances share it).
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	await db.schema.alterTable('meters').addColumn('seal_numbers', 'text').execute();
	await db.schema.alterTable('meters').addColumn('last_readings', 'text').execute();
	await db.schema.alterTable('meters').addColumn('last_read_on', 'text').execute();

	await db.schema.alterTable('readings').addColumn('confirmed_unusual', 'integer', (c) => c.notNull().defaultTo(0)).execute();
	await db.schema.alterTable('readings').addColumn('corrects_reading_id', 'text').execute();

	await db.schema.alterTable('exchanges').addColumn('old_meter_id', 'text').execute();
	await db.schema.alterTable('exchanges').addColumn('commissioning_next_at', 'text').execute();
	await db.schema.alterTable('exchanges').addColumn('commissioning_claim', 'text').execute();
	await db.schema.alterTable('exchanges').addColumn('commissioning_claimed_until', 'text').execute();
	await db.schema.alterTable('exchanges').addColumn('completed_at', 'text').execute();
	await db.schema.createIndex('exchanges_commissioning_next').on('exchanges').columns(['commissioning_state', 'commissioning_next_at']).execute();
}
