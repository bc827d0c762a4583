import { error } from '@sveltejs/kit';
import { getServices } from '$server/app';
import { findBadgePhoto } from '$server/badges/badges.repository';
import type { RequestHandler } from './$types';

/** A badge photo. Only blobs that are a worker's photo are served, never other uploads. */
export const GET: RequestHandler = async ({ params }) => {
	if (!/^[0-9a-f]{64}$/.test(params.sha256)) error(404);
	const photo = await findBadgePhoto(getServices().db, params.sha256);
	if (!photo) error(404);
	return new Response(Buffer.from(photo.data), {
		headers: {
			'content-type': photo.content_type,
			// Content-addressed: the bytes behind this URL never change.
			'cache-control': 'public, max-age=86400, immutable',
			// SVG portraits must never run script, even if opened directly.
			'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'"
		}
	});
};
