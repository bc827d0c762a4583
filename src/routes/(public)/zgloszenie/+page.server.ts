import { fail, redirect } from '@sveltejs/kit';
import { warsawInstant, warsawLocalDateTime } from '$lib/domain/time';
import { formText } from '$lib/public/clip';
import { submitReport } from '$server/reports/reports.service';
import { fromEvent } from '$lib/public/request.server';
import type { Actions, PageServerLoad } from './$types';

// "Now" in Warsaw as a datetime-local value, the form's default.
export const load: PageServerLoad = () => ({ now: warsawLocalDateTime() });

type Field = 'address' | 'when' | 'what' | 'badge';
const MAX_AGE_DAYS = 90;

export const actions: Actions = {
	default: async (event) => {
		const form = await event.request.formData();
		const get = (name: Field, max: number) => formText(form, name, max);
		const values = { address: get('address', 200), when: get('when', 20), what: get('what', 2000), badge: get('badge', 32) };
		const errors: Partial<Record<Field, string>> = {};
		if (values.address.length < 3) errors.address = 'pub_err_address';
		if (values.what.length < 5) errors.what = 'pub_err_what';
		const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/.exec(values.when);
		const occurred = match ? warsawInstant(match[1]!, match[2]!) : null;
		const now = Date.now();
		if (!occurred || Number.isNaN(occurred.getTime())) errors.when = 'pub_err_when';
		else if (occurred.getTime() > now + 10 * 60_000) errors.when = 'pub_err_when_future';
		else if (occurred.getTime() < now - MAX_AGE_DAYS * 86_400_000) errors.when = 'pub_err_when_old';
		if (Object.keys(errors).length > 0 || !occurred) return fail(400, { values, errors, limited: null });

		const req = fromEvent(event);
		const answer = await submitReport(
			{ db: req.services.db, limits: req.limits },
			{ address: values.address, occurredAt: occurred.toISOString(), description: values.what, badgeSeen: values.badge || undefined },
			req.ip
		);
		if (answer.kind === 'limited') return fail(429, { values, errors, limited: answer.retryAfterSeconds });
		redirect(303, `/zgloszenie/wyslano?nr=${encodeURIComponent(answer.reference)}`);
	}
};
