import { error } from '@sveltejs/kit';
import { getLocale } from '$lib/paraglide/runtime.js';
import { getServices } from '$server/app';
import { printWorkerCard } from '$server/badges/badge-print';
import { adminRefusal, clientAddress, httpActor } from '$server/plan/http-access';
import type { RequestHandler } from './$types';

/** The printable badge card for an admin: photo, name, company, number, QR to /v/<signed token>. */
export const GET: RequestHandler = async ({ params, locals, url, request, getClientAddress }) => {
	// The console's rule for file endpoints (signed in, second factor verified), then admins only.
	const refusal = adminRefusal(locals.auth, locals.sessionProblem);
	if (refusal) error(refusal.status, refusal.code);
	const { db, blobs } = getServices();
	const actor = httpActor(locals.auth!, clientAddress(getClientAddress), request.headers.get('user-agent'));
	// ORIGIN (adapter-node) is the operator's public address; the QR must point there.
	const printed = await printWorkerCard({ db, blobs, origin: process.env.ORIGIN ?? url.origin, locale: getLocale(), actor }, params.id.slice(0, 64));
	if (!printed) error(404);
	return new Response(Buffer.from(printed.pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `inline; filename="badge-${printed.badgeNumber}.pdf"`,
			'cache-control': 'no-store'
		}
	});
};
