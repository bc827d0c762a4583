import type { Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * Field work after the office moved a job, and what residents tell us about one:
 * - `job_moves`: every change of a job's crew by the office, so a tablet of the crew that had the job
 *   can still deliver what it recorded offline (readings are billing facts) and those facts reach
 *   the crew that has the job now;
 * - `job_exceptions.attempt`: a "could not complete" is a visit attempt, counted like no-access;
 * - `suspicious_reports.job_id`: the job at the address the resident gave, around that day.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	await db.schema
		.createTable('job_moves')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
		.addColumn('from_crew_id', 'text')
		.addColumn('to_crew_id', 'text')
		.addColumn('at', 'text', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('job_moves_job_crew').on('job_moves').columns(['job_id', 'from_crew_id']).execute();

	await db.schema.alterTable('job_exceptions').addColumn('attempt', 'integer').execute();

	await db.schema.alterTable('suspicious_reports').addColumn('job_id', 'text').execute();
	await db.schema.createIndex('suspicious_reports_job').on('suspicious_reports').column('job_id').execute();
}
