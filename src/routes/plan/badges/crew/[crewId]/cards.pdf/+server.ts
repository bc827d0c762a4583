import { error } from '@sveltejs/kit';
import { getLocale } from '$lib/paraglide/runtime.js';
import { getServices } from '$server/app';
import { printCrewCards } from '$server/badges/badge-print';
import { translate } from '$server/i18n';
import { adminRefusal, clientAddress, httpActor } from '$server/plan/http-access';
import type { RequestHandler } from './$types';

/** Every card of a crew that may be handed out, eight to an A4 sheet, for an admin. */
export const GET: RequestHandler = async ({ params, locals, url, request, getClientAddress }) => {
	const refusal = adminRefusal(locals.auth, locals.sessionProblem);
	if (refusal) error(refusal.status, refusal.code);
	const { db, blobs } = getServices();
	const locale = getLocale();
	const actor = httpActor(locals.auth!, clientAddress(getClientAddress), request.headers.get('user-agent'));
	const printed = await printCrewCards({ db, blobs, origin: process.env.ORIGIN ?? url.origin, locale, actor }, params.crewId.slice(0, 64));
	if (!printed) error(404, translate('office_err_crew_unknown', {}, locale));
	if (!printed.pdf) error(404, translate('office_batch_none', { crew: printed.crew.name }, locale));
	return new Response(Buffer.from(printed.pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `inline; filename="badges.pdf"; filename*=UTF-8''${encodeURIComponent(`badges-${printed.crew.name}.pdf`)}`,
			'cache-control': 'no-store'
		}
	});
};
