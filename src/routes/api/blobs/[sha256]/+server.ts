import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getServices } from '$server/app';
import { BlobStoreUnavailable } from '$server/blobs/blob-store';
import { AppError } from '$server/errors';
import { translate } from '$server/i18n';
import { log } from '$server/log';
import { MAX_BLOB_BYTES, storeBlob } from '$server/sync/blobs';

/** Photo and signature upload from the tablets: raw bytes, addressed by their sha256. */
export const PUT: RequestHandler = async ({ params, request, locals }) => {
	if (!locals.auth) error(401, locals.sessionProblem === 'expired' ? 'SESSION_EXPIRED' : 'UNAUTHORIZED');
	if (locals.auth.user.role !== 'fitter') error(403, 'FORBIDDEN');
	const length = Number(request.headers.get('content-length') ?? 0);
	if (length > MAX_BLOB_BYTES) error(413, 'TOO_LARGE');
	const bytes = new Uint8Array(await request.arrayBuffer());
	try {
		const { db, blobs } = getServices();
		const result = await storeBlob(db, params.sha256, request.headers.get('content-type') ?? '', bytes, blobs);
		return json({ sha256: params.sha256, result }, { status: result === 'stored' ? 201 : 200 });
	} catch (e) {
		if (e instanceof AppError) return json({ appCode: e.code, message: e.message, fieldErrors: e.fieldErrors ?? {} }, { status: 400 });
		// The tablet keeps the photo and sends it again later (it retries any 5xx).
		if (e instanceof BlobStoreUnavailable) {
			log.error({ err: e, sha256: params.sha256 }, 'blob store unavailable');
			return json({ appCode: 'UNAVAILABLE', message: translate('error_blob_store_unavailable') }, { status: 503, headers: { 'retry-after': '30' } });
		}
		throw e;
	}
};
