import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBadgeNumber } from '$lib/domain/badge';
import { checkPpe } from '$lib/domain/ppe';
import { verifyPassword } from '$server/auth/password';
import { migrateToLatest, migrationNames } from '$server/db/migrations';
import {
	DEMO_ACCOUNTS,
	DemoSeedError,
	hasDemoData,
	isDatabaseEmpty,
	seedDemo,
	stairwellWindows,
	type DemoSummary
} from '$server/demo/seed';
import { previousWorkingDay, warsawInstant, workingDaysFrom } from '$lib/domain/time';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';

// A Wednesday in the week Poland moves to summer time (30 March 2025): the plan crosses the switch.
const TODAY = new Date('2025-03-26T09:30:00Z');
const TODAY_DATE = '2025-03-26';
const YESTERDAY = '2025-03-25';

const warsawClock = new Intl.DateTimeFormat('en-GB', {
	timeZone: 'Europe/Warsaw',
	hour: '2-digit',
	minute: '2-digit',
	hourCycle: 'h23'
});
const warsawTime = (iso: string) => warsawClock.format(new Date(iso));
/** Map.groupBy arrives with Node 21; the engines field allows Node 20. */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
	const out = new Map<string, T[]>();
	for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
	return out;
}
const isWeekend = (date: string) => [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());

describe('Warsaw calendar helpers', () => {
	it('turns Warsaw wall-clock time into UTC on both sides of the summer-time switch', () => {
		expect(warsawInstant('2025-03-28', '08:00').toISOString()).toBe('2025-03-28T07:00:00.000Z');
		expect(warsawInstant('2025-03-31', '08:00').toISOString()).toBe('2025-03-31T06:00:00.000Z');
		expect(warsawInstant('2025-10-27', '16:00').toISOString()).toBe('2025-10-27T15:00:00.000Z');
	});

	it('counts working days from today and skips weekends', () => {
		expect(workingDaysFrom('2025-03-28', 3)).toEqual(['2025-03-28', '2025-03-31', '2025-04-01']);
		expect(workingDaysFrom('2025-03-29', 1)).toEqual(['2025-03-31']);
		expect(previousWorkingDay('2025-03-31')).toBe('2025-03-28');
	});

	it('spreads in-home appointments over the block in distinct 30-minute slots', () => {
		const points = [{ location: 'stairwell' }, { location: 'in_home' }, { location: 'in_home' }, { location: 'in_home' }] as const;
		const windows = stairwellWindows('2025-03-26', { start: '12:00', end: '16:00' }, [...points]);
		expect(windows[0]).toEqual({ start: '2025-03-26T11:00:00.000Z', end: '2025-03-26T15:00:00.000Z' });
		const starts = windows.slice(1).map((w) => w.start);
		expect(new Set(starts).size).toBe(3);
	});
});

describeEachDb('migrations', (kind) => {
	let t: TestDatabase;
	beforeAll(async () => {
		t = await createTestDatabase(kind, { migrate: false });
	});
	afterAll(() => t?.destroy());

	it('brings an empty database to the latest schema, and a second run applies nothing', async () => {
		expect((await migrateToLatest(t.db, t.dialect)).applied).toEqual(migrationNames);
		expect((await migrateToLatest(t.db, t.dialect)).applied).toEqual([]);
		expect(await isDatabaseEmpty(t.db)).toBe(true);
	});
});

describeEachDb('demo seed', (kind) => {
	let t: TestDatabase;
	let summary: DemoSummary;
	let seedMs: number;

	beforeAll(async () => {
		t = await createTestDatabase(kind);
		expect(await isDatabaseEmpty(t.db)).toBe(true);
		expect(await hasDemoData(t.db)).toBe(false);
		const started = performance.now();
		summary = await seedDemo(t.db, { today: TODAY });
		seedMs = performance.now() - started;
	});
	afterAll(() => t?.destroy());

	const count = async (table: 'estates' | 'buildings' | 'meter_points' | 'jobs' | 'users' | 'meters' | 'workers' | 'audit_log') =>
		Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

	it('writes the figures it reports, in well under the time a demo start can afford', async () => {
		expect(summary).toMatchObject({ estates: 2, fitters: 3, lzoStock: 120 });
		expect(summary.buildings).toBeGreaterThanOrEqual(15);
		expect(summary.buildings).toBeLessThanOrEqual(18);
		expect(summary.meterPoints).toBeGreaterThanOrEqual(600);
		expect(summary.meterPoints).toBeLessThanOrEqual(700);
		expect(await count('estates')).toBe(summary.estates);
		expect(await count('buildings')).toBe(summary.buildings);
		expect(await count('meter_points')).toBe(summary.meterPoints);
		expect(await count('jobs')).toBe(summary.jobs);
		console.info(`seedDemo on ${kind}: ${Math.round(seedMs)} ms`);
		expect(seedMs).toBeLessThan(10_000);
	});

	it('marks the demo as demo and reports the database as no longer empty', async () => {
		expect(await isDatabaseEmpty(t.db)).toBe(false);
		expect(await hasDemoData(t.db)).toBe(true);
		const notDemo = await Promise.all([
			t.db.selectFrom('users').select('id').where('is_demo', '=', 0).execute(),
			t.db.selectFrom('workers').select('id').where('is_demo', '=', 0).execute(),
			t.db.selectFrom('estates').select('id').where('is_demo', '=', 0).execute()
		]);
		expect(notDemo.flat()).toEqual([]);
	});

	it('creates every demo account with its printed password and role, none enrolled in TOTP', async () => {
		const users = await t.db.selectFrom('users').selectAll().execute();
		expect(users.map((u) => u.login).sort()).toEqual(DEMO_ACCOUNTS.map((a) => a.login).sort());
		for (const account of DEMO_ACCOUNTS) {
			const user = users.find((u) => u.login === account.login)!;
			expect(user.role).toBe(account.role);
			expect(await verifyPassword(user.password_hash, account.password)).toBe(true);
			expect(user.totp_enabled).toBe(0);
			expect(user.worker_id !== null).toBe(account.role === 'fitter');
		}
	});

	it('gives every meter point a unique PPE that passes the check digit', async () => {
		const points = await t.db.selectFrom('meter_points').select(['ppe', 'location', 'resident_phone', 'tariff_group', 'prosumer']).execute();
		for (const p of points) expect(checkPpe(p.ppe)).toEqual({ ok: true, ppe: p.ppe });
		expect(new Set(points.map((p) => p.ppe)).size).toBe(points.length);
		// Phone numbers only where an appointment is needed.
		for (const p of points) expect(p.resident_phone !== null).toBe(p.location === 'in_home');
		const share = (f: (p: (typeof points)[number]) => boolean) => points.filter(f).length / points.length;
		expect(share((p) => p.location === 'in_home')).toBeGreaterThan(0.15);
		expect(share((p) => p.location === 'in_home')).toBeLessThan(0.35);
		expect(share((p) => p.tariff_group === 'G11')).toBeGreaterThan(0.5);
		expect(share((p) => p.prosumer === 1)).toBeGreaterThan(0);
		expect(new Set(points.map((p) => p.tariff_group))).toEqual(new Set(['G11', 'G12', 'G12w', 'C11']));
	});

	it('installs exactly one conventional meter at each meter point', async () => {
		const installed = await t.db
			.selectFrom('meters')
			.select(['meter_point_id', 'kind', 'state'])
			.where('meter_point_id', 'is not', null)
			.execute();
		expect(installed.length).toBe(summary.meterPoints);
		expect(new Set(installed.map((m) => m.meter_point_id)).size).toBe(summary.meterPoints);
		expect(installed.every((m) => m.kind === 'conventional' && m.state === 'installed')).toBe(true);
	});

	it('gives every worker a badge number that passes its check character, and a generated SVG portrait', async () => {
		const workers = await t.db
			.selectFrom('workers')
			.leftJoin('blobs', 'blobs.sha256', 'workers.photo_sha256')
			.select(['workers.badge_number', 'workers.status', 'workers.valid_until', 'workers.code_secret', 'blobs.sha256', 'blobs.content_type', 'blobs.data'])
			.execute();
		for (const w of workers) {
			expect(checkBadgeNumber(w.badge_number)).toEqual({ ok: true, badgeNumber: w.badge_number });
			expect(w.code_secret).toMatch(/^[A-Z2-7]{32}$/);
			expect(w.content_type).toBe('image/svg+xml');
			expect(createHash('sha256').update(w.data!).digest('hex')).toBe(w.sha256);
		}
		// Every answer the public badge check can give has a worker behind it.
		expect(workers.filter((w) => w.status === 'active' && w.valid_until >= TODAY_DATE)).toHaveLength(3);
		expect(workers.filter((w) => w.status === 'active' && w.valid_until < TODAY_DATE)).toHaveLength(1);
		expect(workers.filter((w) => w.status === 'suspended')).toHaveLength(1);
		expect(workers.filter((w) => w.status === 'revoked')).toHaveLength(1);
	});

	it('puts fitters 1 and 2 in Ekipa 1 and fitter 3 in Ekipa 2', async () => {
		const rows = await t.db
			.selectFrom('users')
			.innerJoin('workers', 'workers.id', 'users.worker_id')
			.innerJoin('crews', 'crews.id', 'workers.crew_id')
			.select(['users.login', 'crews.name'])
			.orderBy('users.login')
			.execute();
		expect(rows).toEqual([
			{ login: 'monter1', name: 'Ekipa 1' },
			{ login: 'monter2', name: 'Ekipa 1' },
			{ login: 'monter3', name: 'Ekipa 2' }
		]);
	});

	it('gives each fitter 40 LZO meters in stock with unique serials', async () => {
		const stock = await t.db
			.selectFrom('meters')
			.innerJoin('users', 'users.id', 'meters.holder_user_id')
			.select(['users.login', 'meters.serial', 'meters.kind', 'meters.state', 'meters.model'])
			.execute();
		for (const login of ['monter1', 'monter2', 'monter3']) {
			const mine = stock.filter((m) => m.login === login);
			expect(mine).toHaveLength(40);
			expect(mine.every((m) => m.kind === 'lzo' && m.state === 'in_stock')).toBe(true);
		}
		const allSerials = await t.db.selectFrom('meters').select('serial').execute();
		expect(new Set(allSerials.map((m) => m.serial)).size).toBe(allSerials.length);
		// Through the warehouse, as real stock: delivered, then issued, each a movement row.
		const moves = await t.db.selectFrom('stock_movements').select(['kind', 'item']).where('item', '=', 'meter').execute();
		expect(moves.filter((m) => m.kind === 'delivery')).toHaveLength(120);
		expect(moves.filter((m) => m.kind === 'issue')).toHaveLength(120);
		const seals = await t.db.selectFrom('seal_stock').select('holder_user_id').where('holder_user_id', 'is not', null).execute();
		expect(seals).toHaveLength(300);
	});

	it('plans jobs on the next 10 working days from today, both crews every day, none on a weekend', async () => {
		const jobs = await t.db.selectFrom('jobs').select(['planned_date', 'crew_id', 'status']).where('status', '=', 'planned').execute();
		const days = [...new Set(jobs.map((j) => j.planned_date!))].sort();
		expect(days).toEqual(workingDaysFrom(TODAY_DATE, 10));
		expect(days.some(isWeekend)).toBe(false);
		expect(days[0]).toBe(TODAY_DATE);
		for (const day of days) {
			const crews = new Set(jobs.filter((j) => j.planned_date === day).map((j) => j.crew_id));
			expect(crews.size).toBe(2);
		}
	});

	it('plans at most one job per meter point and leaves part of the estates for the planner', async () => {
		const jobs = await t.db.selectFrom('jobs').select('meter_point_id').execute();
		expect(new Set(jobs.map((j) => j.meter_point_id)).size).toBe(jobs.length);
		expect(jobs.length).toBeLessThan(summary.meterPoints);
	});

	it('gives stairwell jobs their block and in-home jobs a 30-minute window inside it, in Warsaw time', async () => {
		const jobs = await t.db
			.selectFrom('jobs')
			.innerJoin('meter_points as p', 'p.id', 'jobs.meter_point_id')
			.select(['jobs.planned_date', 'jobs.crew_id', 'jobs.window_start', 'jobs.window_end', 'jobs.sequence', 'p.location', 'p.building_id', 'p.stairwell'])
			.where('jobs.status', '=', 'planned')
			.execute();
		const byStairwell = groupBy(jobs, (j) => `${j.planned_date}|${j.building_id}|${j.stairwell}`);
		for (const group of byStairwell.values()) {
			const block = group.find((j) => j.location === 'stairwell')!;
			expect(['08:00-12:00', '12:00-16:00']).toContain(`${warsawTime(block.window_start!)}-${warsawTime(block.window_end!)}`);
			for (const j of group) {
				if (j.location === 'stairwell') {
					expect([j.window_start, j.window_end]).toEqual([block.window_start, block.window_end]);
				} else {
					expect(Date.parse(j.window_end!) - Date.parse(j.window_start!)).toBe(30 * 60_000);
					expect(j.window_start! >= block.window_start!).toBe(true);
					expect(j.window_end! <= block.window_end!).toBe(true);
				}
			}
		}
		// Each crew's day is numbered 1…n without gaps, in visiting order.
		for (const day of groupBy(jobs, (j) => `${j.planned_date}|${j.crew_id}`).values()) {
			expect(day.map((j) => j.sequence).sort((a, b) => a - b)).toEqual(day.map((_, i) => i + 1));
		}
	});

	it("leaves three of yesterday's in-home visits of Ekipa 1 as no access", async () => {
		const rows = await t.db
			.selectFrom('jobs')
			.innerJoin('crews', 'crews.id', 'jobs.crew_id')
			.innerJoin('meter_points as p', 'p.id', 'jobs.meter_point_id')
			.select(['jobs.planned_date', 'jobs.status', 'jobs.attempt', 'crews.name', 'p.location'])
			.where('jobs.status', '=', 'no_access')
			.execute();
		expect(rows).toHaveLength(3);
		for (const r of rows) expect(r).toEqual({ planned_date: YESTERDAY, status: 'no_access', attempt: 1, name: 'Ekipa 1', location: 'in_home' });
	});

	it('refuses to seed a database that already has users, and adds nothing', async () => {
		const before = await Promise.all([count('users'), count('meter_points'), count('jobs'), count('audit_log')]);
		await expect(seedDemo(t.db, { today: TODAY })).rejects.toBeInstanceOf(DemoSeedError);
		expect(await Promise.all([count('users'), count('meter_points'), count('jobs'), count('audit_log')])).toEqual(before);
	});

	it('produces the same PPEs, serials and badge numbers in every fresh database', async () => {
		const other = await createTestDatabase('sqlite');
		try {
			await seedDemo(other.db, { today: TODAY });
			const fingerprint = async (db: TestDatabase['db']) => ({
				ppe: (await db.selectFrom('meter_points').select('ppe').orderBy('ppe').execute()).map((r) => r.ppe),
				serials: (await db.selectFrom('meters').select('serial').orderBy('serial').execute()).map((r) => r.serial),
				badges: (await db.selectFrom('workers').select('badge_number').orderBy('badge_number').execute()).map((r) => r.badge_number)
			});
			expect(await fingerprint(other.db)).toEqual(await fingerprint(t.db));
		} finally {
			await other.destroy();
		}
	});

	it('records the seed in the audit log, which refuses UPDATE and DELETE', async () => {
		const entry = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'seed-demo').executeTakeFirstOrThrow();
		expect(entry.entity).toBe('database');
		expect(JSON.parse(entry.changes!)).toMatchObject({ meterPoints: summary.meterPoints, jobs: summary.jobs });

		await expect(t.db.updateTable('audit_log').set({ action: 'tampered' }).where('id', '=', entry.id).execute()).rejects.toThrow(/append-only/);
		await expect(t.db.deleteFrom('audit_log').where('id', '=', entry.id).execute()).rejects.toThrow(/append-only/);
		// Raw SQL is refused just the same: the trigger, not the code, keeps the log.
		await expect(sql`delete from audit_log`.execute(t.db)).rejects.toThrow(/append-only/);
		const after = await t.db.selectFrom('audit_log').selectAll().where('id', '=', entry.id).executeTakeFirstOrThrow();
		expect(after).toEqual(entry);
	});
});

// Its own suite, after the one above has dropped its schema: Kysely's Migrator (without
// migrationTableSchema) sees migration tables in ANY PostgreSQL schema, so two live test schemas
// make the second migration fail. Reported to the lead; fix belongs in server/db/migrations.
describeEachDb('demo seed, two at once', (kind) => {
	let t: TestDatabase;
	beforeAll(async () => {
		t = await createTestDatabase(kind);
	});
	afterAll(() => t?.destroy());

	it('lets only one of two simultaneous seeds win, refusing the other', async () => {
		const results = await Promise.allSettled([seedDemo(t.db, { today: TODAY }), seedDemo(t.db, { today: TODAY })]);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
		expect(refused.reason).toBeInstanceOf(DemoSeedError);
		const users = await t.db.selectFrom('users').select('id').execute();
		expect(users).toHaveLength(DEMO_ACCOUNTS.length);
	});
});
