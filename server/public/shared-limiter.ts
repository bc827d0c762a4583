import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { isRateLimited } from '../auth/limits';
import { log } from '../log';

interface KeyState {
	/** Points the database held for the key when this instance last read it (all instances' takes). */
	shared: number;
	/** Points taken here since then and not yet written to the database. */
	pending: number;
	/** When the key's window ends (epoch ms). */
	resetAt: number;
	/** When `shared` was read. */
	syncedAt: number;
}

export interface SharedLimiterOptions {
	/** How long what was read from the database may decide here without asking again. */
	freshMs?: number;
	/** How often the points taken here are written to the database. */
	flushMs?: number;
}

/**
 * A rate-limiter-flexible database limiter (counters shared by every instance), with write-behind
 * for busy keys so a page under load does not wait for two database writes per request.
 *
 * A point is taken in the database — exact and shared — unless this instance read the key's count
 * within the last `freshMs` and that count plus the points taken here since stays within half the
 * limit. Then it is taken here, and the points taken here are added to the database every
 * `flushMs` (one statement per key, reading the shared count back) or with the key's next
 * database take. Near a limit every take goes to the database, so one instance never lets a key
 * past it; several instances together can get a burst within one flush interval past it only when
 * more than two of them each take half the limit for one key in that interval.
 */
export class SharedLimiter {
	private readonly keys = new Map<string, KeyState>();
	private readonly freshMs: number;
	private readonly localShare: number;
	private readonly timer: ReturnType<typeof setInterval>;
	private flushing: Promise<void> | null = null;

	constructor(
		readonly store: RateLimiterAbstract,
		opts: SharedLimiterOptions = {}
	) {
		this.freshMs = opts.freshMs ?? 1000;
		this.localShare = Math.floor(store.points / 2);
		this.timer = setInterval(() => void this.flush(), opts.flushMs ?? 200);
		this.timer.unref();
	}

	/** Whether the next point for `key` can be taken here, synchronously (`takeHere`). */
	hasPointHere(key: string, now = Date.now()): boolean {
		const s = this.keys.get(key);
		return !!s && now < s.resetAt && now - s.syncedAt < this.freshMs && s.shared + s.pending < this.localShare;
	}

	/** Takes a point here, after `hasPointHere` said yes. */
	takeHere(key: string): void {
		this.keys.get(key)!.pending++;
	}

	/** Takes a point: 0 when allowed, else milliseconds to wait. Refused takes count, as in the store. */
	async take(key: string): Promise<number> {
		const now = Date.now();
		if (this.hasPointHere(key, now)) {
			this.takeHere(key);
			return 0;
		}
		// The points taken here and not yet written go with this one, so the database's answer is exact.
		const s = this.keys.get(key);
		const carried = s && now < s.resetAt ? s.pending : 0;
		if (s) s.pending = 0;
		try {
			const res = await this.store.consume(key, 1 + carried);
			this.remember(key, res.consumedPoints, res.msBeforeNext, now);
			return 0;
		} catch (e) {
			if (!isRateLimited(e)) {
				if (s) s.pending += carried;
				throw e;
			}
			this.remember(key, e.consumedPoints, e.msBeforeNext, now);
			return Math.max(1, e.msBeforeNext);
		}
	}

	private remember(key: string, shared: number, msBeforeNext: number, now: number) {
		const s = this.keys.get(key);
		const resetAt = now + Math.max(0, msBeforeNext);
		if (s) Object.assign(s, { shared, resetAt, syncedAt: now });
		else this.keys.set(key, { shared, pending: 0, resetAt, syncedAt: now });
	}

	/** Writes the points taken here to the database; forgets keys gone quiet. */
	flush(): Promise<void> {
		return (this.flushing ??= this.writePending().finally(() => (this.flushing = null)));
	}

	private async writePending(): Promise<void> {
		const now = Date.now();
		const writes: Promise<void>[] = [];
		for (const [key, s] of this.keys) {
			if (s.pending === 0 || now >= s.resetAt) {
				// A window that ended takes its unwritten points with it, as the store's own would.
				if (now >= s.resetAt || now - s.syncedAt >= this.freshMs) this.keys.delete(key);
				continue;
			}
			const points = s.pending;
			s.pending = 0;
			writes.push(
				this.store.penalty(key, points).then(
					(res) => this.remember(key, res.consumedPoints, res.msBeforeNext, Date.now()),
					(err) => {
						s.pending += points;
						log.error({ err, limiter: this.store.keyPrefix }, 'rate limit counters could not be written; retrying');
					}
				)
			);
		}
		await Promise.all(writes);
	}

	/** Final write at shutdown. */
	async close(): Promise<void> {
		clearInterval(this.timer);
		await this.flush();
	}
}

/**
 * Takes one point from each (limiter, key) — every key is counted even when another is exhausted —
 * and answers the longest wait in seconds, or null when all allow it.
 */
export async function takePoints(pairs: Array<[SharedLimiter, string]>): Promise<number | null> {
	const waits = await Promise.all(pairs.map(([limiter, key]) => limiter.take(key)));
	const wait = Math.max(...waits);
	return wait > 0 ? Math.ceil(wait / 1000) : null;
}

/**
 * The synchronous form, for an answer served from memory: when every key's point can be taken
 * here, takes them and answers true; otherwise takes nothing and answers false (the request then
 * goes the full way, which takes the points in the database and shows any wait).
 */
export function takePointsHere(pairs: Array<[SharedLimiter, string]>, now = Date.now()): boolean {
	for (const [limiter, key] of pairs) if (!limiter.hasPointHere(key, now)) return false;
	for (const [limiter, key] of pairs) limiter.takeHere(key);
	return true;
}
