import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getServices } from '$server/app';
import { plannerRefusal } from '$server/plan/http-access';

const EXTENSION: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'application/pdf': 'pdf' };

/**
 * A job's photo, signature or protocol PDF for the office (planner session only). Only blobs a
 * job refers to are served; `?download=1` saves it as a file.
 */
export const GET: RequestHandler = async ({ params, url, locals }) => {
	const refusal = plannerRefusal(locals.auth, locals.sessionProblem);
	if (refusal) return json({ appCode: refusal.code }, { status: refusal.status });
	if (!/^[0-9a-f]{64}$/.test(params.sha256)) return json({ appCode: 'NOT_FOUND' }, { status: 404 });
	const blob = await getServices()
		.db.selectFrom('blobs')
		.select(['data', 'content_type'])
		.where('sha256', '=', params.sha256)
		.where((eb) => eb.exists(eb.selectFrom('job_photos').select('job_photos.id').where('job_photos.sha256', '=', params.sha256)))
		.executeTakeFirst();
	if (!blob) return json({ appCode: 'NOT_FOUND' }, { status: 404 });
	const name = `${params.sha256.slice(0, 12)}.${EXTENSION[blob.content_type] ?? 'bin'}`;
	return new Response(Buffer.from(blob.data), {
		headers: {
			'content-type': blob.content_type,
			'content-disposition': `${url.searchParams.has('download') ? 'attachment' : 'inline'}; filename="${name}"`,
			// Evidence of one customer's exchange: kept out of shared caches.
			'cache-control': 'private, max-age=3600',
			'x-content-type-options': 'nosniff',
			'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"
		}
	});
};
