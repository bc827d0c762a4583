/**
 * Importing meter points from CSV: parse (streamed), check every row, compare with what is stored,
 * and write everything in one transaction — or nothing when any row is wrong.
 */
import { Readable } from 'node:stream';
import Papa from 'papaparse';
import type { Kysely, Transaction } from 'kysely';
import { audit, type Actor } from '../audit';
import type { DB } from '../db/schema';
import { translate, type Locale } from '../i18n';
import { newId, nowIso } from '../util/ids';
import { everyFew, nextTurn } from '../util/turns';
import { readInPages } from '../db/paged';
import { CsvDecoder, type CsvEncoding } from './csv-encoding';
import { checkRecords, COLUMNS, STEP_ROWS, type Column, type MeterPointRow, type RowError } from './import-rows';

/** Fields compared on re-import; a change in any of them updates the stored point. */
const COMPARED: Column[] = ['meter_serial', 'manufacturer', 'model', 'street', 'number', 'postcode', 'city', 'estate', 'stairwell', 'flat', 'location', 'tariff_group', 'prosumer', 'resident_phone', 'resident_email'];
/** Errors listed in full; the rest are counted (a broken 100 k-row file must not make a 100 MB answer). */
const MAX_LISTED_ERRORS = 1000;
const MAX_LISTED_UPDATES = 1000;
const CHUNK = 500;

export interface ImportReport {
	committed: boolean;
	dryRun: boolean;
	rows: number;
	errorCount: number;
	errors: Array<RowError & { columnLabel: string | null; message: string }>;
	added: number;
	updatedCount: number;
	updated: Array<{ row: number; ppe: string; fields: Column[] }>;
	unchanged: number;
	newEstates: string[];
	newBuildings: number;
	/** How the file's bytes were read (Windows-1250: saved as "CSV" by Excel on a Polish Windows). */
	encoding: CsvEncoding;
	ms: number;
}

export interface ParsedCsv {
	header: string[];
	/** One entry per record after the header; null where the record could not be read (see parseErrors). */
	records: Array<string[] | null>;
	/** Records that could not be read (a quote never closed, text in no one encoding), with their row. */
	parseErrors: RowError[];
	/** How the bytes were read: UTF-8, or Windows-1250 as Polish Excel saves CSV (see csv-encoding). */
	encoding: CsvEncoding;
}

/**
 * The longest a record of this file can be: every column at its longest is far below this. A quoted
 * field still open past it is a stray quote, not a field: the record is reported and reading goes on
 * from the next line, so one stray quote costs neither the rest of the file nor quadratic time.
 */
export const MAX_RECORD_CHARS = 16 * 1024;
/** Complete records are handed to papaparse in slices of about this size, with a pause between. */
const SLICE_CHARS = 128 * 1024;

const QUOTE = 34;
const LF = 10;

/**
 * Streams CSV text through papaparse; the delimiter (`;` from Polish Excel, or `,`) is detected.
 * A linear scan finds where records end (a line break outside quotes) so papaparse only ever sees
 * whole records, in slices, and the event loop is given back between slices: a 100 k-row file is
 * read in steps of a few milliseconds, whatever its quotes do.
 */
export async function parseCsv(source: Readable | string): Promise<ParsedCsv> {
	const input = typeof source === 'string' ? Readable.from([source]) : source;
	const decoder = new CsvDecoder();
	const records: Array<string[] | null> = [];
	const parseErrors: RowError[] = [];
	let header: string[] | null = null;
	let delimiter: string | undefined;

	let pending = ''; // text of records not yet handed to papaparse (whole records only)
	let record = ''; // the record being scanned, not yet complete
	let inQuotes = false;
	let skippingBrokenLine = false;

	const flush = async () => {
		if (!pending) return;
		const text = pending;
		pending = '';
		const result = Papa.parse<string[]>(text, { skipEmptyLines: 'greedy', delimiter });
		delimiter ??= result.meta.delimiter;
		for (const r of result.data) {
			if (header === null) header = r;
			else records.push(r);
		}
		await nextTurn();
	};
	/** The record is broken: reported once, for the row it would have been. */
	const broken = () => {
		if (header === null) header = [];
		parseErrors.push({ row: records.length + 2, column: null, code: 'plan_import_err_unclosed_quote', params: { max: MAX_RECORD_CHARS } });
		records.push(null);
	};

	const chunks = async function* () {
		for await (const chunk of input as AsyncIterable<string | Buffer>) yield typeof chunk === 'string' ? chunk : decoder.decode(chunk);
		yield decoder.end();
	};
	for await (const text of chunks()) {
		let from = 0;
		for (let i = 0; i < text.length; i++) {
			const c = text.charCodeAt(i);
			if (skippingBrokenLine) {
				if (c === LF) {
					skippingBrokenLine = false;
					from = i + 1;
				}
				continue;
			}
			if (c === QUOTE) inQuotes = !inQuotes;
			else if (c === LF && !inQuotes) {
				pending += record + text.slice(from, i + 1);
				record = '';
				from = i + 1;
				if (pending.length >= SLICE_CHARS) await flush();
			} else if (inQuotes && record.length + (i - from) > MAX_RECORD_CHARS) {
				// Everything before this record is whole: read it first, so rows keep their numbers.
				await flush();
				broken();
				// Its text up to the first line break is dropped; scanning resumes on the next line.
				const whole = record + text.slice(from, i + 1);
				const lf = whole.indexOf('\n');
				record = '';
				inQuotes = false;
				if (lf === -1) {
					skippingBrokenLine = true;
				} else {
					// Re-scan what followed that line break (a few kilobytes at most).
					const again = scanTail(whole.slice(lf + 1));
					record = again.record;
					inQuotes = again.inQuotes;
					pending += again.complete;
				}
				from = i + 1;
			}
		}
		if (!skippingBrokenLine) record += text.slice(from);
	}
	if (inQuotes && record) {
		await flush();
		broken();
	} else {
		pending += record;
	}
	await flush();
	if (decoder.brokenAtRow !== null) parseErrors.push({ row: decoder.brokenAtRow, column: null, code: 'plan_import_err_encoding', params: {} });
	return { header: header ?? [], records, parseErrors, encoding: decoder.encoding };
}

/** The quote state after `text`: its whole records, and the unfinished one. */
function scanTail(text: string): { complete: string; record: string; inQuotes: boolean } {
	let inQuotes = false;
	let end = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c === QUOTE) inQuotes = !inQuotes;
		else if (c === LF && !inQuotes) end = i + 1;
	}
	return { complete: text.slice(0, end), record: text.slice(end), inQuotes };
}

interface StoredPoint {
	id: string;
	ppe: string;
	building_id: string;
	meter_id: string | null;
	values: Record<Column, string | number | null>;
}

function rowValues(r: MeterPointRow): Record<Column, string | number | null> {
	const { row: _row, ppe, ...rest } = r;
	return { ppe, ...rest };
}

const addressKey = (a: { street: string; number: string; postcode: string; city: string }) => `${a.street}\u0000${a.number}\u0000${a.postcode}\u0000${a.city}`.toLowerCase();
const estateKey = (name: string, city: string) => `${name}\u0000${city}`.toLowerCase();

async function loadStored(db: Kysely<DB>) {
	// In pages: a 100 k-point database is read without holding up other requests (see readInPages).
	const points = await readInPages((after, limit) => {
		let q = db
			.selectFrom('meter_points as mp')
			.innerJoin('buildings as b', 'b.id', 'mp.building_id')
			.innerJoin('estates as e', 'e.id', 'b.estate_id')
			.leftJoin('meters as m', (j) => j.onRef('m.meter_point_id', '=', 'mp.id').on('m.kind', '=', 'conventional').on('m.state', '=', 'installed'))
			.select([
				'mp.id', 'mp.ppe', 'mp.building_id', 'mp.stairwell', 'mp.flat', 'mp.location', 'mp.tariff_group', 'mp.prosumer', 'mp.resident_phone', 'mp.resident_email',
				'b.street', 'b.number', 'b.postcode', 'b.city', 'e.name as estate',
				'm.id as meter_id', 'm.serial', 'm.manufacturer', 'm.model'
			])
			.orderBy('mp.id')
			.limit(limit);
		if (after !== null) q = q.where('mp.id', '>', after);
		return q.execute();
	});
	const meters = await readInPages((after, limit) => {
		let q = db.selectFrom('meters').select(['id', 'serial', 'meter_point_id']).orderBy('id').limit(limit);
		if (after !== null) q = q.where('id', '>', after);
		return q.execute();
	});
	const buildings = await readInPages((after, limit) => {
		let q = db.selectFrom('buildings as b').innerJoin('estates as e', 'e.id', 'b.estate_id').select(['b.id', 'b.street', 'b.number', 'b.postcode', 'b.city', 'b.estate_id', 'e.name as estate']).orderBy('b.id').limit(limit);
		if (after !== null) q = q.where('b.id', '>', after);
		return q.execute();
	});
	const estates = await db.selectFrom('estates').select(['id', 'name', 'city']).execute();
	const byPpe = new Map<string, StoredPoint>();
	for (const p of points) {
		byPpe.set(p.ppe, {
			id: p.id,
			ppe: p.ppe,
			building_id: p.building_id,
			meter_id: p.meter_id,
			values: {
				ppe: p.ppe, meter_serial: p.serial, manufacturer: p.manufacturer, model: p.model, street: p.street, number: p.number,
				postcode: p.postcode, city: p.city, estate: p.estate, stairwell: p.stairwell, flat: p.flat, location: p.location,
				tariff_group: p.tariff_group, prosumer: Number(p.prosumer), resident_phone: p.resident_phone, resident_email: p.resident_email ?? null
			}
		});
	}
	const pointPpe = new Map(points.map((p) => [p.id, p.ppe]));
	const serialOwner = new Map<string, string | null>(meters.map((m) => [m.serial.toUpperCase(), m.meter_point_id ? (pointPpe.get(m.meter_point_id) ?? null) : null]));
	return {
		byPpe,
		serialOwner,
		buildings: new Map(buildings.map((b) => [addressKey(b), b])),
		estates: new Map(estates.map((e) => [estateKey(e.name, e.city), e.id]))
	};
}

/**
 * Checks a parsed file and, unless `dryRun`, stores it. A file with any error changes nothing.
 * Re-importing updates points by PPE and reports which fields changed.
 */
export async function importMeterPoints(
	db: Kysely<DB>,
	csv: ParsedCsv,
	opts: { dryRun: boolean; fileName: string; actor: Actor; locale: Locale }
): Promise<ImportReport> {
	const started = performance.now();
	const checked = await checkRecords(csv.header, csv.records);
	const errors: RowError[] = [...csv.parseErrors, ...checked.errors];
	const stored = await loadStored(db);

	const added: MeterPointRow[] = [];
	const updated: Array<{ row: MeterPointRow; point: StoredPoint; fields: Column[] }> = [];
	let unchanged = 0;
	const step = everyFew(STEP_ROWS);
	for (const r of checked.rows) {
		await step();
		const owner = stored.serialOwner.get(r.meter_serial);
		if (owner !== undefined && owner !== r.ppe) {
			errors.push({ row: r.row, column: 'meter_serial', code: owner ? 'plan_import_err_serial_taken' : 'plan_import_err_serial_stock', params: { ppe: owner ?? '' }, value: r.meter_serial });
			continue;
		}
		const building = stored.buildings.get(addressKey(r));
		if (building && building.estate.toLowerCase() !== r.estate.toLowerCase()) {
			errors.push({ row: r.row, column: 'estate', code: 'plan_import_err_building_estate', params: { estate: building.estate }, value: r.estate });
			continue;
		}
		const point = stored.byPpe.get(r.ppe);
		if (!point) {
			added.push(r);
			continue;
		}
		const values = rowValues(r);
		const fields = COMPARED.filter((c) => String(values[c] ?? '') !== String(point.values[c] ?? ''));
		if (fields.length) updated.push({ row: r, point, fields });
		else unchanged++;
	}
	errors.sort((a, b) => a.row - b.row);

	const newEstates = new Map<string, { name: string; city: string }>();
	const newBuildings = new Map<string, MeterPointRow>();
	for (const r of [...added, ...updated.map((u) => u.row)]) {
		await step();
		if (!stored.buildings.has(addressKey(r)) && !newBuildings.has(addressKey(r))) newBuildings.set(addressKey(r), r);
		if (!stored.estates.has(estateKey(r.estate, r.city)) && !newEstates.has(estateKey(r.estate, r.city))) newEstates.set(estateKey(r.estate, r.city), { name: r.estate, city: r.city });
	}

	const commit = !opts.dryRun && errors.length === 0 && checked.rows.length > 0;
	if (commit) {
		await db.transaction().execute(async (trx) => {
			await writeImport(trx, { added, updated, newEstates: [...newEstates.values()], newBuildings: [...newBuildings.values()], stored });
			const at = nowIso();
			await trx.insertInto('import_runs').values({ id: newId(), file_name: opts.fileName.slice(0, 200), user_id: opts.actor.userId, rows: csv.records.length, added: added.length, updated: updated.length, unchanged, created_at: at }).execute();
			await audit(trx, opts.actor, { action: 'import-meter-points', entity: 'meter_points', changes: { file: opts.fileName.slice(0, 200), rows: csv.records.length, added: added.length, updated: updated.length, unchanged } });
		});
	}

	const label = (c: Column | null) => (c ? (checked.labels[c] ?? COLUMNS[c][0]) : null);
	return {
		committed: commit,
		dryRun: opts.dryRun,
		rows: csv.records.length,
		errorCount: errors.length,
		errors: errors.slice(0, MAX_LISTED_ERRORS).map((e) => ({ ...e, columnLabel: label(e.column), message: translate(e.code, e.params ?? {}, opts.locale) })),
		added: added.length,
		updatedCount: updated.length,
		updated: updated.slice(0, MAX_LISTED_UPDATES).map((u) => ({ row: u.row.row, ppe: u.row.ppe, fields: u.fields })),
		unchanged,
		newEstates: [...newEstates.values()].map((e) => e.name),
		newBuildings: newBuildings.size,
		encoding: csv.encoding,
		ms: Math.round(performance.now() - started)
	};
}

async function writeImport(
	trx: Transaction<DB>,
	w: {
		added: MeterPointRow[];
		updated: Array<{ row: MeterPointRow; point: StoredPoint; fields: Column[] }>;
		newEstates: Array<{ name: string; city: string }>;
		newBuildings: MeterPointRow[];
		stored: Awaited<ReturnType<typeof loadStored>>;
	}
): Promise<void> {
	const at = nowIso();
	const estateIds = new Map(w.stored.estates);
	const estates = w.newEstates.map((e) => ({ id: newId(), name: e.name, city: e.city, is_demo: 0 as const, created_at: at }));
	for (const e of estates) estateIds.set(estateKey(e.name, e.city), e.id);
	await insertChunked(trx, 'estates', estates);

	const buildingIds = new Map<string, string>([...w.stored.buildings].map(([k, b]) => [k, b.id]));
	const buildings = w.newBuildings.map((r) => ({
		id: newId(), estate_id: estateIds.get(estateKey(r.estate, r.city))!, street: r.street, number: r.number, postcode: r.postcode, city: r.city, created_at: at
	}));
	for (const b of buildings) buildingIds.set(addressKey(b), b.id);
	await insertChunked(trx, 'buildings', buildings);

	const points = w.added.map((r) => ({
		id: newId(), ppe: r.ppe, building_id: buildingIds.get(addressKey(r))!, stairwell: r.stairwell, flat: r.flat, location: r.location,
		tariff_group: r.tariff_group, prosumer: r.prosumer, resident_phone: r.resident_phone, resident_email: r.resident_email, created_at: at, updated_at: at
	}));
	await insertChunked(trx, 'meter_points', points);
	await insertChunked(trx, 'meters', w.added.map((r, i) => ({
		id: newId(), serial: r.meter_serial, manufacturer: r.manufacturer, model: r.model, kind: 'conventional' as const, state: 'installed' as const,
		meter_point_id: points[i]!.id, holder_user_id: null, created_at: at, updated_at: at
	})));

	for (const { row: r, point, fields } of w.updated) {
		const pointFields = fields.filter((f) => !['meter_serial', 'manufacturer', 'model'].includes(f));
		if (pointFields.length) {
			await trx.updateTable('meter_points').set({
				building_id: buildingIds.get(addressKey(r))!, stairwell: r.stairwell, flat: r.flat, location: r.location, tariff_group: r.tariff_group,
				prosumer: r.prosumer, resident_phone: r.resident_phone, resident_email: r.resident_email, updated_at: at
			}).where('id', '=', point.id).execute();
		}
		if (fields.some((f) => ['meter_serial', 'manufacturer', 'model'].includes(f))) {
			if (point.meter_id) {
				await trx.updateTable('meters').set({ serial: r.meter_serial, manufacturer: r.manufacturer, model: r.model, updated_at: at }).where('id', '=', point.meter_id).execute();
			} else {
				await trx.insertInto('meters').values({ id: newId(), serial: r.meter_serial, manufacturer: r.manufacturer, model: r.model, kind: 'conventional', state: 'installed', meter_point_id: point.id, holder_user_id: null, created_at: at, updated_at: at }).execute();
			}
		}
	}
}

async function insertChunked<T extends 'estates' | 'buildings' | 'meter_points' | 'meters'>(trx: Transaction<DB>, table: T, rows: unknown[]): Promise<void> {
	for (let i = 0; i < rows.length; i += CHUNK) {
		await trx.insertInto(table).values(rows.slice(i, i + CHUNK) as never).execute();
	}
}
