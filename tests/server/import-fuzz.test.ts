import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '$server/audit';
import { importMeterPoints, parseCsv, type ImportReport } from '$server/import/import.service';
import { HOSTILE_VALUES } from '../support/hostile-inputs';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { seedWorld } from './fixtures';

/**
 * The CSV import fed broken and hostile files: every one is answered with a report (row, column,
 * reason in words) or a clear file-level error, never an exception, and nothing is stored unless
 * the whole file is good.
 */
const SAMPLE = readFileSync(resolve(import.meta.dirname, '../../static/samples/punkty-poboru-przyklad.csv'), 'utf8');
const [HEADER, ...LINES] = SAMPLE.trim().split(/\r?\n/);
const FIRST = LINES.slice(0, 3);

async function snapshot(tdb: TestDatabase): Promise<string> {
	const tables = ['meter_points', 'meters', 'buildings', 'estates'] as const;
	const parts = await Promise.all(tables.map((t) => tdb.db.selectFrom(t).selectAll().execute()));
	return JSON.stringify(parts.map((rows) => rows.map((r) => JSON.stringify(r)).sort()));
}

function variants(): Array<{ label: string; text: string | Buffer }> {
	const header = HEADER!.split(';');
	const out: Array<{ label: string; text: string | Buffer }> = [
		{ label: 'empty file', text: '' },
		{ label: 'header only', text: `${HEADER}\n` },
		{ label: 'no header', text: FIRST.join('\n') },
		{ label: 'binary garbage', text: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) % 256)) },
		{ label: 'Windows-1250 bytes', text: Buffer.from([HEADER, ...FIRST].join('\n').replace(/ł/g, '\xb3'), 'latin1') },
		{ label: 'unterminated quote', text: [HEADER, `"${FIRST[0]}`, FIRST[1]].join('\n') },
		{ label: 'duplicate column', text: [`${HEADER};ppe`, ...FIRST.map((l) => `${l};x`)].join('\n') },
		{ label: 'missing column', text: [header.slice(1).join(';'), ...FIRST.map((l) => l.split(';').slice(1).join(';'))].join('\n') },
		{ label: 'short row', text: [HEADER, FIRST[0]!.split(';').slice(0, 3).join(';'), FIRST[1]].join('\n') },
		{ label: 'long row', text: [HEADER, `${FIRST[0]};extra;cells`, FIRST[1]].join('\n') },
		{ label: 'CRLF and BOM', text: `\uFEFF${[HEADER, ...FIRST].join('\r\n')}\r\n` },
		{ label: 'huge line', text: [HEADER, 'x'.repeat(1_000_000), FIRST[0]].join('\n') }
	];
	for (const [col, name] of header.entries()) {
		for (const [label, value] of HOSTILE_VALUES) {
			if (typeof value !== 'string') continue;
			const cells = FIRST[0]!.split(';');
			cells[col] = value.replace(/;/g, ',');
			out.push({ label: `${name} = ${label}`, text: [HEADER, cells.join(';'), FIRST[1]].join('\n') });
		}
	}
	return out;
}

describeEachDb('CSV import with broken and hostile files', (kind) => {
	let tdb: TestDatabase;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		await seedWorld(tdb.db);
	});
	afterAll(() => tdb?.destroy());

	it('answers every file with a report or a clear error, and stores nothing from a file with a bad row', async () => {
		const problems: string[] = [];
		let refused = 0;
		for (const { label, text } of variants()) {
			const before = await snapshot(tdb);
			let report: ImportReport;
			try {
				const csv = await parseCsv(typeof text === 'string' ? text : text.toString('utf8'));
				report = await importMeterPoints(tdb.db, csv, { dryRun: false, fileName: 'fuzz.csv', actor: SYSTEM_ACTOR, locale: 'pl' });
			} catch (e) {
				problems.push(`${label}: threw ${(e as Error).message.slice(0, 200)}`);
				continue;
			}
			if (report.committed) {
				// A hostile but valid value (an injection string in a street name) is stored as text;
				// undo it so each variant starts from the same state.
				await tdb.db.deleteFrom('meters').where('meter_point_id', 'in', tdb.db.selectFrom('meter_points').select('id').where('ppe', 'in', FIRST.map((l) => l.split(';')[0]!))).execute();
				await tdb.db.deleteFrom('meter_points').where('ppe', 'in', FIRST.map((l) => l.split(';')[0]!)).execute();
				continue;
			}
			refused++;
			if (report.errors.length === 0) problems.push(`${label}: refused without a reason`);
			for (const e of report.errors) {
				if (!e.message || /^plan_[a-z_]+$/.test(e.message)) problems.push(`${label}: untranslated error ${e.code}`);
				if (typeof e.row !== 'number') problems.push(`${label}: error without a row number`);
			}
			if ((await snapshot(tdb)) !== before) problems.push(`${label}: refused but the database changed`);
		}
		expect(problems.slice(0, 30)).toEqual([]);
		expect(refused).toBeGreaterThan(50);
	}, 300_000);
});
