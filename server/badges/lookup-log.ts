import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { log } from '../log';
import { logLookups, type LookupEntry } from './badges.repository';

/** Rows kept when the database refuses them for a while; older ones are dropped (and counted). */
const MAX_HELD = 50_000;

/** What makes look-ups one row of the log besides their client: the number, outcome and source. */
export function lookupKind(entry: Pick<LookupEntry, 'badgeInput' | 'workerId' | 'outcome' | 'source'>): string {
	return `${entry.badgeInput}\n${entry.workerId}\n${entry.outcome}\n${entry.source}`;
}

/**
 * The look-up log for answers served from memory: entries are collected and written every
 * `flushMs` in a few multi-row statements, identical ones (same client, number, outcome and
 * source) as one row with their number of hits and the time of the first. At most one interval's
 * entries are lost if the process is killed; a normal shutdown writes them (close()).
 */
export class LookupLogBuffer {
	private rows: Array<LookupEntry & { hits: number }> = [];
	private readonly same = new Map<string, LookupEntry & { hits: number }>();
	private readonly timer: ReturnType<typeof setInterval>;
	private writing: Promise<void> | null = null;

	constructor(
		private readonly db: Kysely<DB>,
		private readonly opts: { flushMs?: number; batchRows?: number } = {}
	) {
		this.timer = setInterval(() => void this.flush(), opts.flushMs ?? 250);
		this.timer.unref();
	}

	/**
	 * One look-up by `clientHash` of `kind` (lookupKind): a hit more on the row held for both, or a
	 * new row `entry()` makes — only then, since under load nearly every look-up repeats a held one.
	 */
	add(clientHash: string, kind: string, entry: () => LookupEntry): void {
		const key = `${clientHash}\n${kind}`;
		const held = this.same.get(key);
		if (held) {
			held.hits++;
			return;
		}
		const row = { ...entry(), hits: 1 };
		this.same.set(key, row);
		this.rows.push(row);
		if (this.rows.length >= (this.opts.batchRows ?? 5000)) void this.flush();
	}

	flush(): Promise<void> {
		return (this.writing ??= this.write().finally(() => (this.writing = null)));
	}

	private async write(): Promise<void> {
		while (this.rows.length > 0) {
			const batch = this.rows;
			this.rows = [];
			this.same.clear();
			try {
				await logLookups(this.db, batch);
			} catch (err) {
				this.rows = batch.concat(this.rows);
				const dropped = Math.max(0, this.rows.length - MAX_HELD);
				if (dropped > 0) this.rows.splice(0, dropped);
				log.error({ err, held: this.rows.length, dropped }, 'badge look-ups could not be logged; retrying');
				return;
			}
		}
	}

	async close(): Promise<void> {
		clearInterval(this.timer);
		await this.flush();
	}
}
