import type { Kysely } from 'kysely';
import type { Database } from './db/database';
import type { DB } from './db/schema';
import { createLimiters, defaultSignInPolicy, type Limiters, type SignInPolicy } from './auth/limits';
import { blobStoreFromEnv, type BlobStore } from './blobs/blob-store';
import { syncAdmission, type Admission } from './util/admission';

/** Everything a request handler needs that outlives the request. Created once per process. */
export interface Services {
	database: Database;
	db: Kysely<DB>;
	limiters: Limiters;
	/** Where photo, signature and portrait bytes live (the database keeps their metadata). */
	blobs: BlobStore;
	/** Syncs wait their turn here rather than for a pooled connection (see util/admission.ts). */
	syncs: Admission;
}

export function createServices(database: Database, opts: { signInPolicy?: Partial<SignInPolicy>; blobs?: BlobStore } = {}): Services {
	return { database, db: database.db, limiters: createLimiters(database, { ...defaultSignInPolicy, ...opts.signInPolicy }), blobs: opts.blobs ?? blobStoreFromEnv(), syncs: syncAdmission() };
}
