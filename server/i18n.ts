import { m } from '../src/lib/paraglide/messages.js';
import { baseLocale, isLocale, type Locale } from '../src/lib/paraglide/runtime.js';

type MessageFn = (params?: Record<string, unknown>, options?: { locale?: Locale }) => string;

/** Translates a message key on the server (error messages, PDFs) for an explicit locale. */
export function translate(key: string, params: Record<string, unknown> = {}, locale: Locale = baseLocale): string {
	const fn = (m as unknown as Record<string, MessageFn | undefined>)[key];
	return fn ? fn(params, { locale }) : key;
}

export function hasMessage(key: string): boolean {
	return typeof (m as unknown as Record<string, unknown>)[key] === 'function';
}

export function toLocale(value: string | null | undefined): Locale {
	return value && isLocale(value) ? value : baseLocale;
}

export type { Locale };
