/** Lists planners review: sync conflicts, refused field changes, suspected irregularities, overridden mismatches. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

export type ReviewList = 'conflicts' | 'rejections' | 'irregularities' | 'mismatches';

function jobPlace(db: Kysely<DB>) {
	return db
		.selectFrom('jobs as j')
		.innerJoin('meter_points as mp', 'mp.id', 'j.meter_point_id')
		.innerJoin('buildings as b', 'b.id', 'mp.building_id')
		.innerJoin('estates as e', 'e.id', 'b.estate_id');
}

export async function reviewCounts(db: Kysely<DB>) {
	const count = async (q: Promise<{ n: number | string | bigint } | undefined>) => Number((await q)?.n ?? 0);
	const [conflicts, rejections, irregularities, mismatches] = await Promise.all([
		count(db.selectFrom('sync_conflicts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()),
		count(db.selectFrom('mutation_log').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'rejected').executeTakeFirst()),
		count(irregularityQuery(db).select((eb) => eb.fn.count<number>('x.job_id').distinct().as('n')).executeTakeFirst()),
		count(db.selectFrom('exchanges').select((eb) => eb.fn.countAll<number>().as('n')).where('old_meter_mismatch', '=', 1).executeTakeFirst())
	]);
	return { conflicts, rejections, irregularities, mismatches };
}

function irregularityQuery(db: Kysely<DB>) {
	return db
		.selectFrom('exchanges as x')
		.where((eb) =>
			eb.or([
				eb('x.irregularity_suspected', '=', 1),
				eb.exists(eb.selectFrom('seals as s').select('s.id').whereRef('s.job_id', '=', 'x.job_id').where('s.meter_role', '=', 'old').where('s.state', 'in', ['broken', 'missing']))
			])
		);
}

export async function reviewList(db: Kysely<DB>, list: ReviewList, page: { offset: number; limit: number }) {
	const counts = await reviewCounts(db);
	switch (list) {
		case 'conflicts': {
			const rows = await db
				.selectFrom('sync_conflicts as c')
				.leftJoin('users as u', 'u.id', 'c.user_id')
				.leftJoin('jobs as j', (j) => j.onRef('j.id', '=', 'c.entity_id').on('c.entity', '=', 'job'))
				.leftJoin('meter_points as mp', 'mp.id', 'j.meter_point_id')
				.select(['c.id', 'c.entity', 'c.entity_id', 'c.field', 'c.office_value', 'c.field_value', 'c.created_at', 'c.resolved_at', 'u.display_name as fitter', 'mp.ppe'])
				.orderBy('c.created_at', 'desc')
				.orderBy('c.id')
				.offset(page.offset)
				.limit(page.limit)
				.execute();
			return { total: counts.conflicts, counts, rows: rows.map((r) => ({ kind: 'conflicts' as const, id: r.id, jobId: r.entity === 'job' ? r.entity_id : null, at: r.created_at, ppe: r.ppe, fitter: r.fitter, detail: `${r.entity}.${r.field}`, office: r.office_value, field: r.field_value, resolved: r.resolved_at !== null })) };
		}
		case 'rejections': {
			const rows = await db
				.selectFrom('mutation_log as m')
				.leftJoin('users as u', 'u.id', 'm.user_id')
				.select(['m.client_id', 'm.mutation_id', 'm.name', 'm.args', 'm.reason_code', 'm.reason_message', 'm.received_at', 'm.client_at', 'u.display_name as fitter'])
				.where('m.status', '=', 'rejected')
				.orderBy('m.received_at', 'desc')
				.orderBy('m.client_id')
				.orderBy('m.mutation_id')
				.offset(page.offset)
				.limit(page.limit)
				.execute();
			return {
				total: counts.rejections,
				counts,
				rows: rows.map((r) => {
					let jobId: string | null = null;
					try {
						jobId = (JSON.parse(r.args) as { jobId?: string }).jobId ?? null;
					} catch {
						jobId = null;
					}
					return { kind: 'rejections' as const, id: `${r.client_id}#${r.mutation_id}`, at: r.received_at, fitter: r.fitter, mutation: r.name, reason: r.reason_message ?? r.reason_code ?? '', code: r.reason_code, jobId };
				})
			};
		}
		case 'irregularities': {
			const rows = await irregularityQuery(db)
				.innerJoin('jobs as j', 'j.id', 'x.job_id')
				.innerJoin('meter_points as mp', 'mp.id', 'j.meter_point_id')
				.innerJoin('buildings as b', 'b.id', 'mp.building_id')
				.leftJoin('users as u', 'u.id', 'x.user_id')
				.select((eb) => [
					'x.job_id', 'x.created_at', 'x.old_meter_serial', 'mp.ppe', 'mp.stairwell', 'mp.flat', 'b.street', 'b.number', 'u.display_name as fitter',
					eb.selectFrom('seals as s').select('s.state').whereRef('s.job_id', '=', 'x.job_id').where('s.meter_role', '=', 'old').where('s.state', 'in', ['broken', 'missing']).limit(1).as('seal_state')
				])
				.orderBy('x.created_at', 'desc')
				.orderBy('x.job_id')
				.offset(page.offset)
				.limit(page.limit)
				.execute();
			return { total: counts.irregularities, counts, rows: rows.map((r) => ({ kind: 'irregularities' as const, id: r.job_id, at: r.created_at, ppe: r.ppe, address: `${r.street} ${r.number}`, stairwell: r.stairwell, flat: r.flat, fitter: r.fitter, seal: r.seal_state ?? 'reported', oldSerial: r.old_meter_serial })) };
		}
		case 'mismatches': {
			const rows = await jobPlace(db)
				.innerJoin('exchanges as x', 'x.job_id', 'j.id')
				.leftJoin('users as u', 'u.id', 'x.user_id')
				.leftJoin('meters as m', (join) => join.onRef('m.meter_point_id', '=', 'mp.id').on('m.kind', '=', 'conventional'))
				.select(['x.job_id', 'x.created_at', 'x.old_meter_serial', 'x.mismatch_reason', 'm.serial as expected_serial', 'mp.ppe', 'b.street', 'b.number', 'mp.flat', 'u.display_name as fitter'])
				.where('x.old_meter_mismatch', '=', 1)
				.orderBy('x.created_at', 'desc')
				.orderBy('x.job_id')
				.offset(page.offset)
				.limit(page.limit)
				.execute();
			return { total: counts.mismatches, counts, rows: rows.map((r) => ({ kind: 'mismatches' as const, id: r.job_id, at: r.created_at, ppe: r.ppe, address: `${r.street} ${r.number}`, flat: r.flat, fitter: r.fitter, expected: r.expected_serial, found: r.old_meter_serial, reason: r.mismatch_reason })) };
		}
	}
}
