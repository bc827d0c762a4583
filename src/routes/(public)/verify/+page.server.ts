import { checkBadge } from '$server/badges/badges.service';
import { publicRuntime } from '$server/public/runtime';
import { keepablePage } from '$server/public/verify-fast-path';
import { clip } from '$lib/public/clip';
import { fromEvent } from '$lib/public/request.server';
import type { PageServerLoad } from './$types';

/** A GET form: the result can be reloaded (fresh live code) and works without JavaScript. */
export const load: PageServerLoad = async (event) => {
	const raw = event.url.searchParams.get('badge');
	if (raw === null || raw.trim() === '') return { entered: raw === null ? null : '', answer: null };
	const req = fromEvent(event);
	const now = new Date();
	// Read before the badge: a change to workers after this retires the page rendered from it.
	const version = publicRuntime(req.services).pages.version();
	const { answer, lookup } = await checkBadge({ db: req.services.db, limits: req.limits }, { badge: raw, source: 'form', ip: req.ip, now });
	if (answer.kind === 'limited') event.setHeaders({ 'retry-after': String(answer.retryAfterSeconds) });
	event.setHeaders({ 'cache-control': 'no-store' });
	// The full page of a badge (not the client's data request) is served again from memory this minute.
	if (answer.kind === 'badge' && !event.isDataRequest) event.locals.keepPage = keepablePage(version, now, lookup);
	return { entered: clip(raw.trim(), 32), answer };
};
