import type { Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * Why a session ended: the user signed out or signed in anew ('user'), or an admin revoked it or
 * disabled the account ('admin'). Only the admin's case is reported to a device as "revoked".
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	await db.schema.alterTable('sessions').addColumn('revoked_reason', 'text').execute();
}
