import { error } from '@sveltejs/kit';
import { getServices } from '$server/app';
import { findBadgePhoto } from '$server/badges/badges.repository';
import { blobResponse } from '$server/blobs/blob-response';
import type { RequestHandler } from './$types';

/** A badge photo. Only blobs that are a worker's photo are served, never other uploads. */
export const GET: RequestHandler = async ({ params, request }) => {
	if (!/^[0-9a-f]{64}$/.test(params.sha256)) error(404);
	const { db, blobs } = getServices();
	const photo = await findBadgePhoto(db, params.sha256, blobs);
	if (!photo) error(404);
	return blobResponse(request, photo, {
		// Content-addressed: the bytes behind this URL never change.
		'cache-control': 'public, max-age=86400, immutable',
		// SVG portraits must never run script, even if opened directly.
		'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'"
	});
};
