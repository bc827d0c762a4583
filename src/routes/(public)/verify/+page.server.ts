import { verifyBadge } from '$server/badges/badges.service';
import { clip } from '$lib/public/clip';
import { fromEvent } from '$lib/public/request.server';
import type { PageServerLoad } from './$types';

/** A GET form: the result can be reloaded (fresh live code) and works without JavaScript. */
export const load: PageServerLoad = async (event) => {
	const raw = event.url.searchParams.get('badge');
	if (raw === null || raw.trim() === '') return { entered: raw === null ? null : '', answer: null };
	const req = fromEvent(event);
	const answer = await verifyBadge({ db: req.services.db, limits: req.limits }, { badge: raw, source: 'form', ip: req.ip });
	if (answer.kind === 'limited') event.setHeaders({ 'retry-after': String(answer.retryAfterSeconds) });
	event.setHeaders({ 'cache-control': 'no-store' });
	return { entered: clip(raw.trim(), 32), answer };
};
