/** Read models of the planner's views: per estate, per crew and day, per fitter. */
import { sql, type Kysely } from 'kysely';
import { warsawDate } from '../../src/lib/domain/time';
import type { DB, JobStatus } from '../db/schema';
import { naturalCompare } from '../schedule/engine';

const STATUSES: Array<JobStatus | 'unplanned'> = ['unplanned', 'planned', 'in_progress', 'done', 'no_access', 'turned_back', 'cancelled'];
type StatusCounts = Record<JobStatus | 'unplanned', number>;
const zero = (): StatusCounts => Object.fromEntries(STATUSES.map((s) => [s, 0])) as StatusCounts;

/** Points with their current (latest) job; uuid v7 ids grow with time, so max(id) is the latest. */
export function pointsWithCurrentJob(db: Kysely<DB>) {
	return db
		.selectFrom('meter_points as mp')
		.innerJoin('buildings as b', 'b.id', 'mp.building_id')
		.leftJoin('jobs as j', (join) =>
			join.onRef('j.meter_point_id', '=', 'mp.id').on('j.id', '=', (eb) => eb.selectFrom('jobs as j2').select(sql<string>`max(j2.id)`.as('m')).whereRef('j2.meter_point_id', '=', 'mp.id'))
		);
}

export async function listEstates(db: Kysely<DB>) {
	const [estates, rows, buildings] = await Promise.all([
		db.selectFrom('estates').select(['id', 'name', 'city', 'is_demo']).orderBy('name').execute(),
		pointsWithCurrentJob(db)
			.select(['b.estate_id', 'j.status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('j.planned_date').as('first'), (eb) => eb.fn.max('j.planned_date').as('last')])
			.groupBy(['b.estate_id', 'j.status'])
			.execute(),
		db.selectFrom('buildings').select(['estate_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('estate_id').execute()
	]);
	return estates.map((e) => {
		const counts = zero();
		let first: string | null = null;
		let last: string | null = null;
		for (const r of rows.filter((r) => r.estate_id === e.id)) {
			counts[r.status ?? 'unplanned'] += Number(r.n);
			if (r.status === 'planned' || r.status === 'in_progress') {
				if (r.first && (!first || r.first < first)) first = r.first as string;
				if (r.last && (!last || r.last > last)) last = r.last as string;
			}
		}
		const points = Object.values(counts).reduce((a, b) => a + b, 0);
		return { id: e.id, name: e.name, city: e.city, isDemo: e.is_demo === 1, buildings: Number(buildings.find((b) => b.estate_id === e.id)?.n ?? 0), points, counts, firstPlanned: first, lastPlanned: last };
	});
}

/** Buildings and stairwells of an estate with their dates, crews and status counts. */
export async function estateView(db: Kysely<DB>, f: { estateId: string; status?: JobStatus | 'unplanned'; from?: string; to?: string }) {
	const [rows, crews] = await Promise.all([
		pointsWithCurrentJob(db)
			.select(['b.id as building_id', 'b.street', 'b.number', 'mp.stairwell', 'mp.location', 'j.status', 'j.planned_date', 'j.crew_id', 'j.window_start', 'j.window_end'])
			.where('b.estate_id', '=', f.estateId)
			.execute(),
		db.selectFrom('crews').select(['id', 'name']).execute()
	]);
	const crewName = new Map(crews.map((c) => [c.id, c.name]));
	type Stairwell = {
		buildingId: string; street: string; number: string; stairwell: string; points: number; inHome: number; counts: StatusCounts;
		dates: string[]; crews: string[]; block: { date: string; crewId: string; crew: string; start: string; end: string } | null; matches: boolean;
	};
	const map = new Map<string, Stairwell>();
	for (const r of rows) {
		const key = `${r.building_id}|${r.stairwell}`;
		let s = map.get(key);
		if (!s) map.set(key, (s = { buildingId: r.building_id, street: r.street, number: r.number, stairwell: r.stairwell, points: 0, inHome: 0, counts: zero(), dates: [], crews: [], block: null, matches: false }));
		s.points++;
		if (r.location === 'in_home') s.inHome++;
		const status = r.status ?? 'unplanned';
		s.counts[status]++;
		if (r.planned_date && !s.dates.includes(r.planned_date)) s.dates.push(r.planned_date);
		const crew = r.crew_id ? (crewName.get(r.crew_id) ?? '') : null;
		if (crew && !s.crews.includes(crew)) s.crews.push(crew);
		if (r.location === 'stairwell' && r.planned_date && r.crew_id && r.window_start && r.window_end && (status === 'planned' || status === 'in_progress')) {
			s.block ??= { date: r.planned_date, crewId: r.crew_id, crew: crew ?? '', start: r.window_start, end: r.window_end };
		}
		const inRange = (!f.from || (r.planned_date ?? '') >= f.from) && (!f.to || (r.planned_date !== null && r.planned_date <= f.to));
		if ((!f.status || f.status === status) && inRange) s.matches = true;
	}
	return [...map.values()]
		.filter((s) => s.matches)
		.sort((a, b) => naturalCompare(a.street, b.street) || naturalCompare(a.number, b.number) || naturalCompare(a.stairwell, b.stairwell))
		.map(({ matches: _m, ...s }) => ({ ...s, dates: s.dates.sort() }));
}

/** Each crew's day as a timeline: its jobs in order with their windows. */
export async function crewDay(db: Kysely<DB>, f: { date: string; crewId?: string; estateId?: string; status?: JobStatus }) {
	let q = db
		.selectFrom('jobs')
		.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
		.innerJoin('buildings as b', 'b.id', 'mp.building_id')
		.innerJoin('estates as e', 'e.id', 'b.estate_id')
		.select([
			'jobs.id', 'jobs.crew_id', 'jobs.status', 'jobs.window_start', 'jobs.window_end', 'jobs.sequence', 'jobs.attempt', 'jobs.slot_id', 'jobs.booking_reference',
			'mp.ppe', 'mp.stairwell', 'mp.flat', 'mp.location', 'b.id as building_id', 'b.street', 'b.number', 'e.name as estate'
		])
		.where('jobs.planned_date', '=', f.date)
		.where('jobs.crew_id', 'is not', null);
	if (f.crewId) q = q.where('jobs.crew_id', '=', f.crewId);
	if (f.estateId) q = q.where('b.estate_id', '=', f.estateId);
	if (f.status) q = q.where('jobs.status', '=', f.status);
	const [jobs, crews] = await Promise.all([
		q.orderBy('jobs.window_start').orderBy('jobs.sequence').execute(),
		db.selectFrom('crews').select(['id', 'name', 'work_start', 'work_end']).orderBy('name').execute()
	]);
	return crews
		.filter((c) => !f.crewId || c.id === f.crewId)
		.map((c) => {
			const mine = jobs.filter((j) => j.crew_id === c.id);
			// Stairwell meters sharing a window are one block on the timeline; in-home visits group by slot.
			const blocks = new Map<string, { key: string; kind: 'stairwell' | 'slot'; buildingId: string; street: string; number: string; estate: string; stairwell: string | null; start: string | null; end: string | null; jobs: typeof mine }>();
			for (const j of mine) {
				const key = j.location === 'stairwell' ? `s|${j.building_id}|${j.stairwell}|${j.window_start}` : `h|${j.slot_id ?? j.id}`;
				let b = blocks.get(key);
				if (!b) blocks.set(key, (b = { key, kind: j.location === 'stairwell' ? 'stairwell' : 'slot', buildingId: j.building_id, street: j.street, number: j.number, estate: j.estate, stairwell: j.location === 'stairwell' ? j.stairwell : null, start: j.window_start, end: j.window_end, jobs: [] }));
				b.jobs.push(j);
			}
			return {
				crewId: c.id,
				name: c.name,
				start: c.work_start,
				end: c.work_end,
				blocks: [...blocks.values()].map((b) => ({
					...b,
					jobs: b.jobs.map((j) => ({ id: j.id, status: j.status, ppe: j.ppe, flat: j.flat, stairwell: j.stairwell, location: j.location, attempt: j.attempt, booked: j.booking_reference !== null }))
				}))
			};
		})
		.filter((c) => !f.estateId && !f.status ? true : c.blocks.length > 0);
}

/** A fitter's crew, absences and days (their crew's jobs, and the exchanges they did themselves). */
export async function fitterView(db: Kysely<DB>, f: { workerId: string; from: string; to: string }) {
	const worker = await db
		.selectFrom('workers')
		.leftJoin('crews', 'crews.id', 'workers.crew_id')
		.leftJoin('users', 'users.worker_id', 'workers.id')
		.select(['workers.id', 'workers.first_name', 'workers.last_name', 'workers.badge_number', 'workers.crew_id', 'crews.name as crew', 'users.id as user_id'])
		.where('workers.id', '=', f.workerId)
		.executeTakeFirst();
	if (!worker) return null;
	const [absences, jobs, done] = await Promise.all([
		db.selectFrom('absences').select(['id', 'from_date', 'to_date', 'reason']).where('worker_id', '=', f.workerId).where('to_date', '>=', f.from).where('from_date', '<=', f.to).orderBy('from_date').execute(),
		worker.crew_id
			? db
					.selectFrom('jobs')
					.select(['planned_date', 'status', (eb) => eb.fn.countAll<number>().as('n')])
					.where('crew_id', '=', worker.crew_id)
					.where('planned_date', '>=', f.from)
					.where('planned_date', '<=', f.to)
					.groupBy(['planned_date', 'status'])
					.execute()
			: Promise.resolve([]),
		worker.user_id
			? db.selectFrom('exchanges').innerJoin('jobs', 'jobs.id', 'exchanges.job_id').select(['jobs.completed_at']).where('exchanges.user_id', '=', worker.user_id).where('jobs.status', '=', 'done').execute()
			: Promise.resolve([])
	]);
	const days = new Map<string, { date: string; counts: StatusCounts; doneByFitter: number; absent: boolean }>();
	for (const r of jobs) {
		const d = days.get(r.planned_date!) ?? { date: r.planned_date!, counts: zero(), doneByFitter: 0, absent: false };
		d.counts[r.status] += Number(r.n);
		days.set(r.planned_date!, d);
	}
	for (const e of done) {
		if (!e.completed_at) continue;
		const date = warsawDate(new Date(e.completed_at));
		if (date < f.from || date > f.to) continue;
		const d = days.get(date) ?? { date, counts: zero(), doneByFitter: 0, absent: false };
		d.doneByFitter++;
		days.set(date, d);
	}
	for (const d of days.values()) d.absent = absences.some((a) => a.from_date <= d.date && d.date <= a.to_date);
	return {
		id: worker.id,
		name: `${worker.first_name} ${worker.last_name}`,
		badge: worker.badge_number,
		crewId: worker.crew_id,
		crew: worker.crew,
		absences: absences.map((a) => ({ id: a.id, from: a.from_date, to: a.to_date, reason: a.reason })),
		days: [...days.values()].sort((a, b) => (a.date < b.date ? -1 : 1))
	};
}
