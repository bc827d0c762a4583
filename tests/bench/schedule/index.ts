/**
 * The scheduling engine on 10 k and 100 k meter points with 50 crews over a year: the pure engine,
 * and the whole preview from the database (load points, calendars and the existing plan + engine)
 * on SQLite. Baseline in the same run: sorting the same points into visiting order, the least any
 * planner must do (a plain string sort, no natural order).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDaysToDate, warsawDate } from '../../../src/lib/domain/time';
import { openDatabase } from '../../../server/db/database';
import { migrateToLatest } from '../../../server/db/migrations';
import { importMeterPoints, parseCsv } from '../../../server/import/import.service';
import { holidaysBetween } from '../../../server/schedule/calendar';
import { DEFAULT_PARAMS, schedule, type ScheduleInput } from '../../../server/schedule/engine';
import { previewPlan } from '../../../server/schedule/schedule.service';
import { newId } from '../../../server/util/ids';
import type { BenchRow } from '../report';
import { meterPointsCsv } from '../import/generate';

const TODAY = '2026-01-05';
const CREWS = 50;

function engineInput(n: number): ScheduleInput {
	const buildings: ScheduleInput['buildings'] = [];
	for (let i = 0; i < n; i++) {
		const b = Math.floor(i / 40);
		if (!buildings[b]) buildings[b] = { id: `b${String(b).padStart(6, '0')}`, estateOrder: Math.floor(b / 50), street: `ul. ${Math.floor(b / 50)}`, number: String((b % 50) + 1), stairwells: ['I', 'II', 'III', 'IV'].map((name) => ({ name, points: [] })) };
		buildings[b]!.stairwells[Math.floor(i / 10) % 4]!.points.push({ id: `p${String(i).padStart(7, '0')}`, flat: String((i % 40) + 1), location: i % 5 === 0 ? 'in_home' : 'stairwell', attempt: 1 });
	}
	return {
		today: TODAY, from: TODAY, to: addDaysToDate(TODAY, 365), params: DEFAULT_PARAMS, holidays: holidaysBetween(TODAY, addDaysToDate(TODAY, 365)),
		crews: Array.from({ length: CREWS }, (_, c) => ({ id: `crew${String(c).padStart(2, '0')}`, workDays: [1, 2, 3, 4, 5], start: '08:00', end: '16:00', fitters: [{ id: `f${c}a`, absences: c % 10 === 0 ? [{ from: '2026-02-02', to: '2026-02-13' }] : [] }, { id: `f${c}b`, absences: [] }], busyUntil: {} })),
		buildings
	};
}

function best(times: number[]) {
	return Math.min(...times);
}

export async function run(): Promise<BenchRow[]> {
	const out: BenchRow[] = [];
	for (const n of [10_000, 100_000]) {
		const input = engineInput(n);
		const engine: number[] = [];
		let placed = 0;
		for (let r = 0; r < 3; r++) {
			const t = performance.now();
			const result = schedule(input);
			engine.push(performance.now() - t);
			placed = result.units.reduce((s, u) => s + u.pointIds.length, 0);
		}
		if (placed !== n) throw new Error(`only ${placed} of ${n} placed`);
		const sorts: number[] = [];
		for (let r = 0; r < 3; r++) {
			const t = performance.now();
			const flat = input.buildings.flatMap((b) => b.stairwells.flatMap((s) => s.points.map((p) => `${b.street}|${b.number.padStart(4, '0')}|${s.name}|${(p.flat ?? '').padStart(4, '0')}|${p.id}`)));
			flat.sort();
			sorts.push(performance.now() - t);
		}
		const k = `${n / 1000}k points, ${CREWS} crews`;
		out.push({ bench: 'schedule', case: `${k}: engine`, value: best(engine), unit: 'ms', baseline: { label: 'plain sort of the points', value: best(sorts) }, goal: n === 100_000 ? '< 3000 ms' : undefined });
		out.push({ bench: 'schedule', case: `${k}: engine per point`, value: (best(engine) * 1000) / n, unit: 'µs', baseline: { label: 'sort per point', value: (best(sorts) * 1000) / n } });
		out.push({ bench: 'schedule', case: `${k}: points per second`, value: n / (best(engine) / 1000), unit: 'points/s' });
	}

	// The whole preview from SQLite (what the planner waits for), 100 k points, 50 crews.
	const dir = mkdtempSync(join(tmpdir(), 'wymiana-bench-schedule-'));
	const database = openDatabase(`file:${join(dir, 'bench.db')}`);
	try {
		await migrateToLatest(database.db, database.dialect);
		const imported = await importMeterPoints(database.db, await parseCsv(meterPointsCsv(100_000)), { dryRun: false, fileName: 'bench.csv', actor: { userId: null, sessionKind: null, device: 'bench', ip: null }, locale: 'pl' });
		if (!imported.committed) throw new Error('bench import failed');
		const at = new Date().toISOString();
		const crews = Array.from({ length: CREWS }, (_, c) => ({ id: newId(), name: `Ekipa ${c + 1}`, created_at: at }));
		await database.db.insertInto('crews').values(crews).execute();
		for (const c of crews) {
			for (const x of ['a', 'b']) {
				await database.db.insertInto('workers').values({ id: newId(), first_name: 'Jan', last_name: `${c.name}${x}`, company: 'Bench', badge_number: newId().slice(-11), photo_sha256: null, status: 'active', valid_until: '2099-01-01', code_secret: 'X', crew_id: c.id, is_demo: 0, created_at: at, updated_at: at }).execute();
			}
		}
		const estates = await database.db.selectFrom('estates').select(['id', 'name']).orderBy('name').execute();
		const today = warsawDate();
		for (const n of [10_000, 100_000]) {
			const ids = estates.filter((e) => (n === 10_000 ? Number(e.name.split(' ').pop()) < 5 : true)).map((e) => e.id);
			const t = performance.now();
			const preview = await previewPlan(database.db, { estateIds: ids, crewIds: crews.map((c) => c.id), from: today, to: addDaysToDate(today, 365), params: DEFAULT_PARAMS }, today, 'pl');
			const ms = performance.now() - t;
			const points = preview.placed + preview.unplacedCount;
			out.push({ bench: 'schedule', case: `preview from SQLite, ${points / 1000}k points (load + engine)`, value: ms, unit: 'ms', goal: points >= 100_000 ? '< 3000 ms' : undefined });
			out.push({ bench: 'schedule', case: `preview from SQLite, ${points / 1000}k points, per point`, value: (ms * 1000) / points, unit: 'µs' });
		}
	} finally {
		await database.close();
		rmSync(dir, { recursive: true, force: true });
	}
	return out;
}
