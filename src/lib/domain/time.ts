import { TZDate } from '@date-fns/tz';

// Plain field arithmetic instead of date-fns' format/parseISO: those bring date-fns' whole
// formatter and its English locale, several KB the fitter tablet would load with the job list.

/** The operator works in Polish time; "today" and "a working day" are Warsaw's, not the server's. */
export const ZONE = 'Europe/Warsaw';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** YYYY-MM-DD of a date's calendar fields (a TZDate's are those of its zone). */
function ymd(d: Date): string {
	if (Number.isNaN(d.getTime())) throw new RangeError('Invalid time value');
	return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * A YYYY-MM-DD date (a time after it is ignored) as that day's midnight UTC, where adding days has
 * no daylight-saving steps.
 */
function utcDay(date: string): Date {
	const [y, m, d] = date.slice(0, 10).split('-').map(Number) as [number, number, number];
	const day = new Date(0);
	day.setUTCFullYear(y, m - 1, d);
	// No such day (2025-13-45, '') is an error, as it was with date-fns, not a rolled-over date.
	if (day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) throw new RangeError('Invalid time value');
	return day;
}

/** The calendar date (YYYY-MM-DD) in Warsaw at the given instant. */
export function warsawDate(at: Date = new Date()): string {
	return ymd(new TZDate(at.getTime(), ZONE));
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDaysToDate(date: string, days: number): string {
	const day = utcDay(date);
	day.setUTCDate(day.getUTCDate() + days);
	return `${pad(day.getUTCFullYear(), 4)}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}`;
}

/** The UTC instant of a Warsaw wall-clock time on a date (handles the DST switch). */
export function warsawInstant(date: string, hhmm: string): Date {
	const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
	const [h, mi] = hhmm.split(':').map(Number) as [number, number];
	return new Date(new TZDate(y, mo - 1, d, h, mi, 0, ZONE).getTime());
}

/** Minutes after midnight, Warsaw wall clock, of an ISO instant. */
export function warsawMinutes(iso: string): number {
	const d = new TZDate(new Date(iso).getTime(), ZONE);
	return d.getHours() * 60 + d.getMinutes();
}

/** Warsaw wall-clock time of an instant as a datetime-local value ('YYYY-MM-DDTHH:mm'). */
export function warsawLocalDateTime(at: Date = new Date()): string {
	const d = new TZDate(at.getTime(), ZONE);
	return `${ymd(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** ISO weekday of a YYYY-MM-DD date, 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
	return utcDay(date).getUTCDay() || 7;
}

export function isWeekend(date: string): boolean {
	return isoWeekday(date) >= 6;
}

/** `count` working days starting with `from` itself when it is one (weekends skipped). */
export function workingDaysFrom(from: string, count: number): string[] {
	const out: string[] = [];
	for (let day = from; out.length < count; day = addDaysToDate(day, 1)) if (!isWeekend(day)) out.push(day);
	return out;
}

export function previousWorkingDay(date: string): string {
	let day = addDaysToDate(date, -1);
	while (isWeekend(day)) day = addDaysToDate(day, -1);
	return day;
}
