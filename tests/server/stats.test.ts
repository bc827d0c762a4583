import { afterAll, beforeAll, expect, it } from 'vitest';
import { warsawDate } from '$lib/domain/time';
import { billingCsv, billingDay } from '$server/stats/billing';
import { reviewList } from '$server/stats/review';
import { dashboard, outageBucket } from '$server/stats/stats.service';
import { newId } from '$server/util/ids';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { seedWorld } from './fixtures';

/** Facts as the fitters' sync stores them, inserted directly. */
async function insertFacts(tdb: TestDatabase, world: Awaited<ReturnType<typeof seedWorld>>) {
	const db = tdb.db;
	const [j1, j2, j3] = world.jobs.a as [string, string, string];
	const [k1, k2] = world.jobs.b as [string, string];
	const fitterA = world.users.fitterA.id;
	const fitterB = world.users.fitterB.id;
	const at = '2026-03-10T09:00:00.000Z';
	// Done: j1, j2 (fitter A, 10 March), k1 (fitter B, 11 March); no access: j3; k2 stays planned.
	const done = (id: string, start: string, end: string) => db.updateTable('jobs').set({ status: 'done', started_at: start, completed_at: end }).where('id', '=', id).execute();
	await done(j1, '2026-03-10T08:00:00.000Z', '2026-03-10T08:20:00.000Z');
	await done(j2, '2026-03-10T08:30:00.000Z', '2026-03-10T09:30:00.000Z');
	await done(k1, '2026-03-11T10:00:00.000Z', '2026-03-11T14:00:00.000Z');
	await db.updateTable('jobs').set({ status: 'no_access' }).where('id', '=', j3).execute();
	const exchange = (job: string, user: string, state: 'pending' | 'communicating' | 'failed', extra: Record<string, unknown> = {}) => ({
		job_id: job, old_meter_serial: `OLD-${job.slice(-4)}`, old_meter_mismatch: 0, mismatch_reason: null, mismatch_photo_sha256: null, irregularity_suspected: 0,
		new_meter_serial: `24${job.slice(-8)}`, new_meter_id: null, new_meter_model: 'GAMA 150', not_in_stock_reason: null, contactor_closed: 1, tariff_programmed: 'G11',
		wmbus_enabled: 0, wmbus_requested: 0, voltage_ok: 1, commissioning_state: state, commissioning_attempts: 1, commissioning_error: null, commissioning_updated_at: at,
		hes_request_id: null, signature_kind: null, signature_sha256: null, protocol_sha256: null, user_id: user, created_at: at, updated_at: at, ...extra
	});
	await db.insertInto('exchanges').values([
		exchange(j1, fitterA, 'communicating'),
		exchange(j2, fitterA, 'pending', { old_meter_mismatch: 1, mismatch_reason: 'Numer na tabliczce inny niż w systemie' }),
		exchange(k1, fitterB, 'failed', { irregularity_suspected: 1 })
	]).execute();
	// Outages of 12 min, 45 min and 4 h.
	await db.insertInto('outages').values([
		{ id: newId(), job_id: j1, off_at: '2026-03-10T08:05:00.000Z', on_at: '2026-03-10T08:17:00.000Z', overrun_reason: null, user_id: fitterA, created_at: at },
		{ id: newId(), job_id: j2, off_at: '2026-03-10T08:40:00.000Z', on_at: '2026-03-10T09:25:00.000Z', overrun_reason: 'zapieczona listwa', user_id: fitterA, created_at: at },
		{ id: newId(), job_id: k1, off_at: '2026-03-11T10:00:00.000Z', on_at: '2026-03-11T14:00:00.000Z', overrun_reason: 'uszkodzony zabezpieczenie', user_id: fitterB, created_at: at }
	]).execute();
	await db.insertInto('seals').values({ id: newId(), job_id: k1, meter_role: 'old', number: 'P123', state: 'broken', photo_sha256: null, user_id: fitterB, created_at: at }).execute();
	const reading = (job: string, role: 'old' | 'new', register: string, value: string | null, created: string, unreadable: string | null = null) => ({
		id: newId(), job_id: job, meter_role: role, register, value, unreadable_reason: unreadable, photo_sha256: null, at: created, user_id: fitterA, client_id: 'c', mutation_id: 1, created_at: created
	});
	await db.insertInto('readings').values([
		reading(j1, 'old', '1.8.1', '12345.6', '2026-03-10T08:03:00.000Z'),
		reading(j1, 'old', '1.8.1', '12345.7', '2026-03-10T08:04:00.000Z'), // corrected: the later one counts
		reading(j1, 'old', '1.8.2', '00042.10', '2026-03-10T08:04:00.000Z'),
		reading(j1, 'new', '1.8.1', '0.000', '2026-03-10T08:18:00.000Z'),
		reading(j2, 'old', '1.8.1', null, '2026-03-10T08:35:00.000Z', 'display_dead'),
		reading(j2, 'new', '1.8.1', '0.001', '2026-03-10T09:26:00.000Z')
	]).execute();
	await db.insertInto('sync_conflicts').values({ id: newId(), entity: 'job', entity_id: j3, field: 'status', office_value: 'cancelled', field_value: 'done', client_id: 'c', mutation_id: 7, user_id: fitterA, created_at: at, resolved_at: null }).execute();
	await db.insertInto('mutation_log').values({ client_id: 'c', mutation_id: 8, name: 'reading.record', args: JSON.stringify({ jobId: k2 }), user_id: fitterB, status: 'rejected', reason_code: 'JOB_NOT_YOURS', reason_message: 'To zlecenie nie należy do Twojej ekipy', client_at: at, received_at: at }).execute();
}

describeEachDb('dashboard, billing and review figures', (kind) => {
	let tdb: TestDatabase;
	let world: Awaited<ReturnType<typeof seedWorld>>;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		world = await seedWorld(tdb.db);
		await insertFacts(tdb, world);
	});
	afterAll(() => tdb?.destroy());

	it('buckets outage durations at the 15 min, 30 min, 1 h and 3 h bounds', () => {
		expect([0, 15, 15.01, 30, 31, 60, 61, 180, 181].map(outageBucket)).toEqual(['le15', 'le15', 'le30', 'le30', 'le60', 'le60', 'le180', 'le180', 'gt180']);
	});

	it('counts progress, outage buckets, customer-minutes, throughput and commissioning from stored facts', async () => {
		const d = await dashboard(tdb.db, { from: '2026-03-01', to: '2026-03-31' });
		expect(d.progress).toEqual([{ estateId: world.estate, estate: 'Test Estate', points: 6, planned: 2, done: 3, noAccess: 1, couldNotComplete: 0, turnedBack: 0, unplanned: 0 }]);
		expect(d.outages.total).toEqual({ buckets: { le15: 1, le30: 0, le60: 1, le180: 0, gt180: 1 }, customerMinutes: 12 + 45 + 240, count: 3 });
		expect(d.outages.byFitter.map((r) => [r.label, r.count, r.customerMinutes])).toEqual([['fitter-a', 2, 57], ['fitter-b', 1, 240]]);
		expect(d.outages.byEstate).toHaveLength(1);
		expect(d.throughput.map((t) => [t.fitter, t.days, t.perDay])).toEqual([
			['fitter-a', [{ date: '2026-03-10', exchanges: 2 }], 2],
			['fitter-b', [{ date: '2026-03-11', exchanges: 1 }], 1]
		]);
		expect(d.commissioning).toEqual({ not_requested: 0, pending: 1, communicating: 1, failed: 1, escalated: 0 });
		// A period without the outages shows none of them.
		const april = await dashboard(tdb.db, { from: '2026-04-01', to: '2026-04-30' });
		expect(april.outages.total.count).toBe(0);
		expect(april.throughput).toEqual([]);
	});

	it('exports the day’s completed exchanges with final and initial readings per register', async () => {
		const records = await billingDay(tdb.db, '2026-03-10');
		expect(records.map((r) => r.jobId)).toEqual([world.jobs.a[0], world.jobs.a[1]]);
		expect(records[0]).toMatchObject({ oldReadings: { '1.8.1': '12345.7', '1.8.2': '00042.10' }, newReadings: { '1.8.1': '0.000' }, powerOffAt: '2026-03-10T08:05:00.000Z', powerOnAt: '2026-03-10T08:17:00.000Z', completedAt: '2026-03-10T08:20:00.000Z' });
		expect(records[1]!.unreadable).toEqual([{ meter: 'old', register: '1.8.1', reason: 'display_dead' }]);
		const csv = billingCsv(records).trim().split('\n');
		expect(csv[0]).toBe('ppe;grupa_taryfowa;licznik_zdjety;odczyt_koncowy_1.8.1;odczyt_koncowy_1.8.2;licznik_nowy;odczyt_poczatkowy_1.8.1;odczyt_poczatkowy_1.8.2;rozpoczecie;wylaczenie_zasilania;wlaczenie_zasilania;zakonczenie;nieczytelne;monter;zrodlo_odczytow');
		expect(csv[1]).toContain(';12345.7;00042.10;');
		expect(csv).toHaveLength(3);
		expect(await billingDay(tdb.db, '2026-03-12')).toEqual([]);
		// Warsaw days: 11 March 14:00 UTC is still 11 March.
		expect((await billingDay(tdb.db, '2026-03-11')).map((r) => r.jobId)).toEqual([world.jobs.b[0]]);
		expect(warsawDate(new Date('2026-03-11T23:30:00Z'))).toBe('2026-03-12');
	});

	it('lists conflicts, refused mutations, broken seals and overridden mismatches', async () => {
		const conflicts = await reviewList(tdb.db, 'conflicts', { offset: 0, limit: 50 });
		expect(conflicts.counts).toEqual({ conflicts: 1, rejections: 1, irregularities: 1, mismatches: 1 });
		expect(conflicts.rows[0]).toMatchObject({ office: 'cancelled', field: 'done', fitter: 'fitter-a' });
		const rejections = await reviewList(tdb.db, 'rejections', { offset: 0, limit: 50 });
		expect(rejections.rows[0]).toMatchObject({ mutation: 'reading.record', code: 'JOB_NOT_YOURS', jobId: world.jobs.b[1] });
		const irregular = await reviewList(tdb.db, 'irregularities', { offset: 0, limit: 50 });
		expect(irregular.rows[0]).toMatchObject({ id: world.jobs.b[0], seal: 'broken', fitter: 'fitter-b' });
		const mismatches = await reviewList(tdb.db, 'mismatches', { offset: 0, limit: 50 });
		expect(mismatches.rows[0]).toMatchObject({ id: world.jobs.a[1], found: `OLD-${world.jobs.a[1]!.slice(-4)}`, reason: 'Numer na tabliczce inny niż w systemie' });
	});
});
