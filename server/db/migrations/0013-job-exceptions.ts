import type { Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * The exceptions of real field work:
 * - "could not complete" on site (cabinet locked, unsafe installation, meter missing, customer
 *   refused, other) with a note and a photo; the job goes back to planning (status `no_access`,
 *   which the planner re-plans) with `jobs.exception_reason` saying why;
 * - a protocol the resident refused to sign: the name they gave (or none) and their reason, and
 *   the name of whoever did sign;
 * - the job each synced mutation was about, so a job's page lists what arrived from the tablets and
 *   when without reading the whole mutation log.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	await db.schema
		.createTable('job_exceptions')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
		.addColumn('reason', 'text', (c) => c.notNull())
		.addColumn('note', 'text')
		.addColumn('photo_sha256', 'text')
		.addColumn('at', 'text', (c) => c.notNull())
		.addColumn('user_id', 'text', (c) => c.notNull())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('job_exceptions_job').on('job_exceptions').column('job_id').execute();

	await db.schema.alterTable('jobs').addColumn('exception_reason', 'text').execute();

	await db.schema.alterTable('exchanges').addColumn('signer_name', 'text').execute();
	await db.schema.alterTable('exchanges').addColumn('signature_refused', 'integer', (c) => c.notNull().defaultTo(0)).execute();
	await db.schema.alterTable('exchanges').addColumn('refusal_reason', 'text').execute();

	await db.schema.alterTable('mutation_log').addColumn('job_id', 'text').execute();
	await db.schema.createIndex('mutation_log_job').on('mutation_log').column('job_id').execute();
}
