import { getLocale } from '$lib/paraglide/runtime.js';
import { m } from '$lib/paraglide/messages.js';
import {
	FIELD_TIME_ZONE,
	dateFormat,
	dayToDate,
	documentDateTimeIn,
	formatDayFullIn,
	formatDecimalIn,
	formatMonthIn,
	formatNumberIn,
	formatTimeIn,
	intlLocale as intlLocaleOf
} from '$lib/domain/format';

// The shared formatters live in $lib/domain/format (the server's PDFs use them too); these take the
// UI's current locale.
export { FIELD_TIME_ZONE };

export function intlLocale(locale: string = getLocale()): string {
	return intlLocaleOf(locale);
}

export function formatDayLong(day: string): string {
	return dateFormat(getLocale(), { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(dayToDate(day));
}

export function formatDayShort(day: string): string {
	return dateFormat(getLocale(), { weekday: 'short', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(dayToDate(day));
}

/** A calendar day with its year ('24 listopada 2027'), e.g. a badge's validity, which spans years. */
export function formatDayWithYear(day: string): string {
	return dateFormat(getLocale(), { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(dayToDate(day));
}

/** 'wtorek, 1 grudnia 2026'. */
export function formatDayFull(day: string): string {
	return formatDayFullIn(getLocale(), day);
}

/** 'HH:MM' in Polish time for an ISO instant. */
export function formatTime(iso: string): string {
	return formatTimeIn(getLocale(), iso);
}

/** Date and time of an instant in Polish time, whatever the computer is set to. */
export function formatDateTime(iso: string): string {
	return dateFormat(getLocale(), { dateStyle: 'short', timeStyle: 'short', timeZone: FIELD_TIME_ZONE }).format(new Date(iso));
}

/** A document's date: 'wtorek, 1 grudnia 2026, 16:29 (czas polski)' — full, with the year and the zone. */
export function formatDocumentDateTime(iso: string): string {
	return m.document_date_time(documentDateTimeIn(getLocale(), iso));
}

/** 'grudzień 2026' for 'YYYY-MM'. */
export function formatMonth(month: string): string {
	return formatMonthIn(getLocale(), month);
}

export function formatNumber(value: number): string {
	return formatNumberIn(getLocale(), value);
}

/** A reading or energy as recorded, with a decimal comma: '38 557,5'. */
export function formatDecimal(value: number | string): string {
	return formatDecimalIn(getLocale(), value);
}

/** Whole days from `from` to `to`, both 'YYYY-MM-DD'. */
export function daysBetween(from: string, to: string): number {
	return Math.round((dayToDate(to).getTime() - dayToDate(from).getTime()) / 86_400_000);
}
