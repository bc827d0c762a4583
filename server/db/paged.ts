import { nextTurn } from '../util/turns';

/** Rows per page of a long read: a few milliseconds of SQLite work. */
export const PAGE_ROWS = 5000;

/**
 * Reads every row of a query in pages by ascending `id` (keyset), giving the event loop a turn
 * between pages. On SQLite the driver is synchronous: one 100 k-row read would make every other
 * request wait for it; in pages, they wait for one page at most.
 */
export async function readInPages<T extends { id: string }>(page: (after: string | null, limit: number) => Promise<T[]>, limit = PAGE_ROWS): Promise<T[]> {
	const out: T[] = [];
	let after: string | null = null;
	for (;;) {
		const rows = await page(after, limit);
		for (const r of rows) out.push(r);
		if (rows.length < limit) return out;
		after = rows[rows.length - 1]!.id;
		await nextTurn();
	}
}
