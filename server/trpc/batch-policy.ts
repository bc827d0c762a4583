import { AppError } from '../errors';

/**
 * The most calls one batched request may carry. Each call runs its own procedure, so a batch is that
 * much work behind one request: capped, the client's `maxItems` splits larger groups.
 */
export const MAX_BATCH_CALLS = 10;

/**
 * Calls that are never batched: those that check a secret (a batch would let one request carry
 * many guesses; the limits count every attempt anyway, this keeps each attempt one request), and a
 * tablet's sync, whose first pull reads a crew's whole fortnight (ten in one request would be ten
 * times the work behind one connection).
 */
export const UNBATCHABLE = new Set(['auth.signIn', 'auth.totpVerify', 'auth.totpEnrolConfirm', 'sync.pull', 'sync.push']);

/**
 * Why a tRPC request must be refused before any procedure runs, or null. `path` is the part of the
 * URL after /api/trpc/ (comma-separated procedure names when batched).
 */
export function batchRefusal(path: string, searchParams: URLSearchParams): AppError | null {
	if (searchParams.get('batch') !== '1') return null;
	const calls = path.split(',');
	if (calls.length > MAX_BATCH_CALLS) return new AppError('BATCH_TOO_LARGE', { params: { max: MAX_BATCH_CALLS } });
	if (calls.length > 1 && calls.some((c) => UNBATCHABLE.has(c))) return new AppError('NOT_BATCHABLE');
	return null;
}
