import { TRPCClientError } from '@trpc/client';
import { m } from '$lib/paraglide/messages.js';

interface ErrorData {
	appCode?: string;
	message?: string;
	fieldErrors?: Record<string, string[]>;
	retryAfterSeconds?: number;
	requestId?: string;
}

function dataOf(err: unknown): ErrorData | null {
	return err instanceof TRPCClientError ? ((err.data as ErrorData | undefined) ?? null) : null;
}

/** The stable code the server gave (e.g. INVALID_CREDENTIALS), or NETWORK when it never answered. */
export function errorCode(err: unknown): string {
	const data = dataOf(err);
	if (data?.appCode) return data.appCode;
	return err instanceof TRPCClientError && !err.data ? 'NETWORK' : 'INTERNAL';
}

/** A sentence for the user, in their language (the server translated it already). */
export function errorMessage(err: unknown): string {
	const data = dataOf(err);
	if (data?.message) return data.message;
	if (errorCode(err) === 'NETWORK') return m.error_network();
	return m.error_internal({ requestId: data?.requestId ?? '' });
}

/** Per-field messages, keyed by the input's field path (`login`, `items.0.serial`). */
export function fieldErrors(err: unknown): Record<string, string[]> {
	return dataOf(err)?.fieldErrors ?? {};
}
