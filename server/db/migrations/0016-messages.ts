import type { Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * Messages to residents (booking confirmations, reminders, changes) as an outbox: a row is written
 * in the same transaction as the change that causes it, and a worker on every instance claims due
 * rows with a conditional UPDATE (claim token + expiry), as the head-end requests are claimed.
 * Meter points get the resident's e-mail (in-home only, erased with the phone by the purge) and a
 * stop mark with the short code of the stop link.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	await db.schema.alterTable('meter_points').addColumn('resident_email', 'text').execute();
	/** When the resident asked for no more messages about this point (STOP reply or link). */
	await db.schema.alterTable('meter_points').addColumn('messages_stopped_at', 'text').execute();
	/** Short random code of the point's stop link (/stop/<code>); made with its first message. */
	await db.schema.alterTable('meter_points').addColumn('stop_code', 'text').execute();
	await db.schema.createIndex('meter_points_stop_code').on('meter_points').column('stop_code').unique().execute();

	await db.schema
		.createTable('messages')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('job_id', 'text', (c) => c.references('jobs.id'))
		.addColumn('meter_point_id', 'text', (c) => c.notNull().references('meter_points.id'))
		/** sms | email */
		.addColumn('channel', 'text', (c) => c.notNull())
		/** Phone number or e-mail address; erased once the message is settled and by the purge. */
		.addColumn('recipient', 'text')
		/** booking_confirmed | reminder_day_before | reminder_morning | visit_moved | visit_cancelled */
		.addColumn('template', 'text', (c) => c.notNull())
		/** JSON of the template's parameters (reference, window); nothing personal. */
		.addColumn('params', 'text', (c) => c.notNull())
		/** The text as rendered when it was handed over (kept; it holds no phone number or address). */
		.addColumn('subject', 'text')
		.addColumn('body', 'text')
		/** pending | claimed | sending | sent | logged | failed | uncertain | cancelled | stopped */
		.addColumn('state', 'text', (c) => c.notNull())
		.addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('next_at', 'text', (c) => c.notNull())
		.addColumn('claim', 'text')
		.addColumn('claimed_until', 'text')
		.addColumn('provider_id', 'text')
		.addColumn('last_error', 'text')
		/** Makes the reminder sweep idempotent across instances: one reminder per job, window and kind. */
		.addColumn('dedupe_key', 'text', (c) => c.unique())
		.addColumn('resend_of', 'text')
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('updated_at', 'text', (c) => c.notNull())
		.addColumn('sent_at', 'text')
		.execute();
	await db.schema.createIndex('messages_due').on('messages').columns(['state', 'next_at']).execute();
	await db.schema.createIndex('messages_job').on('messages').columns(['job_id', 'created_at']).execute();
	await db.schema.createIndex('messages_created').on('messages').column('created_at').execute();
}
