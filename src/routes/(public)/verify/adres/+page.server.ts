import { fail } from '@sveltejs/kit';
import { checkBadgeNumber } from '$lib/domain/badge';
import { knownStreets, scheduledAt } from '$server/badges/badges.service';
import { formText as text } from '$lib/public/clip';
import { fromEvent } from '$lib/public/request.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const checked = checkBadgeNumber(event.url.searchParams.get('badge') ?? '');
	const req = fromEvent(event);
	return { badge: checked.ok ? checked.badgeNumber : null, streets: await knownStreets(req.services.db) };
};

export const actions: Actions = {
	default: async (event) => {
		const form = await event.request.formData();
		const values = { badge: text(form, 'badge', 32), street: text(form, 'street', 80), number: text(form, 'number', 12), stairwell: text(form, 'stairwell', 12) };
		const missing = { street: !values.street, number: !values.number };
		if (missing.street || missing.number || !values.badge) return fail(400, { values, missing, answer: null });
		const req = fromEvent(event);
		const answer = await scheduledAt({ db: req.services.db, limits: req.limits }, { ...values, ip: req.ip });
		return { values, missing, answer };
	}
};
