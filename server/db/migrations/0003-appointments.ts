import type { Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * In-home appointments. The planner's schedule offers slots (a time window on a day for a
 * building, served by one crew, with room for `capacity` visits); a resident books one for the
 * in-home meter of their flat and gets a booking reference. The job then carries the slot.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	await db.schema
		.createTable('appointment_slots')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('building_id', 'text', (c) => c.notNull().references('buildings.id'))
		.addColumn('crew_id', 'text', (c) => c.notNull().references('crews.id'))
		/** Warsaw calendar day, YYYY-MM-DD. */
		.addColumn('date', 'text', (c) => c.notNull())
		.addColumn('starts_at', 'text', (c) => c.notNull())
		.addColumn('ends_at', 'text', (c) => c.notNull())
		.addColumn('capacity', 'integer', (c) => c.notNull().defaultTo(1))
		/** Null until the planner publishes it (at least the minimum notice ahead); only published slots are bookable. */
		.addColumn('published_at', 'text')
		.addColumn('withdrawn_at', 'text')
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('appointment_slots_building_date').on('appointment_slots').columns(['building_id', 'date']).execute();
	await db.schema.createIndex('appointment_slots_crew_date').on('appointment_slots').columns(['crew_id', 'date']).execute();

	await db.schema
		.alterTable('jobs')
		.addColumn('slot_id', 'text', (c) => c.references('appointment_slots.id'))
		.execute();
	await db.schema.alterTable('jobs').addColumn('booking_reference', 'text').execute();
	await db.schema.alterTable('jobs').addColumn('booked_at', 'text').execute();
	await db.schema.createIndex('jobs_slot').on('jobs').column('slot_id').execute();
	await db.schema.createIndex('jobs_booking_reference').on('jobs').column('booking_reference').unique().execute();
}
