import type { Kysely, Transaction } from 'kysely';
import { checkCode, codeProblemKey } from '../../src/lib/domain/codes';
import { addDaysToDate, warsawDate, warsawInstant } from '../../src/lib/domain/time';
import { audit, type Actor } from '../audit';
import type { DB } from '../db/schema';
import { withTransaction } from '../db/transaction';
import { AppError } from '../errors';
import { translate, type Locale } from '../i18n';
import { recordChanges, type Change } from '../sync/change-log';
import { sealStockDto, stockDto } from '../sync/entities';
import { newId, nowIso } from '../util/ids';
import { fitterAccounts, heldMeters, heldSeals, metersBySerial, recordMovements, sealsInRange, type Movement } from './stock.repository';

/** Most seals in one range (a carton is a few hundred; a typo in a range must not create millions). */
export const MAX_SEAL_RANGE = 5000;

export interface SealRange {
	from: string;
	to: string;
}

/** Problems collected per line, reported all at once; nothing is stored while there is one. */
class LineErrors {
	readonly fields: Record<string, string[]> = {};
	constructor(private readonly locale: Locale) {}
	add(field: string, key: string, params: Record<string, unknown> = {}): void {
		(this.fields[field] ??= []).push(translate(key, params, this.locale));
	}
	throwIfAny(): void {
		if (Object.keys(this.fields).length > 0) throw new AppError('VALIDATION', { fieldErrors: this.fields });
	}
}

/** A seal range's numbers, or the key of what is wrong with it. */
function expandRange(range: SealRange): { numbers: string[] } | { problem: string; field: 'from' | 'to'; params?: Record<string, unknown> } {
	const from = checkCode('seal', range.from);
	if (!from.ok) return { problem: codeProblemKey('seal', from), field: 'from' };
	const to = checkCode('seal', range.to || range.from);
	if (!to.ok) return { problem: codeProblemKey('seal', to), field: 'to' };
	const [, fromPrefix, fromDigits] = /^([A-Z]+)(\d+)$/.exec(from.value)!;
	const [, toPrefix, toDigits] = /^([A-Z]+)(\d+)$/.exec(to.value)!;
	if (fromPrefix !== toPrefix || fromDigits!.length !== toDigits!.length) return { problem: 'office_err_range_prefix', field: 'to' };
	const start = Number(fromDigits);
	const end = Number(toDigits);
	if (end < start) return { problem: 'office_err_range_order', field: 'to' };
	if (end - start + 1 > MAX_SEAL_RANGE) return { problem: 'office_err_range_too_big', field: 'to', params: { max: MAX_SEAL_RANGE } };
	const numbers: string[] = [];
	for (let n = start; n <= end; n++) numbers.push(fromPrefix + String(n).padStart(fromDigits!.length, '0'));
	return { numbers };
}

/** Every range valid and none overlapping another: the numbers of each, in order. */
function expandRanges(ranges: SealRange[], errors: LineErrors): string[][] {
	const seen = new Map<string, number>();
	return ranges.map((range, i) => {
		const expanded = expandRange(range);
		if ('problem' in expanded) {
			errors.add(`sealRanges.${i}.${expanded.field}`, expanded.problem, expanded.params);
			return [];
		}
		const clash = expanded.numbers.find((n) => seen.has(n));
		if (clash) errors.add(`sealRanges.${i}.from`, 'office_err_range_overlaps_line', { line: seen.get(clash)! + 1 });
		for (const n of expanded.numbers) if (!seen.has(n)) seen.set(n, i);
		return expanded.numbers;
	});
}

async function fitterAccount(db: Kysely<DB>, userId: string, locale: Locale) {
	const user = await db.selectFrom('users').select(['id', 'role', 'disabled', 'display_name']).where('id', '=', userId).executeTakeFirst();
	if (!user || user.role !== 'fitter') throw new AppError('VALIDATION', { fieldErrors: { fitter: [translate('office_err_not_a_fitter', {}, locale)] } });
	return user;
}

export interface DeliveryInput {
	reference: string;
	meters: { serial: string; manufacturer: string; model: string }[];
	sealRanges: SealRange[];
}

/**
 * A delivery of new LZO meters and numbered seals into the warehouse. Every line is checked first
 * (format, repeated in the delivery, already known); one bad line refuses the whole delivery with
 * each line's reason, so nothing is half-imported.
 */
export async function receiveDelivery(db: Kysely<DB>, actor: Actor, input: DeliveryInput, locale: Locale) {
	if (input.meters.length === 0 && input.sealRanges.length === 0) {
		throw new AppError('VALIDATION', { fieldErrors: { meters: [translate('office_err_delivery_empty', {}, locale)] } });
	}
	const errors = new LineErrors(locale);
	const serials = input.meters.map((line, i) => {
		const checked = checkCode('meter_serial', line.serial);
		if (!checked.ok) errors.add(`meters.${i}.serial`, codeProblemKey('meter_serial', checked));
		return checked.ok ? checked.value : null;
	});
	const firstLine = new Map<string, number>();
	serials.forEach((serial, i) => {
		if (serial === null) return;
		const first = firstLine.get(serial);
		if (first !== undefined) errors.add(`meters.${i}.serial`, 'office_err_serial_repeated', { serial, line: first + 1 });
		else firstLine.set(serial, i);
	});
	const sealNumbers = expandRanges(input.sealRanges, errors);
	return withTransaction(db, async (trx) => {
		const known = await inChunks([...firstLine.keys()], (chunk) => metersBySerial(trx, chunk));
		for (const meter of known) {
			const i = firstLine.get(meter.serial)!;
			errors.add(`meters.${i}.serial`, 'office_err_serial_known', { serial: meter.serial });
		}
		for (const [i, range] of input.sealRanges.entries()) {
			if (sealNumbers[i]!.length === 0) continue;
			const taken = await sealsInRange(trx, sealNumbers[i]![0]!, sealNumbers[i]!.at(-1)!);
			if (taken.length > 0) errors.add(`sealRanges.${i}.from`, 'office_err_range_known', { first: taken[0]!.number, count: taken.length, range: `${range.from}–${range.to}` });
		}
		errors.throwIfAny();

		const at = nowIso();
		const deliveryId = newId();
		const seals = sealNumbers.flat();
		await trx.insertInto('deliveries').values({ id: deliveryId, reference: input.reference, meters: serials.length, seals: seals.length, user_id: actor.userId, created_at: at }).execute();
		const meters = input.meters.map((line, i) => ({
			id: newId(), serial: serials[i]!, manufacturer: line.manufacturer, model: line.model, kind: 'lzo' as const, state: 'in_stock' as const,
			meter_point_id: null, holder_user_id: null, created_at: at, updated_at: at
		}));
		for (let i = 0; i < meters.length; i += 500) await trx.insertInto('meters').values(meters.slice(i, i + 500)).execute();
		for (let i = 0; i < seals.length; i += 500) {
			await trx.insertInto('seal_stock').values(seals.slice(i, i + 500).map((number) => ({ number, delivery_id: deliveryId, holder_user_id: null, state: 'in_stock' as const, created_at: at, updated_at: at }))).execute();
		}
		await recordMovements(trx, actor.userId, [
			...meters.map((m) => ({ kind: 'delivery' as const, item: 'meter' as const, serial: m.serial, meterId: m.id, deliveryId })),
			...seals.map((serial) => ({ kind: 'delivery' as const, item: 'seal' as const, serial, deliveryId }))
		]);
		await audit(trx, actor, {
			action: 'delivery-receive', entity: 'delivery', entityId: deliveryId,
			changes: { reference: [null, input.reference], meters: [0, meters.length], seals: [0, seals.length], models: [null, [...new Set(input.meters.map((m) => `${m.manufacturer} ${m.model}`))].join(', ')] }
		});
		return { deliveryId, meters: meters.length, seals: seals.length };
	});
}

async function inChunks<T>(items: string[], fn: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
	const out: T[] = [];
	for (let i = 0; i < items.length; i += 500) out.push(...(await fn(items.slice(i, i + 500))));
	return out;
}

export interface TransferInput {
	fitterUserId: string;
	serials: string[];
	sealRanges: SealRange[];
}

/**
 * Issue meters and seals from the warehouse to a fitter, or take unused ones back. Each item must
 * be where the move starts (in the warehouse to issue, on this fitter to take back); the reasons are
 * listed per line and nothing moves while one is wrong. The fitter's tablet hears of it at its next pull.
 */
export async function transfer(db: Kysely<DB>, actor: Actor, direction: 'issue' | 'return', input: TransferInput, locale: Locale) {
	const fitter = await fitterAccount(db, input.fitterUserId, locale);
	if (direction === 'issue' && fitter.disabled === 1) throw new AppError('VALIDATION', { fieldErrors: { fitter: [translate('office_err_fitter_disabled', {}, locale)] } });
	if (input.serials.length === 0 && input.sealRanges.length === 0) throw new AppError('VALIDATION', { fieldErrors: { serials: [translate('office_err_transfer_empty', {}, locale)] } });
	const errors = new LineErrors(locale);
	const serials = input.serials.map((text, i) => {
		const checked = checkCode('meter_serial', text);
		if (!checked.ok) errors.add(`serials.${i}`, codeProblemKey('meter_serial', checked));
		return checked.ok ? checked.value : null;
	});
	const sealNumbers = expandRanges(input.sealRanges, errors);
	return withTransaction(db, async (trx) => {
		const found = new Map((await inChunks(serials.filter((s): s is string => s !== null), (c) => metersBySerial(trx, c))).map((m) => [m.serial, m]));
		const seen = new Set<string>();
		serials.forEach((serial, i) => {
			if (serial === null) return;
			if (seen.has(serial)) return errors.add(`serials.${i}`, 'office_err_serial_repeated', { serial, line: serials.indexOf(serial) + 1 });
			seen.add(serial);
			const meter = found.get(serial);
			if (!meter || meter.kind !== 'lzo') return errors.add(`serials.${i}`, 'office_err_serial_unknown', { serial });
			if (meter.state !== 'in_stock') return errors.add(`serials.${i}`, 'office_err_serial_installed', { serial });
			if (direction === 'issue' && meter.holder_user_id === fitter.id) return errors.add(`serials.${i}`, 'office_err_serial_already_held', { serial });
			if (direction === 'issue' && meter.holder_user_id !== null) return errors.add(`serials.${i}`, 'office_err_serial_held_by', { serial, name: meter.holder ?? '?' });
			if (direction === 'return' && meter.holder_user_id !== fitter.id) return errors.add(`serials.${i}`, 'office_err_serial_not_held', { serial, name: fitter.display_name });
		});
		for (const [i, numbers] of sealNumbers.entries()) {
			if (numbers.length === 0) continue;
			const rows = new Map((await sealsInRange(trx, numbers[0]!, numbers.at(-1)!)).map((r) => [r.number, r]));
			const missing = numbers.filter((n) => !rows.has(n));
			if (missing.length) errors.add(`sealRanges.${i}.from`, 'office_err_seals_unknown', { first: missing[0], count: missing.length });
			const wrong = numbers.map((n) => rows.get(n)).filter((r) => r && (r.state !== 'in_stock' || (direction === 'issue' ? r.holder_user_id !== null : r.holder_user_id !== fitter.id)));
			if (wrong.length) {
				const key = direction === 'issue' ? 'office_err_seals_not_in_warehouse' : 'office_err_seals_not_held';
				errors.add(`sealRanges.${i}.from`, key, { first: wrong[0]!.number, count: wrong.length, name: wrong[0]!.holder ?? fitter.display_name });
			}
		}
		errors.throwIfAny();

		const at = nowIso();
		const to = direction === 'issue' ? fitter.id : null;
		const from = direction === 'issue' ? null : fitter.id;
		const meters = [...seen].map((s) => found.get(s)!);
		const seals = sealNumbers.flat();
		for (const chunk of chunks(meters.map((m) => m.id))) await trx.updateTable('meters').set({ holder_user_id: to, updated_at: at }).where('id', 'in', chunk).execute();
		for (const chunk of chunks(seals)) await trx.updateTable('seal_stock').set({ holder_user_id: to, updated_at: at }).where('number', 'in', chunk).execute();
		const movements: Movement[] = [
			...meters.map((m) => ({ kind: direction, item: 'meter' as const, serial: m.serial, meterId: m.id, from, to })),
			...seals.map((serial) => ({ kind: direction, item: 'seal' as const, serial, from, to }))
		];
		await recordMovements(trx, actor.userId, movements);
		const op: Change['op'] = direction === 'issue' ? 'put' : 'del';
		const changes: Change[] = [
			...meters.map((m) => ({ entity: 'stock' as const, id: m.id, op, userId: fitter.id, data: stockDto(m) })),
			...seals.map((n) => ({ entity: 'stock' as const, id: sealStockDto(n).id, op, userId: fitter.id, data: sealStockDto(n) }))
		];
		await recordChanges(trx, changes);
		await audit(trx, actor, {
			action: direction === 'issue' ? 'stock-issue' : 'stock-return', entity: 'meter', entityId: fitter.id,
			// Every field is [before, after]; the items moved are listed as the "after" of a text.
			changes: {
				holder: direction === 'issue' ? ['magazyn', fitter.display_name] : [fitter.display_name, 'magazyn'],
				meters: [null, meters.map((m) => m.serial).join(', ')],
				seals: [null, input.sealRanges.map((r) => `${r.from}–${r.to || r.from}`).join(', ')]
			}
		});
		return { meters: meters.length, seals: seals.length };
	});
}

function chunks<T>(items: T[], size = 500): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}

/** Removed (old) meters: each finished exchange's old meter, until the warehouse scans it in. */
function removedMeters(db: Kysely<DB>) {
	return db
		.selectFrom('exchanges as x')
		.innerJoin('users as u', 'u.id', 'x.user_id')
		.innerJoin('jobs as j', 'j.id', 'x.job_id')
		.innerJoin('meter_points as mp', 'mp.id', 'j.meter_point_id')
		.leftJoin('stock_movements as sm', (join) => join.onRef('sm.job_id', '=', 'x.job_id').on('sm.kind', '=', 'hand_in'))
		.select(['x.job_id', 'x.old_meter_serial', 'x.completed_at', 'x.user_id', 'u.display_name as fitter', 'mp.ppe', 'sm.at as handed_in_at'])
		.where('x.completed_at', 'is not', null)
		.where('x.old_meter_serial', 'is not', null);
}

/** Which removed meters have not been handed in, per fitter, with their age in days. */
export async function outstandingRemoved(db: Kysely<DB>, today = warsawDate()) {
	const rows = await removedMeters(db).where('sm.id', 'is', null).orderBy('x.completed_at').execute();
	return rows.map((r) => ({
		jobId: r.job_id, serial: r.old_meter_serial!, ppe: r.ppe, fitterUserId: r.user_id, fitter: r.fitter, removedAt: r.completed_at!,
		ageDays: Math.max(0, Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${warsawDate(new Date(r.completed_at!))}T00:00:00Z`)) / 86_400_000))
	}));
}

/** The warehouse scans a removed meter in: evidence of the final reading and of any seal tampering. */
export async function handInRemoved(db: Kysely<DB>, actor: Actor, input: { serial: string }, locale: Locale) {
	const checked = checkCode('meter_serial', input.serial);
	if (!checked.ok) throw new AppError('VALIDATION', { fieldErrors: { serial: [translate(codeProblemKey('meter_serial', checked), {}, locale)] } });
	return withTransaction(db, async (trx) => {
		const rows = await removedMeters(trx).where('x.old_meter_serial', '=', checked.value).execute();
		const open = rows.find((r) => r.handed_in_at === null);
		if (!open) {
			const key = rows.length ? 'office_err_removed_already' : 'office_err_removed_unknown';
			throw new AppError('VALIDATION', { fieldErrors: { serial: [translate(key, { serial: checked.value }, locale)] } });
		}
		await recordMovements(trx, actor.userId, [{ kind: 'hand_in', item: 'removed_meter', serial: checked.value, from: open.user_id, to: null, jobId: open.job_id }]);
		await audit(trx, actor, { action: 'removed-hand-in', entity: 'meter', entityId: open.job_id, changes: { holder: [open.fitter, 'magazyn'], serial: [checked.value, checked.value] } });
		return { serial: checked.value, fitter: open.fitter, ppe: open.ppe };
	});
}

interface Tally {
	opening: number;
	issued: number;
	fitted: number;
	returned: number;
	closing: number;
}

/**
 * One Warsaw day per fitter: what they held at its start, what was issued, fitted and returned,
 * and so what they should hold at its end (issued − fitted − returned = change on hand), for
 * meters and for seals; with every difference: meters fitted from outside the stock, and (for
 * today) a count on hand that disagrees with the movements. Removed meters handed in or not.
 */
export async function reconciliation(db: Kysely<DB>, day: string) {
	const start = warsawInstant(day, '00:00').toISOString();
	const end = warsawInstant(addDaysToDate(day, 1), '00:00').toISOString();
	const fitters = await fitterAccounts(db);
	const moves = (from: string | null, to: string) => {
		let q = db
			.selectFrom('stock_movements')
			.select(['kind', 'item', 'from_user_id', 'to_user_id', (eb) => eb.fn.countAll<number>().as('n')])
			.where('at', '<', to)
			.where('item', 'in', ['meter', 'seal'])
			.where('kind', 'in', ['issue', 'return', 'fit']);
		if (from) q = q.where('at', '>=', from);
		return q.groupBy(['kind', 'item', 'from_user_id', 'to_user_id']).execute();
	};
	const [before, during] = await Promise.all([moves(null, start), moves(start, end)]);
	const movements = [...before.map((m) => ({ ...m, inDay: false })), ...during.map((m) => ({ ...m, inDay: true }))];
	const outsideStock = await db
		.selectFrom('exchanges')
		.select(['user_id', 'new_meter_serial', 'not_in_stock_reason', 'job_id'])
		.where('completed_at', '>=', start)
		.where('completed_at', '<', end)
		.where('new_meter_id', 'is', null)
		.execute();
	const removed = await removedMeters(db).where('x.completed_at', '>=', start).where('x.completed_at', '<', end).execute();
	const today = warsawDate();
	const onHand = day === today ? await currentHoldings(db) : null;
	return fitters.map((f) => {
		const tally = (item: 'meter' | 'seal'): Tally => {
			const t: Tally = { opening: 0, issued: 0, fitted: 0, returned: 0, closing: 0 };
			for (const m of movements) {
				if (m.item !== item) continue;
				const n = Number(m.n);
				const inDay = m.inDay;
				const sign = m.kind === 'issue' && m.to_user_id === f.id ? 1 : (m.kind === 'fit' || m.kind === 'return') && m.from_user_id === f.id ? -1 : 0;
				if (sign === 0) continue;
				if (!inDay) t.opening += sign * n;
				else if (m.kind === 'issue') t.issued += n;
				else if (m.kind === 'fit') t.fitted += n;
				else t.returned += n;
			}
			t.closing = t.opening + t.issued - t.fitted - t.returned;
			return t;
		};
		const meters = tally('meter');
		const seals = tally('seal');
		const differences: { kind: 'outside_stock' | 'count_meters' | 'count_seals'; detail: string }[] = [];
		for (const x of outsideStock.filter((x) => x.user_id === f.id)) differences.push({ kind: 'outside_stock', detail: `${x.new_meter_serial ?? '?'}: ${x.not_in_stock_reason ?? ''}` });
		const held = onHand?.get(f.id);
		if (held && held.meters !== meters.closing) differences.push({ kind: 'count_meters', detail: `${held.meters} ≠ ${meters.closing}` });
		if (held && held.seals !== seals.closing) differences.push({ kind: 'count_seals', detail: `${held.seals} ≠ ${seals.closing}` });
		const mine = removed.filter((r) => r.user_id === f.id);
		return {
			fitterUserId: f.id, fitter: f.display_name, meters, seals,
			removed: mine.length, removedHandedIn: mine.filter((r) => r.handed_in_at !== null).length,
			onHand: held ?? null, differences
		};
	});
}

async function currentHoldings(db: Kysely<DB>) {
	const [meters, seals] = await Promise.all([
		db.selectFrom('meters').select(['holder_user_id', (eb) => eb.fn.countAll<number>().as('n')]).where('state', '=', 'in_stock').where('holder_user_id', 'is not', null).groupBy('holder_user_id').execute(),
		db.selectFrom('seal_stock').select(['holder_user_id', (eb) => eb.fn.countAll<number>().as('n')]).where('state', '=', 'in_stock').where('holder_user_id', 'is not', null).groupBy('holder_user_id').execute()
	]);
	const out = new Map<string, { meters: number; seals: number }>();
	const entry = (id: string) => out.get(id) ?? out.set(id, { meters: 0, seals: 0 }).get(id)!;
	for (const m of meters) entry(m.holder_user_id!).meters = Number(m.n);
	for (const s of seals) entry(s.holder_user_id!).seals = Number(s.n);
	return out;
}

/** The warehouse's overview: stock in the warehouse, per fitter, and recent deliveries. */
export async function stockOverview(db: Kysely<DB>) {
	const [warehouseMeters, warehouseSeals, fitters, holdings, deliveries] = await Promise.all([
		db.selectFrom('meters').select(['model', 'manufacturer', (eb) => eb.fn.countAll<number>().as('n')]).where('kind', '=', 'lzo').where('state', '=', 'in_stock').where('holder_user_id', 'is', null).groupBy(['manufacturer', 'model']).orderBy('model').execute(),
		db.selectFrom('seal_stock').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'in_stock').where('holder_user_id', 'is', null).executeTakeFirstOrThrow(),
		fitterAccounts(db),
		currentHoldings(db),
		db.selectFrom('deliveries').leftJoin('users', 'users.id', 'deliveries.user_id').select(['deliveries.id', 'reference', 'meters', 'seals', 'deliveries.created_at', 'users.display_name as by']).orderBy('deliveries.created_at', 'desc').limit(10).execute()
	]);
	return {
		warehouse: { meters: warehouseMeters.map((m) => ({ model: `${m.manufacturer} ${m.model}`, count: Number(m.n) })), seals: Number(warehouseSeals.n) },
		fitters: fitters.map((f) => ({ userId: f.id, name: f.display_name, disabled: f.disabled === 1, meters: holdings.get(f.id)?.meters ?? 0, seals: holdings.get(f.id)?.seals ?? 0 })),
		deliveries: deliveries.map((d) => ({ id: d.id, reference: d.reference, meters: Number(d.meters), seals: Number(d.seals), at: d.created_at, by: d.by }))
	};
}

/** What one fitter holds, item by item. */
export async function fitterHoldings(db: Kysely<DB>, userId: string) {
	const [meters, seals] = await Promise.all([heldMeters(db, userId), heldSeals(db, userId)]);
	return { meters: meters.map((m) => ({ serial: m.serial, model: `${m.manufacturer} ${m.model}` })), seals: seals.map((s) => s.number) };
}

/**
 * The fitting of a new meter as a stock movement (called by exchange.complete, in its transaction),
 * and of the seals applied on it that came from the fitter's stock.
 */
export async function recordFitted(trx: Transaction<DB>, input: { userId: string; jobId: string; at: string; meter: { id: string; serial: string; holder: string | null } | null; sealNumbers: string[] }): Promise<Change[]> {
	const changes: Change[] = [];
	const movements: Movement[] = [];
	if (input.meter) movements.push({ kind: 'fit', item: 'meter', serial: input.meter.serial, meterId: input.meter.id, from: input.meter.holder, jobId: input.jobId, at: input.at });
	if (input.sealNumbers.length) {
		const held = await trx.selectFrom('seal_stock').select(['number', 'holder_user_id']).where('number', 'in', input.sealNumbers).where('state', '=', 'in_stock').execute();
		if (held.length) await trx.updateTable('seal_stock').set({ state: 'used', updated_at: nowIso() }).where('number', 'in', held.map((s) => s.number)).execute();
		for (const s of held) {
			movements.push({ kind: 'fit', item: 'seal', serial: s.number, from: s.holder_user_id, jobId: input.jobId, at: input.at });
			if (s.holder_user_id) changes.push({ entity: 'stock', id: sealStockDto(s.number).id, op: 'del', userId: s.holder_user_id, data: sealStockDto(s.number) });
		}
	}
	await recordMovements(trx, input.userId, movements);
	return changes;
}
