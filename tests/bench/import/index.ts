/**
 * Meter-point import on the embedded SQLite: parse (papaparse) + check every row + compare with
 * the database + one all-or-nothing transaction, for 10 k and 100 k rows, next to a bare bulk
 * insert of the same rows (prepared statements, one transaction) in the same run. Also the
 * re-import of the same file (every row compared, nothing written).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { openDatabase } from '../../../server/db/database';
import { migrateToLatest } from '../../../server/db/migrations';
import { importMeterPoints, parseCsv } from '../../../server/import/import.service';
import type { BenchRow } from '../report';
import { meterPointsCsv } from './generate';

const actor = { userId: null, sessionKind: null, device: 'bench', ip: null };

async function freshDb() {
	const dir = mkdtempSync(join(tmpdir(), 'wymiana-bench-import-'));
	const database = openDatabase(`file:${join(dir, 'bench.db')}`);
	await migrateToLatest(database.db, database.dialect);
	return { database, cleanup: async () => { await database.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/** The same buildings, points and meters written with bare prepared statements. */
async function rawInsert(csv: string): Promise<number> {
	const { database, cleanup } = await freshDb();
	try {
		if (database.raw.kind !== 'sqlite') throw new Error('sqlite only');
		const client = database.raw.client;
		const rows = csv.trim().split('\n').slice(1).map((l) => l.split(';'));
		const started = performance.now();
		const at = new Date().toISOString();
		const estates = new Map<string, string>();
		const buildings = new Map<string, string>();
		const insE = client.prepare('insert into estates (id, name, city, is_demo, created_at) values (?, ?, ?, 0, ?)');
		const insB = client.prepare('insert into buildings (id, estate_id, street, number, postcode, city, created_at) values (?, ?, ?, ?, ?, ?, ?)');
		const insP = client.prepare('insert into meter_points (id, ppe, building_id, stairwell, flat, location, tariff_group, prosumer, resident_phone, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
		const insM = client.prepare("insert into meters (id, serial, manufacturer, model, kind, state, meter_point_id, holder_user_id, created_at, updated_at) values (?, ?, ?, ?, 'conventional', 'installed', ?, null, ?, ?)");
		client.transaction(() => {
			for (const r of rows) {
				let e = estates.get(r[8]!);
				if (!e) { e = uuidv7(); estates.set(r[8]!, e); insE.run(e, r[8], r[7], at); }
				const bk = `${r[4]}|${r[5]}|${r[6]}`;
				let b = buildings.get(bk);
				if (!b) { b = uuidv7(); buildings.set(bk, b); insB.run(b, e, r[4], r[5], r[6], r[7], at); }
				const p = uuidv7();
				insP.run(p, r[0], b, r[9], r[10], r[11] === 'mieszkanie' ? 'in_home' : 'stairwell', r[12], r[13] === 'tak' ? 1 : 0, r[14] || null, at, at);
				insM.run(uuidv7(), r[1], r[2], r[3], p, at, at);
			}
		})();
		return performance.now() - started;
	} finally {
		await cleanup();
	}
}

/** Parse + dry-run check of a file streamed in 64 KiB pieces (as an upload arrives), with the event loop's worst stall meanwhile. */
async function timedCheck(csv: string): Promise<{ ms: number; maxDelayMs: number; errors: number }> {
	const { database, cleanup } = await freshDb();
	const delay = monitorEventLoopDelay({ resolution: 10 });
	try {
		const pieces = Readable.from((function* () { for (let i = 0; i < csv.length; i += 65_536) yield csv.slice(i, i + 65_536); })());
		delay.enable();
		const started = performance.now();
		const report = await importMeterPoints(database.db, await parseCsv(pieces), { dryRun: true, fileName: 'bench.csv', actor, locale: 'pl' });
		const ms = performance.now() - started;
		delay.disable();
		return { ms, maxDelayMs: delay.max / 1e6, errors: report.errorCount };
	} finally {
		await cleanup();
	}
}

/** 100 k rows, clean and with one unmatched quote in row 2: the check stays linear and never holds the event loop. */
async function strayQuote(): Promise<BenchRow[]> {
	const clean = meterPointsCsv(100_000);
	const lines = clean.split('\n');
	const cells = lines[1]!.split(';');
	cells[8] = `Osiedle "Róża ${cells[8]}`;
	lines[1] = cells.join(';');
	const stray = lines.join('\n');
	const a = await timedCheck(clean);
	const b = await timedCheck(stray);
	if (a.errors !== 0 || b.errors !== 1) throw new Error(`unexpected errors: clean ${a.errors}, stray ${b.errors}`);
	return [
		{ bench: 'import', case: '100k rows, one stray quote: check time', value: b.ms / 1000, unit: 's', baseline: { label: 'clean file', value: a.ms / 1000 }, goal: '≤ 1.5× clean' },
		{ bench: 'import', case: '100k rows, clean: longest event-loop stall', value: a.maxDelayMs, unit: 'ms', goal: '< 100 ms' },
		{ bench: 'import', case: '100k rows, one stray quote: longest event-loop stall', value: b.maxDelayMs, unit: 'ms', goal: '< 100 ms' }
	];
}

export async function run(): Promise<BenchRow[]> {
	const out: BenchRow[] = await strayQuote();
	for (const n of [10_000, 100_000]) {
		const csv = meterPointsCsv(n);
		const { database, cleanup } = await freshDb();
		try {
			const started = performance.now();
			const report = await importMeterPoints(database.db, await parseCsv(csv), { dryRun: false, fileName: 'bench.csv', actor, locale: 'pl' });
			const ms = performance.now() - started;
			if (!report.committed || report.added !== n) throw new Error(`import failed: ${JSON.stringify(report.errors.slice(0, 3))}`);
			const again = performance.now();
			const second = await importMeterPoints(database.db, await parseCsv(csv), { dryRun: false, fileName: 'bench.csv', actor, locale: 'pl' });
			const reMs = performance.now() - again;
			if (second.unchanged !== n) throw new Error('re-import changed rows');
			const raw = await rawInsert(csv);
			const k = `${n / 1000}k rows`;
			out.push({ bench: 'import', case: `${k}: total time (sqlite)`, value: ms / 1000, unit: 's', baseline: { label: 'bare bulk insert', value: raw / 1000 }, goal: n === 100_000 ? '< 10 s' : undefined });
			out.push({ bench: 'import', case: `${k}: rows per second`, value: n / (ms / 1000), unit: 'rows/s', baseline: { label: 'bare bulk insert', value: n / (raw / 1000) } });
			out.push({ bench: 'import', case: `${k}: time per row`, value: (ms * 1000) / n, unit: 'µs', baseline: { label: 'bare bulk insert', value: (raw * 1000) / n } });
			out.push({ bench: 'import', case: `${k}: re-import, all unchanged`, value: reMs / 1000, unit: 's', baseline: { label: 'first import', value: ms / 1000 } });
		} finally {
			await cleanup();
		}
	}
	return out;
}
