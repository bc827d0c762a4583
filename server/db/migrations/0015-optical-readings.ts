import type { Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * Readings taken through the meter's optical port (IEC 62056-21): where each value came from, the
 * raw telegram it was read from (base64, its checksum included) and, for a value typed over an
 * optical one, the fitter's reason. One column per statement: SQLite adds one at a time.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	await db.schema.alterTable('readings').addColumn('source', 'text', (c) => c.notNull().defaultTo('manual')).execute();
	await db.schema.alterTable('readings').addColumn('telegram', 'text').execute();
	await db.schema.alterTable('readings').addColumn('correction_reason', 'text').execute();
}
