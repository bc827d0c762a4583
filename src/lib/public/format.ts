import { FIELD_TIME_ZONE, intlLocale } from '$lib/ui/format';

/**
 * Formatters the public pages use on every render. Building an Intl.DateTimeFormat costs more than
 * the rest of the badge page's rendering, so each is made once per locale and reused.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(kind: 'day' | 'clock'): Intl.DateTimeFormat {
	const locale = intlLocale();
	const key = `${kind}|${locale}`;
	let f = formatters.get(key);
	if (!f) {
		f =
			kind === 'day'
				? new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
				: new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: FIELD_TIME_ZONE });
		formatters.set(key, f);
	}
	return f;
}

/** A calendar day with its year ('24 listopada 2027'): badge validity spans years. */
export function formatDayWithYear(day: string): string {
	return formatter('day').format(new Date(`${day}T12:00:00Z`));
}

/** 'HH:MM' in Polish time for an ISO instant. */
export function formatClock(iso: string): string {
	return formatter('clock').format(new Date(iso));
}
