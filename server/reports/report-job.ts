/**
 * Which job a resident's report is about: the PPE if they gave one, otherwise the address they
 * typed ("ul. Lniana 4/12, Wrocław") — the job at that building (their flat's, when they gave a
 * flat) planned closest to the day it happened, within a week either side.
 */
import type { Kysely } from 'kysely';
import { checkPpe } from '../../src/lib/domain/ppe';
import { addDaysToDate, warsawDate } from '../../src/lib/domain/time';
import type { DB } from '../db/schema';
import { parseAddress } from '../jobs/job-search';

export const REPORT_JOB_DAYS = 7;

/** The street part a resident typed: before the first comma, without a postcode or "Wrocław". */
function addressPart(text: string): string {
	return text.split(/[,;\n]/)[0]!.replace(/\b\d{2}-\d{3}\b/g, '').trim();
}

export async function jobForReport(db: Kysely<DB>, text: string, occurredAt: string): Promise<string | null> {
	const day = warsawDate(new Date(occurredAt));
	const from = addDaysToDate(day, -REPORT_JOB_DAYS);
	const to = addDaysToDate(day, REPORT_JOB_DAYS);
	let q = db
		.selectFrom('jobs as j')
		.innerJoin('meter_points as mp', 'mp.id', 'j.meter_point_id')
		.innerJoin('buildings as b', 'b.id', 'mp.building_id')
		.select(['j.id', 'j.planned_date', 'mp.flat', 'mp.location'])
		.where('j.planned_date', '>=', from)
		.where('j.planned_date', '<=', to)
		.where('j.status', '!=', 'cancelled');
	const ppe = /\d[\d\s-]{16,24}\d/.exec(text);
	const checked = ppe ? checkPpe(ppe[0]) : null;
	let flat: string | null = null;
	if (checked?.ok) q = q.where('mp.ppe', '=', checked.ppe);
	else {
		const address = parseAddress(addressPart(text));
		if (!address?.number) return null;
		flat = address.flat?.toLowerCase() ?? null;
		q = q.where((eb) => eb(eb.fn('lower', ['b.street']), 'like', `%${address.street}%`)).where((eb) => eb(eb.fn('lower', ['b.number']), '=', address.number!.toLowerCase()));
	}
	const rows = await q.orderBy('j.id').limit(2000).execute();
	const distance = (d: string | null) => Math.abs(Date.parse(`${d}T12:00:00Z`) - Date.parse(`${day}T12:00:00Z`));
	// Their own flat's job first; then the building's stairwell work; the nearest day; the newest job.
	const rank = (r: (typeof rows)[number]) => (flat !== null && r.flat?.toLowerCase() === flat ? 0 : r.location === 'stairwell' ? 1 : flat === null ? 1 : 2);
	const best = rows.sort((a, b) => rank(a) - rank(b) || distance(a.planned_date) - distance(b.planned_date) || (a.id < b.id ? 1 : -1))[0];
	return best?.id ?? null;
}
