import { fail, redirect } from '@sveltejs/kit';
import { BOOKING_COOKIE, BOOKING_SESSION_SECONDS, signBookingSession } from '$server/booking/booking-session';
import { identify, isPpeDigits, type Identification } from '$server/booking/booking.service';
import { publicKeys } from '$server/public/keys';
import { allBuildings } from '$server/badges/badges.repository';
import { formText as text } from '$lib/public/clip';
import { fromEvent } from '$lib/public/request.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const req = fromEvent(event);
	const buildings = (await allBuildings(req.services.db))
		.map((b) => ({ id: b.id, label: `${b.street} ${b.number}, ${b.city}` }))
		.sort((a, b) => a.label.localeCompare(b.label, 'pl', { numeric: true }));
	return { buildings, building: event.url.searchParams.get('b') ?? '', expired: event.url.searchParams.has('wygaslo') };
};

async function proceed(event: Parameters<Actions[string]>[0], who: Identification, values: Record<string, string>) {
	const req = fromEvent(event);
	const answer = await identify({ db: req.services.db, limits: req.limits }, who, req.ip);
	if (answer.kind === 'limited') return fail(429, { values, errors: {}, limited: answer.retryAfterSeconds, notFound: false, by: who.by });
	if (answer.kind === 'not_found') return fail(400, { values, errors: {}, limited: null, notFound: true, by: who.by });
	const keys = await publicKeys(req.services.db);
	event.cookies.set(BOOKING_COOKIE, signBookingSession(keys.hmac, answer.jobId), {
		path: '/harmonogram/wizyta',
		httpOnly: true,
		sameSite: 'lax',
		secure: event.url.protocol === 'https:',
		maxAge: BOOKING_SESSION_SECONDS
	});
	redirect(303, '/harmonogram/wizyta/termin');
}

export const actions: Actions = {
	reference: async (event) => {
		const form = await event.request.formData();
		const values = { reference: text(form, 'reference', 20) };
		if (!values.reference) return fail(400, { values, errors: { reference: 'field_required' }, limited: null, notFound: false, by: 'reference' as const });
		return proceed(event, { by: 'reference', reference: values.reference }, values);
	},
	ppe: async (event) => {
		const form = await event.request.formData();
		const values = { building: text(form, 'building', 64), flat: text(form, 'flat', 10), ppe: text(form, 'ppe', 20).replace(/\s/g, '') };
		const errors: Record<string, string> = {};
		if (!values.building) errors.building = 'pub_book_choose_building_error';
		if (!values.flat) errors.flat = 'field_required';
		if (!isPpeDigits(values.ppe)) errors.ppe = 'pub_book_ppe_format';
		if (Object.keys(errors).length) return fail(400, { values, errors, limited: null, notFound: false, by: 'ppe' as const });
		return proceed(event, { by: 'ppe', buildingId: values.building, flat: values.flat, ppeDigits: values.ppe }, values);
	}
};
