import type { PageServerLoad } from './$types';

/** Long enough for any badge number a person could type with spaces and dashes. */
const MAX_BADGE_INPUT = 32;

export const load: PageServerLoad = ({ url }) => {
	const raw = url.searchParams.get('badge');
	// null = form not submitted yet; the real verification arrives with the badges issue.
	const badge = raw === null ? null : raw.trim().slice(0, MAX_BADGE_INPUT);
	return { badge };
};
