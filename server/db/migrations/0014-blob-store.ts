import type { Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * Photo, signature and portrait bytes move out of the database into a content-addressed store
 * (server/blobs/blob-store.ts). `stored_in` says where a blob's bytes are: null for rows written
 * before (bytes still in `data`, moved out by server/blobs/move-blobs.ts, resumably), 'fs' for the
 * filesystem store, where `data` is left empty (it stays NOT NULL so no table rebuild is needed).
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	await db.schema.alterTable('blobs').addColumn('stored_in', 'text').execute();
	await db.schema.createIndex('blobs_stored_in').on('blobs').column('stored_in').execute();
}
