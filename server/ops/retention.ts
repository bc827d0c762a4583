import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { audit, SYSTEM_ACTOR } from '../audit';
import { nowIso } from '../util/ids';

/**
 * Data retention. A resident's phone number is kept only to arrange an in-home visit: once the
 * meter point's exchange is done (or the point was turned back to the operator), it is erased.
 * The audit log is kept (it holds no phone numbers). Idempotent, so every instance may run it.
 */
export async function purgeResidentPhones(db: Kysely<DB>): Promise<number> {
	return db.transaction().execute(async (trx) => {
		const res = await trx
			.updateTable('meter_points')
			.set({ resident_phone: null, updated_at: nowIso() })
			.where('resident_phone', 'is not', null)
			.where((eb) =>
				eb.exists(
					eb.selectFrom('jobs').select('jobs.id').whereRef('jobs.meter_point_id', '=', 'meter_points.id').where('jobs.status', 'in', ['done', 'turned_back'])
				)
			)
			.executeTakeFirst();
		const purged = Number(res.numUpdatedRows);
		if (purged > 0) {
			await audit(trx, SYSTEM_ACTOR, { action: 'resident-phones-purged', entity: 'meter_point', changes: { count: purged } });
		}
		return purged;
	});
}
