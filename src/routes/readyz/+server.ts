import { sql } from 'kysely';
import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getServices, readiness } from '$server/app';
import { migrationNames } from '$server/db/migrations';

/**
 * Readiness for a load balancer: 200 only while this instance serves normally — migrated, its
 * database reachable, not shutting down. /healthz stays the liveness check.
 */
export const GET: RequestHandler = async () => {
	const headers = { 'cache-control': 'no-store' };
	const state = readiness();
	if (state !== 'ready') return json({ status: state }, { status: 503, headers });
	try {
		const { db } = getServices();
		const applied = await sql<{ n: number | string }>`select count(*) as n from kysely_migration`.execute(db);
		const migrations = Number(applied.rows[0]?.n ?? 0);
		if (migrations < migrationNames.length) return json({ status: 'migrating', migrations }, { status: 503, headers });
		return json({ status: 'ready', migrations }, { headers });
	} catch {
		return json({ status: 'database-unavailable' }, { status: 503, headers });
	}
};
