import { sql } from 'kysely';
import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getServices } from '$server/app';

/** Liveness plus a one-row database round trip, for load balancers and on-call. */
export const GET: RequestHandler = async () => {
	const started = performance.now();
	try {
		const { db, database } = getServices();
		await sql`select 1`.execute(db);
		return json({ status: 'ok', database: database.dialect, dbMs: Math.round(performance.now() - started) }, { headers: { 'cache-control': 'no-store' } });
	} catch {
		return json({ status: 'unavailable' }, { status: 503, headers: { 'cache-control': 'no-store' } });
	}
};
