/**
 * The meter-point CSV: its columns and the checks every row must pass before anything is stored.
 * Pure (no database): the checks against stored data live in import.service.ts.
 */
import { checkCode } from '../../src/lib/domain/codes';
import { checkPpe } from '../../src/lib/domain/ppe';
import { parseTariffGroup, type TariffGroup } from '../../src/lib/domain/tariff';
import type { MeterLocation } from '../db/schema';
import { everyFew } from '../util/turns';

/** Rows checked or compared between two turns of the event loop (a few milliseconds of work). */
export const STEP_ROWS = 1000;

/** Canonical column → the header names accepted for it (Polish first; case and spaces ignored). */
export const COLUMNS = {
	ppe: ['ppe', 'kod_ppe'],
	meter_serial: ['numer_licznika', 'meter_serial'],
	manufacturer: ['producent', 'manufacturer'],
	model: ['model'],
	street: ['ulica', 'street'],
	number: ['numer_budynku', 'number'],
	postcode: ['kod_pocztowy', 'postcode'],
	city: ['miejscowosc', 'miejscowość', 'city'],
	estate: ['osiedle', 'estate'],
	stairwell: ['klatka', 'stairwell'],
	flat: ['lokal', 'flat'],
	location: ['lokalizacja', 'location'],
	tariff_group: ['grupa_taryfowa', 'tariff_group'],
	prosumer: ['prosument', 'prosumer'],
	resident_phone: ['telefon', 'resident_phone'],
	resident_email: ['email', 'e_mail', 'resident_email']
} as const;

export type Column = keyof typeof COLUMNS;
export const COLUMN_NAMES = Object.keys(COLUMNS) as Column[];
/** A detached or terraced house has no stairwell and no flat: an in-home meter at a street address. */
const OPTIONAL: ReadonlySet<Column> = new Set(['stairwell', 'flat', 'prosumer', 'resident_phone', 'resident_email']);

/** One problem of one row; `row` counts as a spreadsheet does (the header is row 1). */
export interface RowError {
	row: number;
	column: Column | null;
	/** i18n key (planner messages) of the reason. */
	code: string;
	params?: Record<string, string | number>;
	value?: string;
}

export interface MeterPointRow {
	row: number;
	ppe: string;
	meter_serial: string;
	manufacturer: string;
	model: string;
	street: string;
	number: string;
	postcode: string;
	city: string;
	estate: string;
	stairwell: string;
	flat: string | null;
	location: MeterLocation;
	tariff_group: TariffGroup;
	prosumer: 0 | 1;
	resident_phone: string | null;
	/** For messages about an in-home appointment only. */
	resident_email: string | null;
}

const MAX_LENGTH: Record<Column, number> = {
	ppe: 24, meter_serial: 20, manufacturer: 60, model: 60, street: 120, number: 12, postcode: 6, city: 60,
	estate: 120, stairwell: 12, flat: 12, location: 20, tariff_group: 12, prosumer: 5, resident_phone: 20, resident_email: 254
};

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LOCATIONS: Record<string, MeterLocation> = {
	klatka: 'stairwell', stairwell: 'stairwell',
	mieszkanie: 'in_home', 'in-home': 'in_home', in_home: 'in_home'
};
const YES = new Set(['tak', 'yes', '1', 'true', 't', 'y']);
const NO = new Set(['nie', 'no', '0', 'false', 'n', '']);
const POSTCODE = /^\d{2}-\d{3}$/;
const PHONE = /^\+?[0-9][0-9 -]{7,17}[0-9]$/;
const EMAIL = /^[^\s@"<>,;]+@[^\s@"<>,;]+\.[^\s@"<>,;]{2,}$/;

const normaliseHeader = (h: string) => h.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/[\s-]+/g, '_');

/** Which input column holds each canonical column; the missing required ones are reported. */
export function mapHeader(header: string[]): { index: Partial<Record<Column, number>>; labels: Partial<Record<Column, string>>; missing: Column[] } {
	const normalised = header.map(normaliseHeader);
	const index: Partial<Record<Column, number>> = {};
	const labels: Partial<Record<Column, string>> = {};
	for (const column of COLUMN_NAMES) {
		const i = normalised.findIndex((h) => (COLUMNS[column] as readonly string[]).includes(h));
		if (i >= 0) {
			index[column] = i;
			labels[column] = header[i]!.replace(/^\uFEFF/, '').trim();
		}
	}
	const missing = COLUMN_NAMES.filter((c) => index[c] === undefined && !OPTIONAL.has(c));
	return { index, labels, missing };
}

/**
 * Checks one record. Returns the clean row or every problem found in it (not just the first),
 * so a planner fixes a file in one pass.
 */
export function checkRecord(record: string[], index: Partial<Record<Column, number>>, row: number): { row: MeterPointRow } | { errors: RowError[] } {
	const errors: RowError[] = [];
	const raw = (c: Column) => (index[c] === undefined ? '' : (record[index[c]!] ?? '').trim());
	const fail = (column: Column | null, code: string, params?: Record<string, string | number>) =>
		errors.push({ row, column, code, ...(params ? { params } : {}), ...(column ? { value: raw(column).slice(0, 40) } : {}) });

	for (const column of COLUMN_NAMES) {
		const value = raw(column);
		if (!value && !OPTIONAL.has(column)) fail(column, 'plan_import_err_required');
		else if (value.length > MAX_LENGTH[column]) fail(column, 'plan_import_err_too_long', { max: MAX_LENGTH[column] });
		// Control characters (NUL cannot even be stored by PostgreSQL) never belong in an address.
		else if (CONTROL_CHARS.test(value)) fail(column, 'plan_import_err_control_char');
	}
	const has = (c: Column) => raw(c) !== '' && raw(c).length <= MAX_LENGTH[c];

	let ppe = '';
	if (has('ppe')) {
		const result = checkPpe(raw('ppe'));
		if (result.ok) ppe = result.ppe;
		else fail('ppe', `plan_import_err_ppe_${result.problem}`);
	}
	// The same format the fitter's scanner and the sync accept: a meter imported here can be
	// confirmed on site (a PPE typed into this column is named as such).
	const serial = checkCode('meter_serial', raw('meter_serial'));
	if (has('meter_serial') && !serial.ok) fail('meter_serial', serial.ok === false && serial.problem === 'wrong_kind' && serial.detectedKind === 'ppe' ? 'plan_import_err_serial_is_ppe' : 'plan_import_err_serial_format');
	if (has('postcode') && !POSTCODE.test(raw('postcode'))) fail('postcode', 'plan_import_err_postcode_format');
	const locationKey = raw('location').toLowerCase();
	// Own keys only: "__proto__" or "constructor" in the file must not match Object.prototype.
	const location = Object.hasOwn(LOCATIONS, locationKey) ? LOCATIONS[locationKey] : undefined;
	if (has('location') && !location) fail('location', 'plan_import_err_location');
	const tariff = raw('tariff_group');
	const tariffGroup = parseTariffGroup(tariff);
	if (has('tariff_group') && !tariffGroup) fail('tariff_group', 'plan_import_err_tariff');
	const prosumerRaw = raw('prosumer').toLowerCase();
	const prosumer = YES.has(prosumerRaw) ? 1 : NO.has(prosumerRaw) ? 0 : null;
	if (prosumer === null) fail('prosumer', 'plan_import_err_prosumer');
	const phone = raw('resident_phone');
	if (phone && !PHONE.test(phone)) fail('resident_phone', 'plan_import_err_phone');
	const email = raw('resident_email');
	if (email && !EMAIL.test(email)) fail('resident_email', 'plan_import_err_email');
	// Residents' contact data exists only to arrange a visit inside their home.
	else if (email && location === 'stairwell') fail('resident_email', 'plan_import_err_email_stairwell');
	// A flat is needed to find an in-home meter in a block (one with stairwells); a house has neither.
	if (location === 'in_home' && raw('stairwell') && !raw('flat')) fail('flat', 'plan_import_err_flat_in_home');
	if (location === 'stairwell' && !raw('stairwell')) fail('stairwell', 'plan_import_err_required');

	if (errors.length) return { errors };
	return {
		row: {
			row,
			ppe,
			meter_serial: serial.ok ? serial.value : raw('meter_serial').toUpperCase(),
			manufacturer: raw('manufacturer'),
			model: raw('model'),
			street: raw('street'),
			number: raw('number'),
			postcode: raw('postcode'),
			city: raw('city'),
			estate: raw('estate'),
			stairwell: raw('stairwell'),
			flat: raw('flat') || null,
			location: location!,
			tariff_group: tariffGroup!,
			prosumer: prosumer!,
			resident_phone: phone || null,
			resident_email: email || null
		}
	};
}

/**
 * Checks all records of a file: each row on its own, then duplicates of PPE and meter serial
 * across the file (the later row is reported, naming the first).
 */
export async function checkRecords(
	header: string[],
	records: ReadonlyArray<string[] | null>,
	firstRow = 2
): Promise<{ rows: MeterPointRow[]; errors: RowError[]; labels: Partial<Record<Column, string>> }> {
	const { index, labels, missing } = mapHeader(header);
	const errors: RowError[] = [];
	if (missing.length) {
		errors.push({ row: 1, column: null, code: 'plan_import_err_missing_columns', params: { columns: missing.map((c) => COLUMNS[c][0]).join(', ') } });
		return { rows: [], errors, labels };
	}
	const rows: MeterPointRow[] = [];
	const seenPpe = new Map<string, number>();
	const seenSerial = new Map<string, number>();
	// A big file is checked in steps, with the event loop given back between them.
	const step = everyFew(STEP_ROWS);
	for (const [i, record] of records.entries()) {
		await step();
		const row = firstRow + i;
		// Unreadable (a quote never closed): already reported by the parser.
		if (!record) continue;
		if (record.length !== header.length) {
			errors.push({ row, column: null, code: 'plan_import_err_field_count', params: { expected: header.length, got: record.length } });
			continue;
		}
		const result = checkRecord(record, index, row);
		if ('errors' in result) {
			errors.push(...result.errors);
			// A later copy of this PPE or serial is still a duplicate, even though this row is wrong.
			const ppe = checkPpe((record[index.ppe!] ?? '').trim());
			if (ppe.ok && !seenPpe.has(ppe.ppe)) seenPpe.set(ppe.ppe, row);
			const serial = (record[index.meter_serial!] ?? '').trim().toUpperCase();
			if (serial && !seenSerial.has(serial)) seenSerial.set(serial, row);
			continue;
		}
		const r = result.row;
		const ppeFirst = seenPpe.get(r.ppe);
		const serialFirst = seenSerial.get(r.meter_serial);
		if (ppeFirst !== undefined) errors.push({ row, column: 'ppe', code: 'plan_import_err_duplicate_ppe', params: { first: ppeFirst }, value: r.ppe });
		if (serialFirst !== undefined) errors.push({ row, column: 'meter_serial', code: 'plan_import_err_duplicate_serial', params: { first: serialFirst }, value: r.meter_serial });
		if (ppeFirst === undefined) seenPpe.set(r.ppe, row);
		if (serialFirst === undefined) seenSerial.set(r.meter_serial, row);
		if (ppeFirst === undefined && serialFirst === undefined) rows.push(r);
	}
	if (records.length === 0) errors.push({ row: 1, column: null, code: 'plan_import_err_empty' });
	return { rows, errors, labels };
}
