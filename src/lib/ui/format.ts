import { getLocale } from '$lib/paraglide/runtime.js';

/** Field work happens in Poland: times are always shown in Polish time, whatever the device says. */
export const FIELD_TIME_ZONE = 'Europe/Warsaw';

/** British English keeps day-month order and a 24-hour clock, which Polish colleagues expect. */
export function intlLocale(locale: string = getLocale()): string {
	return locale === 'en' ? 'en-GB' : 'pl-PL';
}

/**
 * One Intl.DateTimeFormat per locale and options, reused: building one costs more than rendering
 * the rest of a public page (measured on /verify), and these run on every render.
 */
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
	const locale = intlLocale();
	const key = `${locale}|${JSON.stringify(options)}`;
	let f = dateFormats.get(key);
	if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(locale, options)));
	return f;
}

/** A calendar day ('YYYY-MM-DD') has no time zone; format it at UTC noon so it never shifts. */
function dayToDate(day: string): Date {
	return new Date(`${day}T12:00:00Z`);
}

export function formatDayLong(day: string): string {
	return dateFormat({ weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(dayToDate(day));
}

export function formatDayShort(day: string): string {
	return dateFormat({ weekday: 'short', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(dayToDate(day));
}

/** A calendar day with its year ('24 listopada 2027'), e.g. a badge's validity, which spans years. */
export function formatDayWithYear(day: string): string {
	return dateFormat({ day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(dayToDate(day));
}

/** 'HH:MM' in Polish time for an ISO instant. */
export function formatTime(iso: string): string {
	return dateFormat({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: FIELD_TIME_ZONE }).format(new Date(iso));
}

/** Date and time of an instant in Polish time, whatever the computer is set to. */
export function formatDateTime(iso: string): string {
	return dateFormat({ dateStyle: 'short', timeStyle: 'short', timeZone: FIELD_TIME_ZONE }).format(new Date(iso));
}

export function formatNumber(value: number): string {
	return new Intl.NumberFormat(intlLocale()).format(value);
}

/** Whole days from `from` to `to`, both 'YYYY-MM-DD'. */
export function daysBetween(from: string, to: string): number {
	return Math.round((dayToDate(to).getTime() - dayToDate(from).getTime()) / 86_400_000);
}
