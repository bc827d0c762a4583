import { sql, type Kysely } from 'kysely';
import type { DB, StockItem, StockMovementKind } from '../db/schema';
import { newId, nowIso } from '../util/ids';

export interface Movement {
	kind: StockMovementKind;
	item: StockItem;
	serial: string;
	meterId?: string | null;
	from?: string | null;
	to?: string | null;
	jobId?: string | null;
	deliveryId?: string | null;
	at?: string;
}

/** Appends movements (never updates one). Pass the transaction that moves the items. */
export async function recordMovements(db: Kysely<DB>, by: string | null, movements: Movement[]): Promise<void> {
	const at = nowIso();
	for (let i = 0; i < movements.length; i += 500) {
		await db
			.insertInto('stock_movements')
			.values(
				movements.slice(i, i + 500).map((m) => ({
					id: newId(), at: m.at ?? at, kind: m.kind, item: m.item, serial: m.serial, meter_id: m.meterId ?? null, from_user_id: m.from ?? null,
					to_user_id: m.to ?? null, job_id: m.jobId ?? null, delivery_id: m.deliveryId ?? null, by_user_id: by
				}))
			)
			.execute();
	}
}

export function metersBySerial(db: Kysely<DB>, serials: string[]) {
	if (serials.length === 0) return Promise.resolve([]);
	return db
		.selectFrom('meters')
		.leftJoin('users', 'users.id', 'meters.holder_user_id')
		.select(['meters.id', 'meters.serial', 'meters.manufacturer', 'meters.model', 'meters.kind', 'meters.state', 'meters.holder_user_id', 'users.display_name as holder'])
		.where('meters.serial', 'in', serials)
		.execute();
}

/** Seal numbers of one range (same prefix, same length, so text order is number order). */
export function sealsInRange(db: Kysely<DB>, from: string, to: string) {
	return db
		.selectFrom('seal_stock')
		.leftJoin('users', 'users.id', 'seal_stock.holder_user_id')
		.select(['seal_stock.number', 'seal_stock.state', 'seal_stock.holder_user_id', 'users.display_name as holder'])
		.where('seal_stock.number', '>=', from)
		.where('seal_stock.number', '<=', to)
		.where(sql`length(seal_stock.number)`, '=', from.length)
		.orderBy('seal_stock.number')
		.execute();
}

export function fitterAccounts(db: Kysely<DB>) {
	return db.selectFrom('users').select(['id', 'display_name', 'login', 'disabled']).where('role', '=', 'fitter').orderBy('display_name').execute();
}

export function heldMeters(db: Kysely<DB>, userId: string) {
	return db
		.selectFrom('meters')
		.select(['id', 'serial', 'manufacturer', 'model'])
		.where('holder_user_id', '=', userId)
		.where('state', '=', 'in_stock')
		.orderBy('serial')
		.execute();
}

export function heldSeals(db: Kysely<DB>, userId: string) {
	return db.selectFrom('seal_stock').select(['number']).where('holder_user_id', '=', userId).where('state', '=', 'in_stock').orderBy('number').execute();
}
