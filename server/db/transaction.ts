import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema';

/**
 * Runs `fn` in a transaction: the caller's when it already is one (the demo seed writes its whole
 * world in one), otherwise a new one. Lets a service be used alone or as a step of a larger write.
 */
export function withTransaction<T>(db: Kysely<DB>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
	return db.isTransaction ? fn(db as Transaction<DB>) : db.transaction().execute(fn);
}
