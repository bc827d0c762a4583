/**
 * The dashboard's figures, computed from what the fitters' sync stored: job states, outages,
 * exchanges and their commissioning. Durations are computed here (not in SQL) so SQLite and
 * PostgreSQL give the same minutes.
 */
import type { Kysely } from 'kysely';
import { warsawDate } from '../../src/lib/domain/time';
import type { CommissioningState, DB } from '../db/schema';
import { listEstates } from '../plan/views';

/** Outage duration buckets, upper bounds in minutes (inclusive); the last is "more than 3 h". */
const OUTAGE_BUCKETS = [
	{ key: 'le15', max: 15 },
	{ key: 'le30', max: 30 },
	{ key: 'le60', max: 60 },
	{ key: 'le180', max: 180 },
	{ key: 'gt180', max: Infinity }
] as const;
export type OutageBucket = (typeof OUTAGE_BUCKETS)[number]['key'];

export function outageBucket(minutes: number): OutageBucket {
	return OUTAGE_BUCKETS.find((b) => minutes <= b.max)!.key;
}

const emptyBuckets = () => Object.fromEntries(OUTAGE_BUCKETS.map((b) => [b.key, 0])) as Record<OutageBucket, number>;

/** Outages of one group (an estate, a fitter, a month). */
interface OutageGroup {
	key: string;
	label: string;
	buckets: Record<OutageBucket, number>;
	customerMinutes: number;
	count: number;
}

export interface DashboardFilter {
	from: string;
	to: string;
	estateId?: string;
}

/** Warsaw days of an ISO instant, for period filters over timestamps. */
const dayOf = (iso: string) => warsawDate(new Date(iso));

export async function dashboard(db: Kysely<DB>, f: DashboardFilter) {
	const estates = (await listEstates(db)).filter((e) => !f.estateId || e.id === f.estateId);

	let outageQuery = db
		.selectFrom('outages as o')
		.innerJoin('jobs as j', 'j.id', 'o.job_id')
		.innerJoin('meter_points as mp', 'mp.id', 'j.meter_point_id')
		.innerJoin('buildings as b', 'b.id', 'mp.building_id')
		.innerJoin('estates as e', 'e.id', 'b.estate_id')
		.leftJoin('users as u', 'u.id', 'o.user_id')
		.select(['o.off_at', 'o.on_at', 'e.id as estate_id', 'e.name as estate', 'o.user_id', 'u.display_name as fitter'])
		.where('o.on_at', 'is not', null);
	if (f.estateId) outageQuery = outageQuery.where('b.estate_id', '=', f.estateId);
	let exchangeQuery = db
		.selectFrom('exchanges as x')
		.innerJoin('jobs as j', 'j.id', 'x.job_id')
		.innerJoin('meter_points as mp', 'mp.id', 'j.meter_point_id')
		.innerJoin('buildings as b', 'b.id', 'mp.building_id')
		.leftJoin('users as u', 'u.id', 'x.user_id')
		.select(['x.commissioning_state', 'j.status', 'j.completed_at', 'x.user_id', 'u.display_name as fitter', 'b.estate_id']);
	if (f.estateId) exchangeQuery = exchangeQuery.where('b.estate_id', '=', f.estateId);
	// "Could not complete" on site: back in planning like a no-access visit, counted beside it.
	let exceptionQuery = db
		.selectFrom('job_exceptions as x')
		.innerJoin('jobs as j', 'j.id', 'x.job_id')
		.innerJoin('meter_points as mp', 'mp.id', 'j.meter_point_id')
		.innerJoin('buildings as b', 'b.id', 'mp.building_id')
		.leftJoin('users as u', 'u.id', 'x.user_id')
		.select(['x.id', 'x.job_id', 'x.reason', 'x.at', 'j.status', 'j.exception_reason', 'mp.ppe', 'b.street', 'b.number', 'mp.stairwell', 'mp.flat', 'b.estate_id', 'u.display_name as fitter'])
		.orderBy('x.at', 'desc');
	if (f.estateId) exceptionQuery = exceptionQuery.where('b.estate_id', '=', f.estateId);
	const [outages, exchanges, exceptions] = await Promise.all([outageQuery.execute(), exchangeQuery.execute(), exceptionQuery.execute()]);
	const openExceptions = exceptions.filter((x) => x.status === 'no_access' && x.exception_reason === x.reason);
	const exceptionsByEstate = new Map<string, number>();
	for (const x of new Map(openExceptions.map((x) => [x.job_id, x])).values()) exceptionsByEstate.set(x.estate_id, (exceptionsByEstate.get(x.estate_id) ?? 0) + 1);

	const inPeriod = (iso: string | null) => {
		if (!iso) return false;
		const day = dayOf(iso);
		return day >= f.from && day <= f.to;
	};
	const byEstate = new Map<string, OutageGroup>();
	const byFitter = new Map<string, OutageGroup>();
	const byMonth = new Map<string, OutageGroup>();
	const total = { buckets: emptyBuckets(), customerMinutes: 0, count: 0 };
	const add = (map: Map<string, OutageGroup>, key: string, label: string, minutes: number, bucket: OutageBucket) => {
		const row = map.get(key) ?? { key, label, buckets: emptyBuckets(), customerMinutes: 0, count: 0 };
		row.buckets[bucket]++;
		row.customerMinutes += minutes;
		row.count++;
		map.set(key, row);
	};
	for (const o of outages) {
		if (!inPeriod(o.off_at)) continue;
		// One outage cuts one customer (one point of delivery): its minutes are customer-minutes.
		const minutes = Math.max(0, (Date.parse(o.on_at!) - Date.parse(o.off_at)) / 60_000);
		const bucket = outageBucket(minutes);
		total.buckets[bucket]++;
		total.customerMinutes += minutes;
		total.count++;
		add(byEstate, o.estate_id, o.estate, minutes, bucket);
		add(byFitter, o.user_id, o.fitter ?? '—', minutes, bucket);
		const month = dayOf(o.off_at).slice(0, 7);
		add(byMonth, month, month, minutes, bucket);
	}

	const throughput = new Map<string, { fitter: string; userId: string; days: Map<string, number> }>();
	const commissioning: Record<CommissioningState, number> = { not_requested: 0, pending: 0, communicating: 0, failed: 0, escalated: 0 };
	for (const x of exchanges) {
		commissioning[x.commissioning_state]++;
		if (x.status !== 'done' || !inPeriod(x.completed_at)) continue;
		const t = throughput.get(x.user_id) ?? { fitter: x.fitter ?? '—', userId: x.user_id, days: new Map() };
		const day = dayOf(x.completed_at!);
		t.days.set(day, (t.days.get(day) ?? 0) + 1);
		throughput.set(x.user_id, t);
	}
	const round = (n: number) => Math.round(n * 10) / 10;
	const rows = (m: Map<string, OutageGroup>) => [...m.values()].sort((a, b) => a.label.localeCompare(b.label, 'pl')).map((r) => ({ ...r, customerMinutes: round(r.customerMinutes) }));
	return {
		period: { from: f.from, to: f.to },
		progress: estates.map((e) => ({
			estateId: e.id,
			estate: e.name,
			points: e.points,
			planned: e.counts.planned + e.counts.in_progress,
			done: e.counts.done,
			noAccess: e.counts.no_access - (exceptionsByEstate.get(e.id) ?? 0),
			couldNotComplete: exceptionsByEstate.get(e.id) ?? 0,
			turnedBack: e.counts.turned_back,
			unplanned: e.counts.unplanned + e.counts.cancelled
		})),
		outages: { total: { ...total, customerMinutes: round(total.customerMinutes) }, byEstate: rows(byEstate), byFitter: rows(byFitter), byMonth: rows(byMonth).sort((a, b) => (a.key < b.key ? -1 : 1)) },
		throughput: [...throughput.values()]
			.map((t) => {
				const days = [...t.days.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([date, n]) => ({ date, exchanges: n }));
				const sum = days.reduce((s, d) => s + d.exchanges, 0);
				return { userId: t.userId, fitter: t.fitter, days, total: sum, perDay: days.length ? round(sum / days.length) : 0 };
			})
			.sort((a, b) => a.fitter.localeCompare(b.fitter, 'pl')),
		commissioning,
		/** The latest "could not complete" records in the period, each leading to its job. */
		exceptions: exceptions
			.filter((x) => inPeriod(x.at))
			.slice(0, 20)
			.map((x) => ({ id: x.id, jobId: x.job_id, reason: x.reason, at: x.at, ppe: x.ppe, address: `${x.street} ${x.number}`, stairwell: x.stairwell, flat: x.flat, fitter: x.fitter }))
	};
}
