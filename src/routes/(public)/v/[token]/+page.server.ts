import { verifyBadgeToken } from '$server/badges/badge-token';
import { verifyBadge } from '$server/badges/badges.service';
import { publicKeys } from '$server/public/keys';
import { fromEvent } from '$lib/public/request.server';
import type { PageServerLoad } from './$types';

/** Arrival from a badge's QR code: the token's signature shows the operator printed it. */
export const load: PageServerLoad = async (event) => {
	const req = fromEvent(event);
	event.setHeaders({ 'cache-control': 'no-store' });
	const badge = verifyBadgeToken(await publicKeys(req.services.db), event.params.token);
	if (!badge) {
		event.setHeaders({ 'x-robots-tag': 'noindex' });
		return { genuine: false as const, host: event.url.host, answer: null };
	}
	const answer = await verifyBadge({ db: req.services.db, limits: req.limits }, { badge, source: 'qr', ip: req.ip });
	return { genuine: true as const, host: event.url.host, answer };
};
