/**
 * Numbers and dates as Poles write them, for screens, PDFs and the human-readable parts of exports,
 * on the tablet and on the server alike. The locale is explicit here ('pl' | 'en');
 * `$lib/ui/format` passes the UI's current one. Machine exports (CSV/JSON) keep a dot and ISO dates.
 */

/** Field work happens in Poland: times are always shown in Polish time, whatever the device says. */
export const FIELD_TIME_ZONE = 'Europe/Warsaw';

/** British English keeps day-month order and a 24-hour clock, which Polish colleagues expect. */
export function intlLocale(locale: string): string {
	return locale === 'en' ? 'en-GB' : 'pl-PL';
}

/**
 * One Intl formatter per locale and options, reused: building one costs more than rendering the
 * rest of a public page (measured on /verify), and these run on every render.
 */
const formats = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

export function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
	const key = `d|${intlLocale(locale)}|${JSON.stringify(options)}`;
	let f = formats.get(key) as Intl.DateTimeFormat | undefined;
	if (!f) formats.set(key, (f = new Intl.DateTimeFormat(intlLocale(locale), options)));
	return f;
}

export function numberFormat(locale: string, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
	const key = `n|${intlLocale(locale)}|${JSON.stringify(options)}`;
	let f = formats.get(key) as Intl.NumberFormat | undefined;
	if (!f) formats.set(key, (f = new Intl.NumberFormat(intlLocale(locale), options)));
	return f;
}

/** A calendar day ('YYYY-MM-DD') has no time zone; format it at UTC noon so it never shifts. */
export function dayToDate(day: string): Date {
	return new Date(`${day.slice(0, 10)}T12:00:00Z`);
}

export function formatNumberIn(locale: string, value: number): string {
	return numberFormat(locale).format(value);
}

/**
 * A reading or an energy as it was recorded ('38557.5', '0.000', 12.25): decimal comma and grouped
 * thousands in Polish ('38 557,5'), and exactly the decimals it was recorded with — a meter's
 * register is a fact, never rounded. Anything that is not a decimal number is shown as it is.
 */
export function formatDecimalIn(locale: string, value: number | string): string {
	const text = typeof value === 'number' ? String(value) : value.trim();
	const match = /^-?\d+(?:\.(\d+))?$/.exec(text);
	if (!match) return text;
	const decimals = match[1]?.length ?? 0;
	// Number() keeps ~15 significant digits, more than any meter register (6–9 digits + 3 decimals).
	return numberFormat(locale, { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(Number(text));
}

/** 'wtorek, 1 grudnia 2026' — a day on a document or a notice (with the weekday and the year). */
export function formatDayFullIn(locale: string, day: string): string {
	return dateFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(dayToDate(day));
}

/** 'HH:MM' in Polish time for an ISO instant. */
export function formatTimeIn(locale: string, iso: string): string {
	return dateFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: FIELD_TIME_ZONE }).format(new Date(iso));
}

/** The day (with weekday and year) and time of an instant in Polish time: the parts of a document's date. */
export function documentDateTimeIn(locale: string, iso: string): { date: string; time: string } {
	const date = dateFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: FIELD_TIME_ZONE }).format(new Date(iso));
	return { date, time: formatTimeIn(locale, iso) };
}

/** 'grudzień 2026' for a month key 'YYYY-MM' (the nominative form Polish uses for a month alone). */
export function formatMonthIn(locale: string, month: string): string {
	if (!/^\d{4}-\d{2}$/.test(month)) return month;
	return dateFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(dayToDate(`${month}-15`));
}
