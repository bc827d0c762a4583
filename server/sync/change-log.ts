import { sql, type Kysely, type Transaction } from 'kysely';
import { insertRows, prepared } from '../db/prepared';
import type { DB, SyncEntity } from '../db/schema';
import { nowIso } from '../util/ids';

export interface Change {
	entity: SyncEntity;
	id: string;
	op: 'put' | 'del';
	crewId?: string | null;
	userId?: string | null;
	data?: unknown;
}

const takeSeqs = prepared((db, p: { count: number }) =>
	db.updateTable('counters').set({ value: sql`value + ${p.count}` }).where('name', '=', 'change').returning('value')
);

/**
 * Appends changes to the log the tablets pull from. Every writer of data a tablet holds (sync
 * mutations, blob uploads, the planner's edits) goes through here, inside its own transaction.
 * The counter row stays locked until that transaction commits, so numbers appear in commit order.
 */
export async function recordChanges(trx: Transaction<DB>, changes: Change[]): Promise<void> {
	if (changes.length === 0) return;
	const [counter] = await takeSeqs(trx, { count: changes.length });
	if (!counter) throw new Error('the change counter row is missing');
	const first = Number(counter.value) - changes.length + 1;
	const at = nowIso();
	await insertRows(
		trx,
		'change_log',
		changes.map((c, i) => ({
			seq: first + i,
			entity: c.entity,
			entity_id: c.id,
			op: c.op,
			crew_id: c.crewId ?? null,
			user_id: c.userId ?? null,
			data: c.data === undefined ? null : JSON.stringify(c.data),
			at
		}))
	);
}

export async function currentSeq(db: Kysely<DB>): Promise<number> {
	const row = await db.selectFrom('counters').select('value').where('name', '=', 'change').executeTakeFirstOrThrow();
	return Number(row.value);
}

/** Changes after `cursor` for one fitter (their crew's and their own), oldest first. */
export function changesSince(db: Kysely<DB>, cursor: number, scope: { crewId: string | null; userId: string }, limit: number) {
	return db
		.selectFrom('change_log')
		.select(['seq', 'entity', 'entity_id', 'op', 'data'])
		.where('seq', '>', cursor)
		.where((eb) => {
			const ors = [eb('user_id', '=', scope.userId)];
			if (scope.crewId) ors.push(eb('crew_id', '=', scope.crewId));
			return eb.or(ors);
		})
		.orderBy('seq')
		.limit(limit)
		.execute();
}
