/**
 * The console's search box: one field, whatever the office has at hand — a PPE (full or its last
 * digits), an old or new meter serial, an address ("Lniana 4/12"), a fitter's badge number or a
 * resident's booking reference — leads to the job.
 */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { checkBadgeNumber } from '../../src/lib/domain/badge';
import { warsawDate } from '../../src/lib/domain/time';
import type { DB } from '../db/schema';
import { parseBookingReference } from '../booking/reference';
import { pointsWithCurrentJob } from '../plan/views';

export type SearchKey = 'ppe' | 'old_serial' | 'new_serial' | 'address' | 'badge' | 'booking';
export const SEARCH_LIMIT = 20;

/** Points with their current job, and what the search shows of each. */
function searchRows(db: Kysely<DB>) {
	return pointsWithCurrentJob(db)
		.leftJoin('crews as c', 'c.id', 'j.crew_id')
		.select(['j.id as job_id', 'j.status', 'j.planned_date', 'c.name as crew', 'mp.ppe', 'mp.stairwell', 'mp.flat', 'mp.location', 'b.street', 'b.number', 'b.city']);
}

type Filter = (eb: ExpressionBuilder<any, any>) => ReturnType<ExpressionBuilder<any, any>['exists']> | ReturnType<ExpressionBuilder<any, any>['and']>;

/** Drops LIKE's wildcards from what was typed: a search for "50%" is not a pattern. */
const literal = (s: string) => s.replace(/[%_\\]/g, '');

/** "ul. Lniana 4/12", "Lniana 4 m. 12", "Lniana": the street, and the number and flat if given. */
export function parseAddress(q: string): { street: string; number: string | null; flat: string | null } | null {
	const m = /^(?:ul\.?|al\.?|os\.?|pl\.?)?\s*(.*?[\p{L}].*?)(?:\s+(\d+[a-zA-Z]?)(?:\s*(?:\/|m\.?|lok\.?)\s*([\p{L}\d]+))?)?$/u.exec(q.trim());
	if (!m || m[1]!.trim().length < 2) return null;
	return { street: literal(m[1]!.trim().toLowerCase()), number: m[2] ?? null, flat: m[3] ?? null };
}

export async function searchJobs(db: Kysely<DB>, input: string) {
	const q = input.trim();
	const compact = q.replace(/[\s-]/g, '').toUpperCase();
	const filters: Array<{ key: SearchKey; where: Filter }> = [];

	const booking = parseBookingReference(q);
	if (booking) filters.push({ key: 'booking', where: (eb) => eb.exists(eb.selectFrom('jobs as jb').select('jb.id').whereRef('jb.meter_point_id', '=', 'mp.id').where('jb.booking_reference', '=', booking)) });

	const badge = checkBadgeNumber(q);
	if (badge.ok) {
		// A fitter's badge: the jobs their crew has today and the exchanges they did.
		const today = warsawDate();
		filters.push({
			key: 'badge',
			where: (eb) =>
				eb.or([
					eb.exists(
						eb.selectFrom('jobs as jw').innerJoin('workers as w', 'w.crew_id', 'jw.crew_id').select('jw.id')
							.whereRef('jw.meter_point_id', '=', 'mp.id').where('w.badge_number', '=', badge.badgeNumber).where('jw.planned_date', '=', today)
					),
					eb.exists(
						eb.selectFrom('exchanges as xw').innerJoin('jobs as jx', 'jx.id', 'xw.job_id').innerJoin('users as uw', 'uw.id', 'xw.user_id').innerJoin('workers as w2', 'w2.id', 'uw.worker_id')
							.select('xw.job_id').whereRef('jx.meter_point_id', '=', 'mp.id').where('w2.badge_number', '=', badge.badgeNumber)
					)
				])
		});
	}

	if (/^\d{4,18}$/.test(compact)) {
		filters.push({ key: 'ppe', where: (eb) => (compact.length === 18 ? eb('mp.ppe', '=', compact) : eb('mp.ppe', 'like', `%${compact}`)) as never });
	}
	// Serials are stored upper case without spaces (codes.ts); a fragment of four or more characters.
	if (/^[A-Z]{0,3}\d{4,16}$/.test(compact)) {
		filters.push({ key: 'old_serial', where: (eb) => eb.exists(eb.selectFrom('meters as mo').select('mo.id').whereRef('mo.meter_point_id', '=', 'mp.id').where('mo.kind', '=', 'conventional').where('mo.serial', 'like', `%${compact}%`)) });
		filters.push({
			key: 'new_serial',
			where: (eb) => eb.exists(eb.selectFrom('exchanges as xn').innerJoin('jobs as jn', 'jn.id', 'xn.job_id').select('xn.job_id').whereRef('jn.meter_point_id', '=', 'mp.id').where('xn.new_meter_serial', 'like', `%${compact}%`))
		});
	}

	const address = /\p{L}/u.test(q) && !badge.ok && !booking ? parseAddress(q) : null;
	if (address) {
		filters.push({
			key: 'address',
			where: (eb) =>
				eb.and([
					eb(eb.fn('lower', ['b.street']), 'like', `%${address.street}%`),
					...(address.number ? [eb(eb.fn('lower', ['b.number']), '=', address.number.toLowerCase())] : []),
					...(address.flat ? [eb(eb.fn('lower', ['mp.flat']), '=', address.flat.toLowerCase())] : [])
				])
		});
	}

	const seen = new Set<string>();
	const matches: Array<{ key: SearchKey; jobId: string | null; status: string | null; plannedDate: string | null; crew: string | null; ppe: string; street: string; number: string; city: string; stairwell: string; flat: string | null; location: string }> = [];
	for (const f of filters) {
		if (matches.length >= SEARCH_LIMIT) break;
		const rows = await searchRows(db)
			.where((eb) => f.where(eb) as never)
			.orderBy('b.street')
			.orderBy('b.number')
			.orderBy('mp.stairwell')
			.orderBy('mp.flat')
			.orderBy('mp.ppe')
			.limit(SEARCH_LIMIT + 1)
			.execute();
		for (const r of rows) {
			if (seen.has(r.ppe) || matches.length >= SEARCH_LIMIT) continue;
			seen.add(r.ppe);
			matches.push({ key: f.key, jobId: r.job_id, status: r.status, plannedDate: r.planned_date, crew: r.crew, ppe: r.ppe, street: r.street, number: r.number, city: r.city, stairwell: r.stairwell, flat: r.flat, location: r.location });
		}
	}
	return { query: q, matches, more: matches.length >= SEARCH_LIMIT };
}
