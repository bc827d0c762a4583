/**
 * Working calendars: Polish public holidays (computed by date-holidays, Easter-based ones
 * included), crews' working weekdays and hours, fitters' absences. Pure.
 */
import Holidays from 'date-holidays';
import { addDaysToDate, isoWeekday } from '../../src/lib/domain/time';

const cache = new Map<number, string[]>();

/** Public (statutory, non-working) holidays in Poland in a year, as YYYY-MM-DD. */
export function polishPublicHolidays(year: number): string[] {
	let days = cache.get(year);
	if (!days) {
		days = new Holidays('PL')
			.getHolidays(year)
			.filter((h) => h.type === 'public')
			.map((h) => h.date.slice(0, 10));
		cache.set(year, days);
	}
	return days;
}

export function holidaysBetween(from: string, to: string): string[] {
	const out: string[] = [];
	for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) {
		for (const d of polishPublicHolidays(y)) if (d >= from && d <= to) out.push(d);
	}
	return out;
}

export function daysInRange(from: string, to: string): string[] {
	const out: string[] = [];
	for (let d = from; d <= to; d = addDaysToDate(d, 1)) out.push(d);
	return out;
}

export const toMinutes = (hhmm: string): number => {
	const [h, m] = hhmm.split(':').map(Number) as [number, number];
	return h * 60 + m;
};
export const toHhmm = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

export interface CrewCalendar {
	id: string;
	workDays: number[];
	start: string;
	end: string;
	fitters: Array<{ id: string; absences: Array<{ from: string; to: string }> }>;
}

/** Why a crew cannot work on a day, or null when it can. */
export type DayRefusal = 'not_a_work_day' | 'holiday' | 'all_absent' | 'no_fitters';

export function crewDayRefusal(crew: CrewCalendar, date: string, holidays: ReadonlySet<string>): DayRefusal | null {
	if (!crew.workDays.includes(isoWeekday(date))) return 'not_a_work_day';
	if (holidays.has(date)) return 'holiday';
	if (crew.fitters.length === 0) return 'no_fitters';
	const present = crew.fitters.some((f) => !f.absences.some((a) => a.from <= date && date <= a.to));
	return present ? null : 'all_absent';
}
