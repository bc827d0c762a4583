import type { Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * One look-up log row can stand for several identical look-ups (same client, number, outcome and
 * source) made within a fraction of a second: a busy page logs every hit without a row per hit.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	await db.schema.alterTable('badge_lookups').addColumn('hits', 'integer', (c) => c.notNull().defaultTo(1)).execute();
}
