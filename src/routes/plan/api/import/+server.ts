import { Readable } from 'node:stream';
import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getLocale } from '$lib/paraglide/runtime.js';
import { getServices } from '$server/app';
import { importMeterPoints, parseCsv } from '$server/import/import.service';
import { httpActor, plannerRefusal } from '$server/plan/http-access';

const MAX_BYTES = 64 * 1024 * 1024;

/**
 * CSV upload of meter points: `?mode=check` (dry run) or `?mode=commit`. The body is the file
 * itself, streamed through papaparse. Answers the import report as JSON.
 */
export const POST: RequestHandler = async ({ request, locals, url, getClientAddress }) => {
	const refusal = plannerRefusal(locals.auth, locals.sessionProblem);
	if (refusal) return json({ appCode: refusal.code }, { status: refusal.status });
	if (Number(request.headers.get('content-length') ?? 0) > MAX_BYTES || !request.body) {
		return json({ appCode: 'VALIDATION', message: 'file too large or empty' }, { status: 413 });
	}
	const mode = url.searchParams.get('mode');
	if (mode !== 'check' && mode !== 'commit') return json({ appCode: 'VALIDATION' }, { status: 400 });
	// Bytes, not text: the parser finds whether the file is UTF-8 or Excel's Windows-1250.
	const csv = await parseCsv(Readable.fromWeb(request.body as never));
	const report = await importMeterPoints(getServices().db, csv, {
		dryRun: mode === 'check',
		fileName: url.searchParams.get('name') ?? 'upload.csv',
		actor: httpActor(locals.auth!, getClientAddress(), request.headers.get('user-agent')),
		locale: getLocale()
	});
	return json(report);
};
