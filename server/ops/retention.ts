import type { ExpressionBuilder, Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { audit, SYSTEM_ACTOR } from '../audit';
import { nowIso } from '../util/ids';

/**
 * Data retention. A resident's phone number and e-mail are kept only to arrange an in-home visit:
 * once the meter point's exchange is done (or the point was turned back to the operator), they are
 * erased, with the copies on outbox messages.
 * The audit log is kept (it holds no phone numbers). Idempotent, so every instance may run it.
 */
export async function purgeResidentPhones(db: Kysely<DB>): Promise<number> {
	return db.transaction().execute(async (trx) => {
		const exchanged = (eb: ExpressionBuilder<DB, 'meter_points'>) =>
			eb.exists(
				eb.selectFrom('jobs').select('jobs.id').whereRef('jobs.meter_point_id', '=', 'meter_points.id').where('jobs.status', 'in', ['done', 'turned_back'])
			);
		const res = await trx
			.updateTable('meter_points')
			.set({ resident_phone: null, resident_email: null, updated_at: nowIso() })
			.where((eb) => eb.or([eb('resident_phone', 'is not', null), eb('resident_email', 'is not', null)]))
			.where(exchanged)
			.executeTakeFirst();
		const purged = Number(res.numUpdatedRows);
		// The outbox's copies of the same numbers and addresses (messages still waiting, failed ones).
		await trx
			.updateTable('messages')
			.set({ recipient: null, updated_at: nowIso() })
			.where('recipient', 'is not', null)
			.where((eb) => eb.exists(eb.selectFrom('meter_points').select('meter_points.id').whereRef('meter_points.id', '=', 'messages.meter_point_id').where(exchanged)))
			.execute();
		if (purged > 0) {
			await audit(trx, SYSTEM_ACTOR, { action: 'resident-phones-purged', entity: 'meter_point', changes: { count: purged } });
		}
		return purged;
	});
}
