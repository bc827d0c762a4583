import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { FORMULA_CELL, toCsv } from '../../src/lib/domain/csv';
import { billingCsv, type BillingRecord } from '../../server/stats/billing';

/** Cells that open a formula in Excel or LibreOffice: plain, after white space, after a line break. */
const HOSTILE = [
	'=1+1',
	'=HYPERLINK("http://evil.example/","Kliknij")&\n""',
	'=HYPERLINK("http://evil.example/","Kliknij")&\r\n""',
	'  =cmd|\' /C calc\'!A0',
	'\u00a0+1',
	'\u3000@SUM(A1)',
	'\n-2+3',
	'\tabc',
	'\rabc',
	'Kowalski\n=1+1',
	'\u200b=1'
];

const parse = (csv: string) => Papa.parse<string[]>(csv.replace(/^\uFEFF/, ''), { delimiter: ';', skipEmptyLines: true }).data;

describe('the one CSV writer', () => {
	it('writes every formula-looking cell with a leading apostrophe, and reads back the rest unchanged', () => {
		const rows = parse(toCsv(['a'], HOSTILE.map((c) => [c])));
		expect(rows.slice(1).map((r) => r[0])).toEqual(HOSTILE.map((c) => `'${c}`));
	});

	it('leaves ordinary text, numbers and negative numbers typed as numbers alone', () => {
		const rows = parse(toCsv(['a', 'b', 'c'], [['Osiedle Różanka; blok 3', 12345.678, -5], ['ul. "Długa"\n2', 0, null]]));
		expect(rows[1]).toEqual(['Osiedle Różanka; blok 3', '12345.678', '-5']);
		expect(rows[2]).toEqual(['ul. "Długa"\n2', '0', '']);
	});

	it('flags every hostile cell and no harmless one', () => {
		for (const c of HOSTILE) expect(FORMULA_CELL.test(c), JSON.stringify(c)).toBe(true);
		for (const c of ['abc', '12,5', 'a=b', 'e-mail: a@b', '590543560000000017', '']) expect(FORMULA_CELL.test(c), c).toBe(false);
	});

	it('guards the multi-line and indented formulas in every column of the billing export', () => {
		const base: BillingRecord = {
			ppe: '590543560000000017', tariffGroup: 'G11', oldMeterSerial: '12345678', oldReadings: { '1.8.0': '1.000' }, newMeterSerial: '2026000001',
			newReadings: { '1.8.0': '0.000' }, unreadable: [], startedAt: null, powerOffAt: null, powerOnAt: null, completedAt: '2026-11-24T08:25:00.000Z',
			fitter: null, jobId: 'j'
		};
		const attack = HOSTILE[1]!;
		const csv = billingCsv([{ ...base, fitter: attack, unreadable: [{ meter: 'old', register: '1.8.0', reason: attack }] }, { ...base, fitter: '  -1+1', tariffGroup: '\n@x' }]);
		const [head, one, two] = parse(csv);
		expect(one![head!.indexOf('monter')]).toBe(`'${attack}`);
		// Mid-cell text cannot start a formula: kept exactly as typed.
		expect(one![head!.indexOf('nieczytelne')]).toBe(`old 1.8.0: ${attack}`);
		expect(two![head!.indexOf('monter')]).toBe(`'  -1+1`);
		expect(two![head!.indexOf('grupa_taryfowa')]).toBe(`'\n@x`);
	});

	it('is the only place the app writes CSV', () => {
		const root = resolve(import.meta.dirname, '../..');
		const offenders: string[] = [];
		const walk = (dir: string) => {
			for (const name of readdirSync(dir)) {
				const path = join(dir, name);
				if (name === 'node_modules' || name === 'paraglide') continue;
				if (statSync(path).isDirectory()) walk(path);
				else if (/\.(ts|svelte)$/.test(name) && /\bunparse\s*\(/.test(readFileSync(path, 'utf8'))) offenders.push(relative(root, path));
			}
		};
		walk(join(root, 'src'));
		walk(join(root, 'server'));
		expect(offenders).toEqual(['src/lib/domain/csv.ts']);
	});
});
