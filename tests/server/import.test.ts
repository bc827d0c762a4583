import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ppeWithCheckDigit } from '$lib/domain/ppe';
import { SYSTEM_ACTOR } from '$server/audit';
import { importMeterPoints, parseCsv } from '$server/import/import.service';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { seedWorld } from './fixtures';
import { windows1250 } from '../support/windows-1250';

const SAMPLE = readFileSync(resolve(import.meta.dirname, '../../static/samples/punkty-poboru-przyklad.csv'), 'utf8');
const HEADER = SAMPLE.split('\n')[0]!;
const [GOOD_1, GOOD_2] = SAMPLE.split('\n').slice(1, 3) as [string, string];

async function run(tdb: TestDatabase, text: string, dryRun = false) {
	return importMeterPoints(tdb.db, await parseCsv(text), { dryRun, fileName: 'test.csv', actor: SYSTEM_ACTOR, locale: 'pl' });
}

async function snapshot(tdb: TestDatabase) {
	const [points, meters, buildings, estates] = await Promise.all([
		tdb.db.selectFrom('meter_points').selectAll().orderBy('ppe').execute(),
		tdb.db.selectFrom('meters').selectAll().orderBy('serial').execute(),
		tdb.db.selectFrom('buildings').selectAll().orderBy('id').execute(),
		tdb.db.selectFrom('estates').selectAll().orderBy('id').execute()
	]);
	return { points, meters, buildings, estates };
}

/** Replaces one column (by its Polish header) of a sample line. */
function withField(line: string, column: string, value: string): string {
	const cells = line.split(';');
	cells[HEADER.split(';').indexOf(column)] = value;
	return cells.join(';');
}

/** The bytes as an upload delivers them: in pieces that may cut a letter in two. */
const inPieces = (bytes: Buffer, size: number) => Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));

describeEachDb('meter point import', (kind) => {
	let tdb: TestDatabase;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		await seedWorld(tdb.db);
	});
	afterAll(() => tdb?.destroy());

	it('checks the sample file in a dry run without storing anything', async () => {
		const before = await snapshot(tdb);
		const report = await run(tdb, SAMPLE, true);
		expect(report.errors).toEqual([]);
		expect(report).toMatchObject({ rows: 200, added: 200, updatedCount: 0, unchanged: 0, committed: false, newEstates: ['Osiedle Słoneczne Wzgórze'], newBuildings: 5 });
		expect(await snapshot(tdb)).toEqual(before);
	});

	it('reports every kind of bad row with its row number and reason, and stores nothing', async () => {
		const lines = SAMPLE.trim().split('\n').slice(1, 30);
		const bad = [
			withField(lines[0]!, 'ppe', '590543997000000017'), // row 2: check digit
			withField(lines[1]!, 'ppe', '59054399700000001'), // row 3: length
			withField(lines[2]!, 'ppe', '59054399700000001X'), // row 4: characters
			withField(lines[3]!, 'grupa_taryfowa', 'G99'), // row 5
			withField(lines[4]!, 'lokalizacja', 'piwnica'), // row 6
			withField(lines[5]!, 'ulica', ''), // row 7: address missing
			withField(lines[6]!, 'kod_pocztowy', '53021'), // row 8
			withField(lines[7]!, 'prosument', 'może'), // row 9
			withField(lines[8]!, 'telefon', 'abc'), // row 10
			withField(withField(lines[9]!, 'lokalizacja', 'mieszkanie'), 'lokal', ''), // row 11
			withField(lines[10]!, 'ppe', lines[11]!.split(';')[0]!), // row 12 duplicates row 13's PPE? no: row 12 first, row 13 duplicate
			lines[11]!, // row 13: duplicate PPE of row 12
			withField(lines[12]!, 'numer_licznika', lines[13]!.split(';')[1]!), // row 14
			lines[13]!, // row 15: duplicate serial of row 14
			withField(lines[14]!, 'numer_licznika', 'X!'), // row 16
			lines[15]!.split(';').slice(0, 5).join(';') // row 17: too few fields
		];
		const before = await snapshot(tdb);
		const report = await run(tdb, [HEADER, ...bad].join('\n'));
		expect(report.committed).toBe(false);
		const found = report.errors.map((e) => [e.row, e.column, e.code]);
		expect(found).toEqual([
			[2, 'ppe', 'plan_import_err_ppe_check_digit'],
			[3, 'ppe', 'plan_import_err_ppe_length'],
			[4, 'ppe', 'plan_import_err_ppe_characters'],
			[5, 'tariff_group', 'plan_import_err_tariff'],
			[6, 'location', 'plan_import_err_location'],
			[7, 'street', 'plan_import_err_required'],
			[8, 'postcode', 'plan_import_err_postcode_format'],
			[9, 'prosumer', 'plan_import_err_prosumer'],
			[10, 'resident_phone', 'plan_import_err_phone'],
			[11, 'flat', 'plan_import_err_flat_in_home'],
			[13, 'ppe', 'plan_import_err_duplicate_ppe'],
			[15, 'meter_serial', 'plan_import_err_duplicate_serial'],
			[16, 'meter_serial', 'plan_import_err_serial_format'],
			[17, null, 'plan_import_err_field_count']
		]);
		// Reasons are sentences in the planner's language, naming the other row where it helps.
		expect(report.errors.find((e) => e.row === 13)!.message).toBe('Ten PPE występuje już w wierszu 12.');
		expect(report.errors.find((e) => e.row === 5)!.columnLabel).toBe('grupa_taryfowa');
		expect(await snapshot(tdb)).toEqual(before);
	});

	it('reports a stray quote as an error of its row at once, reads every row after it, and stores nothing', async () => {
		const before = await snapshot(tdb);
		const rows = SAMPLE.trim().split('\n').slice(1);
		const broken = withField(rows[0]!, 'osiedle', 'Osiedle "Róża');
		// Enough rows after it that an unclosed quote would swallow far more than any record can hold.
		const text = [HEADER, broken, ...rows.slice(1)].join('\n') + '\n';
		const report = await run(tdb, text);
		expect(report.committed).toBe(false);
		expect(report.rows).toBe(rows.length);
		expect(report.errors).toHaveLength(1);
		expect(report.errors[0]).toMatchObject({ row: 2, code: 'plan_import_err_unclosed_quote' });
		expect(report.errors[0]!.message).toContain('Cudzysłów');
		// The rest was read as ordinary rows: all of them would have been added.
		expect(report.added).toBe(rows.length - 1);
		expect(await snapshot(tdb)).toEqual(before);
	});

	it('reads a quoted field with line breaks that closes, and reports a quote left open at the end of the file', async () => {
		const rows = SAMPLE.trim().split('\n').slice(1);
		const multiLine = withField(rows[0]!, 'osiedle', '"Osiedle\nSłoneczne ""Wzgórze"""');
		const parsed = await parseCsv([HEADER, multiLine, rows[1]].join('\n'));
		expect(parsed.records).toHaveLength(2);
		expect(parsed.records[0]![HEADER.split(';').indexOf('osiedle')]).toBe('Osiedle\nSłoneczne "Wzgórze"');
		const openAtEnd = await parseCsv([HEADER, rows[0], withField(rows[1]!, 'osiedle', '"Osiedle')].join('\n'));
		expect(openAtEnd.records).toHaveLength(2);
		expect(openAtEnd.records[1]).toBeNull();
		expect(openAtEnd.parseErrors).toMatchObject([{ row: 3, code: 'plan_import_err_unclosed_quote' }]);
	});

	it('reads a file saved by Excel in Windows-1250 with its Polish letters, and says so', async () => {
		const rows = SAMPLE.trim().split('\n').slice(1, 4);
		const text = [HEADER, withField(rows[0]!, 'osiedle', 'Osiedle Źródlane Łąki'), ...rows.slice(1)].join('\r\n') + '\r\n';
		expect(new TextDecoder('windows-1250').decode(windows1250(text))).toBe(text);
		const parsed = await parseCsv(inPieces(windows1250(text), 7));
		expect(parsed.encoding).toBe('windows-1250');
		expect(parsed.parseErrors).toEqual([]);
		expect(parsed.records.map((r) => r![HEADER.split(';').indexOf('osiedle')])).toEqual(['Osiedle Źródlane Łąki', 'Osiedle Słoneczne Wzgórze', 'Osiedle Słoneczne Wzgórze']);
		const report = await importMeterPoints(tdb.db, parsed, { dryRun: true, fileName: 'excel.csv', actor: SYSTEM_ACTOR, locale: 'pl' });
		expect(report).toMatchObject({ encoding: 'windows-1250', errorCount: 0 });
		expect(report.newEstates).toContain('Osiedle Źródlane Łąki');
	});

	it('reads UTF-8 cut mid-letter between pieces, and refuses a file that turns from UTF-8 to another encoding at that row', async () => {
		const rows = SAMPLE.trim().split('\n').slice(1, 5);
		const utf8 = Buffer.from([HEADER, ...rows].join('\n') + '\n');
		const whole = await parseCsv(inPieces(utf8, 3));
		expect(whole.encoding).toBe('utf-8');
		expect(whole.records).toEqual((await parseCsv(utf8.toString('utf8'))).records);
		// Two files pasted together: rows 2–5 in UTF-8, row 6 from an Excel file.
		const before = await snapshot(tdb);
		const pasted = Buffer.concat([utf8, windows1250(withField(rows[0]!, 'osiedle', 'Osiedle Źródlane') + '\n')]);
		const parsed = await parseCsv(inPieces(pasted, 64));
		expect(parsed.parseErrors).toMatchObject([{ row: 6, code: 'plan_import_err_encoding' }]);
		const report = await importMeterPoints(tdb.db, parsed, { dryRun: false, fileName: 'pasted.csv', actor: SYSTEM_ACTOR, locale: 'pl' });
		expect(report.committed).toBe(false);
		expect(report.errors.find((e) => e.code === 'plan_import_err_encoding')?.message).toContain('UTF-8');
		expect(await snapshot(tdb)).toEqual(before);
	});

	it('refuses a file without the required columns', async () => {
		const report = await run(tdb, 'ppe;ulica\n590543997000000016;ul. X\n');
		expect(report.errors).toHaveLength(1);
		expect(report.errors[0]).toMatchObject({ row: 1, code: 'plan_import_err_missing_columns' });
		expect(report.errors[0]!.message).toContain('numer_licznika');
	});

	it('refuses a serial already fitted at another PPE in the database, and a building of another estate', async () => {
		const stored = await tdb.db.selectFrom('meter_points').select('ppe').limit(1).executeTakeFirstOrThrow();
		await tdb.db.insertInto('meters').values({ id: 'm-x', serial: '77777777', manufacturer: 'Pafal', model: '20 EC3', kind: 'conventional', state: 'installed', meter_point_id: (await tdb.db.selectFrom('meter_points').select('id').where('ppe', '=', stored.ppe).executeTakeFirstOrThrow()).id, holder_user_id: null, created_at: 'x', updated_at: 'x' }).execute();
		const otherEstate = withField(withField(withField(GOOD_2, 'ulica', 'Testowa'), 'numer_budynku', '1'), 'kod_pocztowy', '50-001');
		const report = await run(tdb, [HEADER, withField(GOOD_1, 'numer_licznika', '77777777'), withField(otherEstate, 'miejscowosc', 'Wrocław')].join('\n'));
		expect(report.errors.map((e) => [e.row, e.code])).toEqual([
			[2, 'plan_import_err_serial_taken'],
			[3, 'plan_import_err_building_estate']
		]);
		expect(report.errors[0]!.message).toContain(stored.ppe);
		expect(report.committed).toBe(false);
	});

	it('commits the sample file all at once, then a re-import changes nothing', async () => {
		const first = await run(tdb, SAMPLE);
		expect(first).toMatchObject({ committed: true, added: 200, errorCount: 0 });
		const after = await snapshot(tdb);
		expect(after.points.filter((p) => p.ppe.startsWith('59054399'))).toHaveLength(200);
		const again = await run(tdb, SAMPLE);
		expect(again).toMatchObject({ committed: true, added: 0, updatedCount: 0, unchanged: 200, newBuildings: 0, newEstates: [] });
		expect(await snapshot(tdb)).toEqual(after);
	});

	it('updates by PPE on re-import and says which fields changed', async () => {
		const changed = withField(withField(GOOD_1, 'grupa_taryfowa', 'G12'), 'numer_licznika', '55555555');
		const report = await run(tdb, [HEADER, changed, GOOD_2].join('\n'));
		expect(report).toMatchObject({ committed: true, added: 0, updatedCount: 1, unchanged: 1 });
		expect(report.updated).toEqual([{ row: 2, ppe: GOOD_1.split(';')[0], fields: ['meter_serial', 'tariff_group'] }]);
		const point = await tdb.db.selectFrom('meter_points').selectAll().where('ppe', '=', GOOD_1.split(';')[0]!).executeTakeFirstOrThrow();
		expect(point.tariff_group).toBe('G12');
		const meter = await tdb.db.selectFrom('meters').selectAll().where('meter_point_id', '=', point.id).executeTakeFirstOrThrow();
		expect(meter.serial).toBe('55555555');
		expect(await tdb.db.selectFrom('meters').select('id').where('meter_point_id', '=', point.id).execute()).toHaveLength(1);
	});

	it('refuses a serial the fitter could not confirm on site, and names a PPE put in the serial column', async () => {
		const ppe = GOOD_1.split(';')[0]!;
		const report = await run(tdb, [HEADER, withField(GOOD_1, 'numer_licznika', 'AB-12'), withField(GOOD_2, 'numer_licznika', ppe)].join('\n'));
		expect(report.committed).toBe(false);
		expect(report.errors.map((e) => [e.row, e.column, e.code])).toEqual([
			[2, 'meter_serial', 'plan_import_err_serial_format'],
			[3, 'meter_serial', 'plan_import_err_serial_is_ppe']
		]);
		expect(report.errors[1]!.message).toBe('To jest numer PPE, a nie numer licznika.');
	});

	it('accepts a comma-separated file with English headers', async () => {
		const ppe = ppeWithCheckDigit('59054399888000001');
		const text = 'ppe,meter_serial,manufacturer,model,street,number,postcode,city,estate,stairwell,flat,location,tariff_group,prosumer\n' +
			`${ppe},ZX-123456789,Apator,A52,ul. Nowa,9,53-100,Wrocław,Osiedle Słoneczne Wzgórze,I,1,in-home,g12w,yes\n`;
		const report = await run(tdb, text);
		expect(report.errors).toEqual([]);
		const point = await tdb.db.selectFrom('meter_points').selectAll().where('ppe', '=', ppe).executeTakeFirstOrThrow();
		expect(point).toMatchObject({ location: 'in_home', tariff_group: 'G12w', prosumer: 1 });
	});
});
