import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { m } from '$lib/paraglide/messages.js';
import { getServices } from '$server/app';
import { operatorInfo } from '$server/operator/operator-config';
import { noticesPdf, stairwellNotices } from '$server/notices/notices.service';
import { plannerRefusal } from '$server/plan/http-access';

/**
 * The stairwell notices of an estate as one PDF (one page per stairwell), or of one stairwell
 * with `?building=<id>&stairwell=<name>`. Planners only (session cookie).
 */
export const GET: RequestHandler = async ({ params, url, locals }) => {
	const refusal = plannerRefusal(locals.auth, locals.sessionProblem);
	if (refusal) return json({ appCode: refusal.code }, { status: refusal.status });
	const db = getServices().db;
	const estate = await db.selectFrom('estates').select(['id', 'name']).where('id', '=', params.estateId).executeTakeFirst();
	if (!estate) return json({ appCode: 'NOT_FOUND' }, { status: 404 });
	const building = url.searchParams.get('building');
	const stairwell = url.searchParams.get('stairwell');
	const notices = await stairwellNotices(db, estate.id, building && stairwell ? { buildingId: building, stairwell } : undefined);
	if (notices.length === 0) return json({ appCode: 'NOT_FOUND', message: m.plan_notices_none({}, { locale: 'pl' }) }, { status: 404 });
	const bytes = await noticesPdf(notices, {
		operator: operatorInfo(),
		title: m.plan_notice_title({ estate: estate.name }, { locale: 'pl' })
	});
	const slug = (s: string) => s.normalize('NFD').replace(/[^\w]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
	const name = notices.length === 1 ? `ogloszenie-${slug(`${notices[0]!.street}-${notices[0]!.number}-${notices[0]!.stairwell}`)}.pdf` : `ogloszenia-${slug(estate.name)}.pdf`;
	return new Response(bytes as unknown as BodyInit, {
		headers: { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' }
	});
};
