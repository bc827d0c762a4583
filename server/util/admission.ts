import { AppError, SettingsError } from '../errors';

/**
 * Admission control: at most `slots` jobs run at once, the others wait their turn in arrival
 * order, and one that waited `maxWaitMs` is answered UNAVAILABLE (503 with Retry-After; tablets
 * retry). Put in front of the database pool for the sync, a fleet pushing at once queues here
 * instead of every push holding a pooled connection and taking its share of two cores: a request
 * that waits for a connection past DATABASE_CONNECT_TIMEOUT_MS counts as the database being away
 * (see db/availability.ts) and turns the whole instance to 503.
 */
export class Admission {
	private running = 0;
	private readonly waiting: Array<() => void> = [];

	constructor(
		readonly slots: number,
		readonly maxWaitMs: number
	) {}

	/** How many are waiting for a slot (for logs and tests). */
	get queued(): number {
		return this.waiting.length;
	}

	async run<T>(job: () => Promise<T>): Promise<T> {
		if (this.running < this.slots) this.running++;
		else await this.turn();
		try {
			return await job();
		} finally {
			// The slot passes straight to the next in line, so nobody overtakes the queue.
			const next = this.waiting.shift();
			if (next) next();
			else this.running--;
		}
	}

	private turn(): Promise<void> {
		return new Promise((resolve, reject) => {
			const go = () => {
				clearTimeout(timer);
				resolve();
			};
			const timer = setTimeout(() => {
				this.waiting.splice(this.waiting.indexOf(go), 1);
				reject(new AppError('UNAVAILABLE', { detail: 'too many syncs at once; try again shortly' }));
			}, this.maxWaitMs);
			this.waiting.push(go);
		});
	}
}

/**
 * Syncs (push and pull) one instance runs at once: WYMIANA_SYNC_CONCURRENCY, by default half the
 * PostgreSQL pool (the rest stays for sign-ins, pages and uploads); SQLite has one connection and
 * runs them one after another anyway. A sync waits at most WYMIANA_SYNC_QUEUE_MS (default 60 s).
 */
export function syncAdmission(env: NodeJS.ProcessEnv = process.env): Admission {
	const pool = Number(env.DATABASE_POOL_SIZE ?? 10);
	const slots = Number(env.WYMIANA_SYNC_CONCURRENCY ?? Math.max(2, Math.floor(pool / 2)));
	const wait = Number(env.WYMIANA_SYNC_QUEUE_MS ?? 60_000);
	if (!Number.isInteger(slots) || slots < 1) throw new SettingsError(`WYMIANA_SYNC_CONCURRENCY must be a whole number ≥ 1, got ${JSON.stringify(env.WYMIANA_SYNC_CONCURRENCY)}`);
	if (!Number.isFinite(wait) || wait < 0) throw new SettingsError(`WYMIANA_SYNC_QUEUE_MS must be a number of milliseconds, got ${JSON.stringify(env.WYMIANA_SYNC_QUEUE_MS)}`);
	return new Admission(slots, wait);
}
