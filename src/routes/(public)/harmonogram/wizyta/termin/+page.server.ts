import { fail, redirect, type Cookies } from '@sveltejs/kit';
import type { Actor } from '$server/audit';
import { BOOKING_COOKIE, readBookingSession } from '$server/booking/booking-session';
import { bookingView, bookSlot, cancelBooking } from '$server/booking/booking.service';
import { AppError } from '$server/errors';
import { publicKeys } from '$server/public/keys';
import { fromEvent } from '$lib/public/request.server';
import type { Actions, PageServerLoad } from './$types';

async function jobOf(event: { cookies: Cookies; getClientAddress: () => string }) {
	const req = fromEvent(event);
	const keys = await publicKeys(req.services.db);
	const jobId = readBookingSession(keys.hmac, event.cookies.get(BOOKING_COOKIE));
	if (!jobId) redirect(303, '/harmonogram/wizyta?wygaslo');
	return { req, jobId };
}

const residentActor = (ip: string): Actor => ({ userId: null, sessionKind: null, device: 'resident (public page)', ip });

export const load: PageServerLoad = async (event) => {
	const { req, jobId } = await jobOf(event);
	const view = await bookingView(req.services.db, jobId);
	if (!view) redirect(303, '/harmonogram/wizyta?wygaslo');
	event.setHeaders({ 'cache-control': 'no-store' });
	return { view, confirmCancel: event.url.searchParams.has('odwolaj') };
};

/** Errors of the booking rules, as message keys for the page. */
function refused(e: unknown) {
	if (e instanceof AppError && ['SLOT_UNAVAILABLE', 'SLOT_FULL', 'BOOKING_LOCKED', 'BOOKING_NOT_FOUND'].includes(e.code)) {
		return fail(409, { error: `error_${e.code.toLowerCase()}`, done: null, reference: null });
	}
	throw e;
}

export const actions: Actions = {
	book: async (event) => {
		const { req, jobId } = await jobOf(event);
		const slotId = String((await event.request.formData()).get('slot') ?? '').slice(0, 64);
		if (!slotId) return fail(400, { error: 'pub_book_choose_error', done: null, reference: null });
		try {
			const { reference, moved } = await bookSlot(req.services.db, { jobId, slotId, actor: residentActor(req.ip) });
			return { error: null, done: moved ? ('moved' as const) : ('booked' as const), reference };
		} catch (e) {
			return refused(e);
		}
	},
	cancel: async (event) => {
		const { req, jobId } = await jobOf(event);
		try {
			await cancelBooking(req.services.db, { jobId, actor: residentActor(req.ip) });
			return { error: null, done: 'cancelled' as const, reference: null };
		} catch (e) {
			return refused(e);
		}
	},
	finish: async (event) => {
		event.cookies.delete(BOOKING_COOKIE, { path: '/harmonogram/wizyta' });
		redirect(303, '/harmonogram');
	}
};
