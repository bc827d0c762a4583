import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDaysToDate, warsawDate } from '$lib/domain/time';
import { SYSTEM_ACTOR } from '$server/audit';
import { seedDemo } from '$server/demo/seed';
import { DEFAULT_PARAMS } from '$server/schedule/engine';
import { commitPlan, moveJob, moveStairwellBlock, previewPlan, type PlanRequest } from '$server/schedule/schedule.service';
import { warsawMinutes } from '$lib/domain/time';
import { holidaysBetween } from '$server/schedule/calendar';
import { importMeterPoints, parseCsv } from '$server/import/import.service';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createTestDatabase, describeEachDb, refusal as code, type TestDatabase } from './harness';

const TODAY = warsawDate();

describeEachDb('planning an estate', (kind) => {
	let tdb: TestDatabase;
	let request: PlanRequest;
	let rozanka: string;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		await seedDemo(tdb.db);
		rozanka = (await tdb.db.selectFrom('estates').select('id').where('name', '=', 'Osiedle Różanka').executeTakeFirstOrThrow()).id;
		const crews = await tdb.db.selectFrom('crews').select('id').execute();
		request = { estateIds: [rozanka], crewIds: crews.map((c) => c.id), from: TODAY, to: addDaysToDate(TODAY, 90), params: { ...DEFAULT_PARAMS } };
	});
	afterAll(() => tdb?.destroy());

	it('previews the unplanned demo estate without writing anything', async () => {
		const jobsBefore = await tdb.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
		const preview = await previewPlan(tdb.db, request, TODAY, 'pl');
		const points = await tdb.db.selectFrom('meter_points').innerJoin('buildings', 'buildings.id', 'meter_points.building_id').select('meter_points.id').where('buildings.estate_id', '=', rozanka).execute();
		expect(preview.placed + preview.unplacedCount).toBe(points.length);
		expect(preview.unplacedCount).toBe(0);
		expect(preview.stairwellBlocks).toBeGreaterThan(0);
		expect(preview.slots).toBeGreaterThan(0);
		expect(preview.firstDay >= addDaysToDate(TODAY, 5)).toBe(true);
		expect((await tdb.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n).toEqual(jobsBefore.n);
	});

	it('refuses to commit a plan other than the one previewed', async () => {
		expect(await code(commitPlan(tdb.db, { ...request, expectedHash: '0'.repeat(32) }, TODAY, SYSTEM_ACTOR, 'pl'))).toBe('PLAN_CHANGED');
	});

	it('commits the previewed plan: published slots after the notice, no crew double-booked, no-access visits as second attempts', async () => {
		const preview = await previewPlan(tdb.db, request, TODAY, 'pl');
		const committed = await commitPlan(tdb.db, { ...request, expectedHash: preview.planHash }, TODAY, SYSTEM_ACTOR, 'pl');
		expect(committed.planHash).toBe(preview.planHash);

		const jobs = await tdb.db
			.selectFrom('jobs')
			.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
			.innerJoin('buildings as b', 'b.id', 'mp.building_id')
			.select(['jobs.id', 'jobs.crew_id', 'jobs.planned_date', 'jobs.window_start', 'jobs.window_end', 'jobs.slot_id', 'jobs.status', 'jobs.attempt', 'mp.location', 'b.estate_id'])
			.where('jobs.status', '=', 'planned')
			.execute();
		const mine = jobs.filter((j) => j.estate_id === rozanka);
		expect(mine).toHaveLength(preview.placed);
		const holidays = new Set(holidaysBetween(TODAY, addDaysToDate(TODAY, 120)));
		for (const j of mine) {
			expect(j.planned_date! >= addDaysToDate(TODAY, 5)).toBe(true);
			expect(holidays.has(j.planned_date!)).toBe(false);
			expect(j.location === 'in_home').toBe(j.slot_id !== null);
		}
		// Attempts: the three demo no-access visits come back as second attempts.
		expect(mine.filter((j) => j.attempt === 2)).toHaveLength(3);

		// The demo's first estate already has its own slots; these are the ones this plan made.
		const slots = await tdb.db
			.selectFrom('appointment_slots')
			.innerJoin('buildings as b', 'b.id', 'appointment_slots.building_id')
			.selectAll('appointment_slots')
			.where('b.estate_id', '=', rozanka)
			.execute();
		expect(slots.length).toBe(preview.slots);
		for (const s of slots) {
			expect(s.published_at).not.toBeNull();
			expect(s.date >= addDaysToDate(TODAY, 5)).toBe(true);
			expect(mine.filter((j) => j.slot_id === s.id).length).toBeLessThanOrEqual(s.capacity);
		}

		// No crew is in two places at once, counting the estate planned before (the demo's first).
		const windows = new Map<string, Array<[number, number]>>();
		for (const j of jobs) {
			const key = `${j.crew_id}|${j.planned_date}|${j.window_start}|${j.window_end}`;
			if (windows.has(key)) continue;
			windows.set(key, []);
		}
		const byCrewDay = new Map<string, Array<[number, number]>>();
		for (const key of windows.keys()) {
			const [crew, day, start, end] = key.split('|');
			const list = byCrewDay.get(`${crew}|${day}`) ?? [];
			list.push([warsawMinutes(start!), warsawMinutes(end!)]);
			byCrewDay.set(`${crew}|${day}`, list);
		}
		for (const [key, list] of byCrewDay) {
			// Existing demo jobs: in-home windows sit inside their stairwell block; keep only outer intervals.
			const outer = list.sort((a, b) => a[0] - b[0] || b[1] - a[1]).filter((w, i, all) => !all.some((o, k) => k !== i && o[0] <= w[0] && w[1] <= o[1] && (o[0] !== w[0] || o[1] !== w[1])));
			for (let i = 1; i < outer.length; i++) expect(outer[i]![0], key).toBeGreaterThanOrEqual(outer[i - 1]![1]);
		}

		// The tablets of the crews get the new jobs.
		const changes = await tdb.db.selectFrom('change_log').select(['entity_id', 'crew_id']).where('entity', '=', 'job').execute();
		const announced = new Set(changes.map((c) => c.entity_id));
		for (const j of mine) expect(announced.has(j.id)).toBe(true);

		const again = await previewPlan(tdb.db, request, TODAY, 'pl');
		expect(again.placed).toBe(0);
		expect(again.alreadyPlanned).toBeGreaterThan(0);
	});

	it('moves a stairwell block to another crew-day under the same rules', async () => {
		const block = await tdb.db
			.selectFrom('jobs')
			.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
			.innerJoin('buildings as b', 'b.id', 'mp.building_id')
			.select(['b.id as building_id', 'mp.stairwell', 'jobs.planned_date', 'jobs.crew_id'])
			.where('b.estate_id', '=', rozanka)
			.where('mp.location', '=', 'stairwell')
			.where('jobs.status', '=', 'planned')
			.orderBy('jobs.planned_date', 'desc')
			.executeTakeFirstOrThrow();
		const other = (await tdb.db.selectFrom('crews').select('id').where('id', '!=', block.crew_id!).executeTakeFirstOrThrow()).id;
		const base = { buildingId: block.building_id, stairwell: block.stairwell, date: block.planned_date! };
		expect(await code(moveStairwellBlock(tdb.db, { ...base, toDate: addDaysToDate(TODAY, 2), toCrewId: other }, TODAY, SYSTEM_ACTOR, 'pl'))).toBe('PLAN_NOTICE_TOO_SHORT');
		let saturday = addDaysToDate(TODAY, 10);
		while (new Date(`${saturday}T12:00:00Z`).getUTCDay() !== 6) saturday = addDaysToDate(saturday, 1);
		expect(await code(moveStairwellBlock(tdb.db, { ...base, toDate: saturday, toCrewId: other }, TODAY, SYSTEM_ACTOR, 'pl'))).toBe('PLAN_CREW_UNAVAILABLE');
		// Far ahead, where the other crew has a free day.
		let free = addDaysToDate(TODAY, 200);
		while ([0, 6].includes(new Date(`${free}T12:00:00Z`).getUTCDay()) || holidaysBetween(free, free).length) free = addDaysToDate(free, 1);
		const moved = await moveStairwellBlock(tdb.db, { ...base, toDate: free, toCrewId: other }, TODAY, SYSTEM_ACTOR, 'pl');
		expect(moved.moved).toBeGreaterThan(0);
		expect(warsawMinutes(moved.windowStart)).toBe(8 * 60);
		const now = await tdb.db.selectFrom('jobs').innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id').select(['jobs.crew_id', 'jobs.planned_date']).where('mp.building_id', '=', base.buildingId).where('mp.stairwell', '=', base.stairwell).where('mp.location', '=', 'stairwell').where('jobs.status', '=', 'planned').execute();
		expect(new Set(now.map((j) => `${j.crew_id}|${j.planned_date}`))).toEqual(new Set([`${other}|${free}`]));
		// The crew that lost the block is told where it went (its tablet says "moved to …").
		const told = await tdb.db.selectFrom('change_log').select(['crew_id', 'data']).where('entity', '=', 'job').where('crew_id', '=', block.crew_id).execute();
		const otherName = (await tdb.db.selectFrom('crews').select('name').where('id', '=', other).executeTakeFirstOrThrow()).name;
		expect(told.some((d) => (JSON.parse(d.data ?? '{}') as { movedTo?: string }).movedTo === otherName)).toBe(true);
	});

	it('refuses to move a job a resident booked, or a job already done', async () => {
		const [a, b] = await tdb.db.selectFrom('jobs').innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id').select(['jobs.id', 'jobs.crew_id']).where('mp.location', '=', 'in_home').where('jobs.status', '=', 'planned').where('jobs.slot_id', 'is not', null).limit(2).execute();
		await tdb.db.updateTable('jobs').set({ booking_reference: 'REZ-1234', booked_at: new Date().toISOString() }).where('id', '=', a!.id).execute();
		expect(await code(moveJob(tdb.db, { jobId: a!.id, toDate: addDaysToDate(TODAY, 30), toCrewId: a!.crew_id! }, TODAY, SYSTEM_ACTOR, 'pl'))).toBe('PLAN_BOOKED');
		await tdb.db.updateTable('jobs').set({ status: 'done' }).where('id', '=', b!.id).execute();
		expect(await code(moveJob(tdb.db, { jobId: b!.id, toDate: addDaysToDate(TODAY, 30), toCrewId: b!.crew_id! }, TODAY, SYSTEM_ACTOR, 'pl'))).toBe('PLAN_NOT_MOVABLE');
	});

	it('turns back a point after the third no-access visit instead of planning a fourth', async () => {
		const job = await tdb.db.selectFrom('jobs').innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id').select(['jobs.id', 'jobs.meter_point_id']).where('jobs.attempt', '=', 2).executeTakeFirstOrThrow();
		await tdb.db.updateTable('jobs').set({ status: 'no_access', attempt: 3 }).where('id', '=', job.id).execute();
		const preview = await previewPlan(tdb.db, request, TODAY, 'pl');
		expect(preview.turnBacks).toBe(1);
		expect(preview.unplaced).toEqual([expect.objectContaining({ pointId: job.meter_point_id, reason: 'turn_back' })]);
		await commitPlan(tdb.db, { ...request, expectedHash: preview.planHash }, TODAY, SYSTEM_ACTOR, 'pl');
		expect((await tdb.db.selectFrom('jobs').select('status').where('id', '=', job.id).executeTakeFirstOrThrow()).status).toBe('turned_back');
	});

	it('books nobody twice when two planners commit the same plan at once', async () => {
		const csv = readFileSync(resolve(import.meta.dirname, '../../static/samples/punkty-poboru-przyklad.csv'), 'utf8');
		await importMeterPoints(tdb.db, await parseCsv(csv), { dryRun: false, fileName: 'sample.csv', actor: SYSTEM_ACTOR, locale: 'pl' });
		const estate = (await tdb.db.selectFrom('estates').select('id').where('name', '=', 'Osiedle Słoneczne Wzgórze').executeTakeFirstOrThrow()).id;
		const req = { ...request, estateIds: [estate] };
		const preview = await previewPlan(tdb.db, req, TODAY, 'pl');
		expect(preview.placed).toBe(200);
		const results = await Promise.all([1, 2].map(() => code(commitPlan(tdb.db, { ...req, expectedHash: preview.planHash }, TODAY, SYSTEM_ACTOR, 'pl'))));
		expect(results.sort()).toEqual(['OK', 'PLAN_CHANGED']);
		const jobs = await tdb.db.selectFrom('jobs').innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id').innerJoin('buildings as b', 'b.id', 'mp.building_id').select('jobs.id').where('b.estate_id', '=', estate).execute();
		expect(jobs).toHaveLength(200);
	});
});
