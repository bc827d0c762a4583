import type { Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * "The fitter is on the way" messages are optional per crew (a contractor's crews may not want
 * their residents told when the previous job starts): 1 = sent, 0 = not. On by default.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	await db.schema.alterTable('crews').addColumn('announce_arrival', 'integer', (c) => c.notNull().defaultTo(1)).execute();
}
