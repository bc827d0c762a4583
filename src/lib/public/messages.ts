import { m } from '$lib/paraglide/messages.js';

type MessageFn = (params?: Record<string, unknown>) => string;

/** A message by its key (server code hands keys, the page translates them in the reader's language). */
export function message(key: string, params: Record<string, unknown> = {}): string {
	const fn = (m as unknown as Record<string, MessageFn | undefined>)[key];
	return fn ? fn(params) : key;
}
