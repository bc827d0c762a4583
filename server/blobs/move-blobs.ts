import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { log } from '../log';
import { sha256Hex, type BlobStore } from './blob-store';

export interface MoveResult {
	moved: number;
	/** Rows whose bytes do not match their sha256: left in the table, reported, never copied. */
	damaged: string[];
	/** Rows still in the table (damaged ones included). */
	remaining: number;
}

/**
 * Moves blob bytes written before the blob store (migration 0014) out of the `blobs` table: each is
 * written to the store, read back and checked against its sha256, and only then emptied in the
 * table. Interrupted at any point it is simply run again: a row is either still whole in the table
 * or already in the store. Runs at every start in the background, and as `npm run cli -- blobs-move`.
 */
export async function moveBlobsToStore(db: Kysely<DB>, store: BlobStore, { batch = 20 } = {}): Promise<MoveResult> {
	const damaged: string[] = [];
	let moved = 0;
	for (;;) {
		let query = db.selectFrom('blobs').select(['sha256', 'data']).where('stored_in', 'is', null).orderBy('sha256').limit(batch);
		if (damaged.length) query = query.where('sha256', 'not in', damaged);
		const rows = await query.execute();
		if (rows.length === 0) break;
		for (const row of rows) {
			const bytes = Buffer.from(row.data);
			if ((await sha256Hex(bytes)) !== row.sha256) {
				damaged.push(row.sha256);
				log.error({ sha256: row.sha256 }, 'blob bytes do not match their sha256; left in the database');
				continue;
			}
			await store.put(row.sha256, bytes);
			const copy = await store.read(row.sha256);
			if (!copy || (await sha256Hex(copy)) !== row.sha256) throw new Error(`blob ${row.sha256}: the stored copy does not match; nothing was removed from the database`);
			await db.updateTable('blobs').set({ data: new Uint8Array(0), stored_in: store.kind }).where('sha256', '=', row.sha256).where('stored_in', 'is', null).execute();
			moved++;
		}
	}
	const { n } = await db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('n')).where('stored_in', 'is', null).executeTakeFirstOrThrow();
	return { moved, damaged, remaining: Number(n) };
}
