import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getServices } from '$server/app';
import { AppError } from '$server/errors';
import { MAX_BLOB_BYTES, storeBlob } from '$server/sync/blobs';

/** Photo and signature upload from the tablets: raw bytes, addressed by their sha256. */
export const PUT: RequestHandler = async ({ params, request, locals }) => {
	if (!locals.auth) error(401, locals.sessionProblem === 'expired' ? 'SESSION_EXPIRED' : 'UNAUTHORIZED');
	if (locals.auth.user.role !== 'fitter') error(403, 'FORBIDDEN');
	const length = Number(request.headers.get('content-length') ?? 0);
	if (length > MAX_BLOB_BYTES) error(413, 'TOO_LARGE');
	const bytes = new Uint8Array(await request.arrayBuffer());
	try {
		const result = await storeBlob(getServices().db, params.sha256, request.headers.get('content-type') ?? '', bytes);
		return json({ sha256: params.sha256, result }, { status: result === 'stored' ? 201 : 200 });
	} catch (e) {
		if (e instanceof AppError) return json({ appCode: e.code, message: e.message, fieldErrors: e.fieldErrors ?? {} }, { status: 400 });
		throw e;
	}
};
