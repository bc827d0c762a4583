import { log } from '../log';

/**
 * Whether the database answers. A PostgreSQL restart, failover or maintenance shows as connection
 * errors (57P01 "terminating connection due to administrator command", refused or reset sockets).
 * On the first one the database is taken as away: requests are answered 503 at once instead of
 * each waiting for a connection, /readyz says so, and a probe retries in the background until
 * the database answers again, when the same process serves again without a restart.
 */
export interface DatabaseAvailability {
	readonly available: boolean;
	/** When (Date.now()) a connection failure was last reported; 0 if never. */
	readonly lastFailureAt: number;
	/** Reports an error from any query or connection: only connection failures mark it away. */
	report(err: unknown): void;
	close(): void;
}

/** SQLite is a file in this process: it does not go away. */
export const ALWAYS_AVAILABLE: DatabaseAvailability = { available: true, lastFailureAt: 0, report: () => {}, close: () => {} };

/** SQLSTATE classes and socket errors that say "the connection or the server is gone", not "this query is wrong". */
const GONE_SQLSTATE = /^(08...|57P0[1-4]|53300)$/;
const GONE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const GONE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/i;

export function isConnectionError(err: unknown): boolean {
	if (!err || typeof err !== 'object') return false;
	const { code, message } = err as { code?: unknown; message?: unknown };
	if (typeof code === 'string' && (GONE_SQLSTATE.test(code) || GONE_ERRNO.has(code))) return true;
	return typeof message === 'string' && GONE_MESSAGE.test(message);
}

/** The error's message and SQLSTATE or errno only: pg attaches whole clients to some errors. */
function describe(err: unknown): string {
	const { code, message } = err as { code?: unknown; message?: unknown };
	return `${String(message)}${typeof code === 'string' ? ` (${code})` : ''}`;
}

const PROBE_EVERY_MS = [0, 250, 500, 1000, 2000];

export function watchAvailability(probe: () => Promise<unknown>): DatabaseAvailability {
	let available = true;
	let probing = false;
	let closed = false;
	let timer: ReturnType<typeof setTimeout> | undefined;
	let attempt = 0;
	let lastFailureAt = 0;

	const schedule = () => {
		if (closed) return;
		timer = setTimeout(() => {
			probe().then(
				() => {
					probing = false;
					available = true;
					log.info({ attempts: attempt }, 'database reachable again; serving');
				},
				() => schedule()
			);
		}, PROBE_EVERY_MS[Math.min(attempt++, PROBE_EVERY_MS.length - 1)]);
		timer.unref();
	};

	return {
		get available() {
			return available;
		},
		get lastFailureAt() {
			return lastFailureAt;
		},
		report(err) {
			if (closed || !isConnectionError(err)) return;
			lastFailureAt = Date.now();
			if (available) log.warn({ reason: describe(err) }, 'database unreachable; answering 503 until it is back');
			available = false;
			if (probing) return;
			probing = true;
			attempt = 0;
			schedule();
		},
		close() {
			closed = true;
			clearTimeout(timer);
		}
	};
}
