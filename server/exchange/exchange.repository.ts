import type { Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';
import { prepared } from '../db/prepared';
import type { DB, ExchangesTable, OutagesTable, SealsTable } from '../db/schema';
import { nowIso } from '../util/ids';

const pointOfJob = prepared((db, p: { jobId: string }) =>
	db
		.selectFrom('jobs')
		.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
		.leftJoin('meters as m', (j) => j.onRef('m.meter_point_id', '=', 'mp.id').on('m.state', '=', 'installed'))
		.select([
			'mp.id as point_id', 'mp.ppe', 'mp.location', 'mp.tariff_group', 'mp.prosumer', 'm.id as meter_id', 'm.serial as meter_serial',
			'm.last_readings', 'm.last_read_on'
		])
		.where('jobs.id', '=', p.jobId)
);

/** What the exchange rules need to know about the job's meter point and the meter expected there. */
export async function jobPoint(db: Kysely<DB>, jobId: string) {
	const [point] = await pointOfJob(db, { jobId });
	if (!point) throw new Error(`job ${jobId} has no meter point`);
	return point;
}

export function findExchange(db: Kysely<DB> | Transaction<DB>, jobId: string) {
	return db.selectFrom('exchanges').selectAll().where('job_id', '=', jobId).executeTakeFirst();
}

/** Creates the job's exchange row on the first fact recorded, then updates it (one statement). */
export function saveExchange(
	trx: Transaction<DB>,
	jobId: string,
	userId: string,
	patch: Updateable<ExchangesTable>
): Promise<Selectable<ExchangesTable>> {
	const at = nowIso();
	return trx
		.insertInto('exchanges')
		.values({ ...patch, job_id: jobId, user_id: userId, created_at: at, updated_at: at } as Insertable<ExchangesTable>)
		.onConflict((oc) => oc.column('job_id').doUpdateSet({ ...patch, updated_at: at }))
		.returningAll()
		.executeTakeFirstOrThrow();
}

export function findOutage(db: Kysely<DB> | Transaction<DB>, id: string) {
	return db.selectFrom('outages').selectAll().where('id', '=', id).executeTakeFirst();
}

export function readingsOf(db: Kysely<DB> | Transaction<DB>, jobId: string) {
	return db.selectFrom('readings').selectAll().where('job_id', '=', jobId).orderBy('created_at').execute();
}

export function sealsOf(db: Kysely<DB> | Transaction<DB>, jobId: string): Promise<Selectable<SealsTable>[]> {
	return db.selectFrom('seals').selectAll().where('job_id', '=', jobId).execute();
}

export function outagesOf(db: Kysely<DB> | Transaction<DB>, jobId: string): Promise<Selectable<OutagesTable>[]> {
	return db.selectFrom('outages').selectAll().where('job_id', '=', jobId).execute();
}
