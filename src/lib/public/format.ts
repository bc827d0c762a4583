import { intlLocale } from '$lib/ui/format';

/** A calendar day with its year ('24 listopada 2027'): badge validity spans years. */
export function formatDayWithYear(day: string): string {
	return new Intl.DateTimeFormat(intlLocale(), { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));
}
