import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getServices } from '$server/app';
import { blobResponse } from '$server/blobs/blob-response';
import { plannerRefusal } from '$server/plan/http-access';
import { findBlob } from '$server/sync/blobs';

const EXTENSION: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'application/pdf': 'pdf' };

/**
 * A job's photo, signature or protocol PDF for the office (planner session only). Only blobs a
 * job refers to are served, streamed from the blob store (ETag, ranges); `?download=1` saves it.
 */
export const GET: RequestHandler = async ({ params, url, locals, request }) => {
	const refusal = plannerRefusal(locals.auth, locals.sessionProblem);
	if (refusal) return json({ appCode: refusal.code }, { status: refusal.status });
	if (!/^[0-9a-f]{64}$/.test(params.sha256)) return json({ appCode: 'NOT_FOUND' }, { status: 404 });
	const { db, blobs } = getServices();
	const referenced = await db.selectFrom('job_photos').select('job_photos.id').where('job_photos.sha256', '=', params.sha256).executeTakeFirst();
	const blob = referenced ? await findBlob(db, params.sha256, blobs) : undefined;
	if (!blob) return json({ appCode: 'NOT_FOUND' }, { status: 404 });
	const name = `${params.sha256.slice(0, 12)}.${EXTENSION[blob.contentType] ?? 'bin'}`;
	return blobResponse(request, blob, {
		'content-disposition': `${url.searchParams.has('download') ? 'attachment' : 'inline'}; filename="${name}"`,
		// Evidence of one customer's exchange: kept out of shared caches.
		'cache-control': 'private, max-age=3600',
		'x-content-type-options': 'nosniff',
		'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"
	});
};
