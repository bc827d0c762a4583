import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getLocale } from '$lib/paraglide/runtime.js';
import { getServices } from '$server/app';
import { AppError } from '$server/errors';
import { httpActor, plannerRefusal } from '$server/plan/http-access';
import { translate } from '$server/i18n';
import { PORTRAIT_MAX_BYTES } from '$server/workers/portrait';
import { setPortrait } from '$server/workers/workers.service';

/** A worker's portrait (admins): the body is the JPEG or PNG itself. */
export const POST: RequestHandler = async ({ params, request, locals, getClientAddress }) => {
	const refusal = plannerRefusal(locals.auth, locals.sessionProblem);
	if (refusal) return json({ appCode: refusal.code }, { status: refusal.status });
	if (locals.auth!.user.role !== 'admin') return json({ appCode: 'FORBIDDEN' }, { status: 403 });
	const locale = getLocale();
	// Refused before reading: a 30 MB upload is not buffered just to be thrown away.
	if (Number(request.headers.get('content-length') ?? 0) > PORTRAIT_MAX_BYTES) {
		const message = translate('office_err_portrait_too_big', { mb: Math.round(PORTRAIT_MAX_BYTES / 1_000_000) }, locale);
		return json({ appCode: 'VALIDATION', message, fieldErrors: { portrait: [message] } }, { status: 413 });
	}
	const bytes = new Uint8Array(await request.arrayBuffer());
	try {
		const actor = httpActor(locals.auth!, getClientAddress(), request.headers.get('user-agent'));
		const contentType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim();
		return json(await setPortrait(getServices().db, actor, { workerId: params.id.slice(0, 64), contentType, bytes }, locale));
	} catch (e) {
		if (!(e instanceof AppError)) throw e;
		const message = Object.values(e.fieldErrors ?? {})[0]?.[0] ?? translate(`error_${e.code.toLowerCase()}`, {}, locale);
		return json({ appCode: e.code, message, fieldErrors: e.fieldErrors ?? {} }, { status: e.code === 'NOT_FOUND' ? 404 : 400 });
	}
};
