import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getServices } from '$server/app';
import { plannerRefusal } from '$server/plan/http-access';
import { billingCsv, billingDay } from '$server/stats/billing';
import { day } from '$server/trpc/inputs';

/** Billing export of one Warsaw day: `?date=YYYY-MM-DD&format=csv|json`, as a download. */
export const GET: RequestHandler = async ({ url, locals }) => {
	const refusal = plannerRefusal(locals.auth, locals.sessionProblem);
	if (refusal) return json({ appCode: refusal.code }, { status: refusal.status });
	const date = url.searchParams.get('date') ?? '';
	const format = url.searchParams.get('format') ?? 'csv';
	if (!day.safeParse(date).success || (format !== 'csv' && format !== 'json')) return json({ appCode: 'VALIDATION' }, { status: 400 });
	const records = await billingDay(getServices().db, date);
	const body = format === 'csv' ? billingCsv(records) : JSON.stringify({ date, exchanges: records }, null, 2);
	return new Response(body, {
		headers: {
			'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
			'content-disposition': `attachment; filename="rozliczenie-${date}.${format}"`,
			'cache-control': 'no-store'
		}
	});
};
