import { TZDate } from '@date-fns/tz';
import { addDays, format, parseISO } from 'date-fns';

/** The operator works in Polish time; "today" and "a working day" are Warsaw's, not the server's. */
export const ZONE = 'Europe/Warsaw';

/** The calendar date (YYYY-MM-DD) in Warsaw at the given instant. */
export function warsawDate(at: Date = new Date()): string {
	return format(new TZDate(at.getTime(), ZONE), 'yyyy-MM-dd');
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDaysToDate(date: string, days: number): string {
	return format(addDays(parseISO(date), days), 'yyyy-MM-dd');
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
	return format(new TZDate(at.getTime(), ZONE), "yyyy-MM-dd'T'HH:mm");
}

export function isWeekend(date: string): boolean {
	const dow = parseISO(date).getDay();
	return dow === 0 || dow === 6;
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
