import { error } from '@sveltejs/kit';
import { getLocale } from '$lib/paraglide/runtime.js';
import { hotlineText } from '$lib/public/operator-text';
import { operatorInfo } from '$server/operator/operator-config';
import { getServices } from '$server/app';
import { findBlob } from '$server/sync/blobs';
import { audit } from '$server/audit';
import { renderBadgeCard } from '$server/badges/badge-card';
import { signBadgeToken } from '$server/badges/badge-token';
import { findWorker } from '$server/badges/badges.repository';
import { plannerRefusal } from '$server/plan/http-access';
import { publicKeys } from '$server/public/keys';
import type { RequestHandler } from './$types';

/** The printable badge card for an admin: photo, name, company, number, QR to /v/<signed token>. */
export const GET: RequestHandler = async ({ params, locals, url, getClientAddress }) => {
	// The console's rule for file endpoints (signed in, second factor verified), then admins only.
	const refusal = plannerRefusal(locals.auth, locals.sessionProblem);
	if (refusal) error(refusal.status, refusal.code);
	const auth = locals.auth!;
	if (auth.user.role !== 'admin') error(403, 'FORBIDDEN');
	const { db } = getServices();
	const worker = await findWorker(db, params.id.slice(0, 64));
	if (!worker) error(404);
	const blob = worker.photo_sha256 ? await findBlob(db, worker.photo_sha256, getServices().blobs) : undefined;
	const photo = blob ? { contentType: blob.contentType, data: await blob.bytes() } : null;
	const keys = await publicKeys(db);
	// ORIGIN (adapter-node) is the operator's public address; the QR must point there.
	const origin = process.env.ORIGIN ?? url.origin;
	const pdf = await renderBadgeCard(
		{
			firstName: worker.first_name,
			lastName: worker.last_name,
			company: worker.company,
			badgeNumber: worker.badge_number,
			validUntil: worker.valid_until,
			photo,
			url: `${origin}/v/${signBadgeToken(keys, worker.badge_number)}`,
			hotline: hotlineText(operatorInfo(), getLocale())
		},
		getLocale()
	);
	let ip: string | null = null;
	try {
		ip = getClientAddress();
	} catch {
		ip = null;
	}
	await audit(db, { userId: auth.user.id, sessionKind: auth.session.kind, device: null, ip }, { action: 'badge-card-printed', entity: 'worker', entityId: worker.id });
	return new Response(Buffer.from(pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `inline; filename="badge-${worker.badge_number}.pdf"`,
			'cache-control': 'no-store'
		}
	});
};
