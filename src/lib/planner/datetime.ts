import { FIELD_TIME_ZONE, intlLocale } from '$lib/ui/format';

/** Date and time of an instant in Polish time, whatever the planner's computer is set to. */
export function formatDateTime(iso: string): string {
	return new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'short', timeStyle: 'short', timeZone: FIELD_TIME_ZONE }).format(new Date(iso));
}
