import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MutationEnvelope } from '$lib/domain/mutations';
import { runCommissioningRound, type CommissioningPolicy } from '$server/hes/commissioning';
import type { HesAdapter, HesOutcome } from '$server/hes/hes-adapter';
import { HesSimulator } from '$server/hes/hes-simulator';
import { createServices, type Services } from '$server/services';
import { newId, nowIso } from '$server/util/ids';
import { seedWorld, TestClient } from './fixtures';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';

const sha = (n: number) => n.toString(16).padStart(64, 'a');
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

describeEachDb('exchange workflow', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let world: Awaited<ReturnType<typeof seedWorld>>;
	let fitter: TestClient;
	const OLD_SERIAL = '12345678';
	const STOCK_SERIAL = '2412345678';
	let stockId: string;

	/** One device: mutation ids grow by one, like the tablet's outbox. */
	function device() {
		const clientId = uuidv7();
		let next = 1;
		return async (name: string, args: unknown) => {
			const m: MutationEnvelope = { id: next++, name, args, at: new Date().toISOString() };
			const res = await (await fitter.api()).sync.push({ clientId, mutations: [m] });
			const r = res.results[0]!;
			return r.status === 'rejected' ? r.reason!.code : r.status;
		};
	}

	/** A job of crew A on a fresh point with an installed old meter and its records. */
	async function jobWithMeter(opts: { tariff?: string; prosumer?: boolean; location?: 'stairwell' | 'in_home' } = {}) {
		const at = nowIso();
		const point = newId();
		const job = newId();
		await tdb.db.insertInto('meter_points').values({
			id: point, ppe: `59054356${Math.floor(Math.random() * 1e10).toString().padStart(10, '0')}`, building_id: (await tdb.db.selectFrom('buildings').select('id').executeTakeFirstOrThrow()).id,
			stairwell: 'I', flat: '9', location: opts.location ?? 'stairwell', tariff_group: opts.tariff ?? 'G11', prosumer: opts.prosumer ? 1 : 0,
			resident_phone: null, created_at: at, updated_at: at
		}).execute();
		await tdb.db.insertInto('meters').values({
			id: newId(), serial: `${Math.floor(10_000_000 + Math.random() * 89_999_999)}`, manufacturer: 'Pafal', model: '20 EC3', kind: 'conventional',
			state: 'installed', meter_point_id: point, holder_user_id: null, created_at: at, updated_at: at,
			seal_numbers: JSON.stringify(['TD1234567']), last_readings: JSON.stringify({ '1.8.1': '1000.0', '1.8.2': '500.0', '2.8.1': '10.0', '2.8.2': '5.0' }),
			last_read_on: new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10)
		}).execute();
		await tdb.db.insertInto('jobs').values({
			id: job, meter_point_id: point, crew_id: world.crews.a, planned_date: at.slice(0, 10), window_start: null, window_end: null,
			sequence: 9, status: 'planned', attempt: 1, created_at: at, updated_at: at
		}).execute();
		const meter = await tdb.db.selectFrom('meters').select('serial').where('meter_point_id', '=', point).executeTakeFirstOrThrow();
		return { job, point, serial: meter.serial };
	}

	async function stockMeter(serial: string) {
		const at = nowIso();
		const id = newId();
		await tdb.db.insertInto('meters').values({
			id, serial, manufacturer: 'Apator', model: 'GAMA 150', kind: 'lzo', state: 'in_stock', meter_point_id: null,
			holder_user_id: world.users.fitterA.id, created_at: at, updated_at: at
		}).execute();
		return id;
	}

	const reading = (jobId: string, register: string, value: string | null, extra: Record<string, unknown> = {}) => ({
		readingId: uuidv7(), jobId, meterRole: 'old', register, value, photoSha256: sha(1), ...extra
	});

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		services = createServices(tdb);
		world = await seedWorld(tdb.db);
		fitter = await new TestClient(services).adoptSession(tdb.db, world.users.fitterA.id, { kind: 'device' });
		stockId = await stockMeter(STOCK_SERIAL);
		void OLD_SERIAL;
	});
	afterAll(() => tdb?.destroy());

	it('records a whole exchange, closes the job and moves the meters: old removed, new installed, out of stock', async () => {
		const push = device();
		const { job, point, serial } = await jobWithMeter({ tariff: 'G12' });
		const outageId = uuidv7();
		const steps: Array<[string, unknown]> = [
			['job.start', { jobId: job }],
			['exchange.oldMeter', { jobId: job, serial, source: 'camera' }],
			['seal.record', { sealId: uuidv7(), jobId: job, meterRole: 'old', number: 'TD 1234567', state: 'intact' }],
			['reading.record', reading(job, '1.8.1', '1234.5')],
			['reading.record', reading(job, '1.8.2', '600.25')],
			['outage.start', { outageId, jobId: job, offAt: minutesAgo(12) }],
			['outage.end', { outageId, jobId: job, onAt: new Date().toISOString() }],
			['exchange.newMeter', { jobId: job, serial: STOCK_SERIAL, source: 'camera' }],
			['reading.record', { readingId: uuidv7(), jobId: job, meterRole: 'new', register: '1.8.1', value: '0.0' }],
			['reading.record', { readingId: uuidv7(), jobId: job, meterRole: 'new', register: '1.8.2', value: '0.0' }],
			['seal.record', { sealId: uuidv7(), jobId: job, meterRole: 'new', number: 'TD7654321', state: 'applied' }],
			['exchange.commission', { jobId: job, contactorClosed: true, tariffProgrammed: 'G12', wmbusEnabled: false, wmbusRequested: false, voltageOk: true }],
			['exchange.protocol', { jobId: job, signatureKind: 'stairwell', protocolSha256: sha(2) }],
			['exchange.complete', { jobId: job }]
		];
		for (const [name, args] of steps) expect([name, await push(name, args)]).toEqual([name, 'applied']);

		const x = await tdb.db.selectFrom('exchanges').selectAll().where('job_id', '=', job).executeTakeFirstOrThrow();
		expect([x.old_meter_serial, x.old_meter_mismatch, x.new_meter_serial, x.new_meter_model, x.commissioning_state, x.protocol_sha256]).toEqual([
			serial, 0, STOCK_SERIAL, 'Apator GAMA 150', 'pending', sha(2)
		]);
		expect((await tdb.db.selectFrom('seals').select('number').where('job_id', '=', job).orderBy('number').execute()).map((s) => s.number)).toEqual(['TD1234567', 'TD7654321']);
		expect((await tdb.db.selectFrom('jobs').select('status').where('id', '=', job).executeTakeFirstOrThrow()).status).toBe('done');
		const meters = await tdb.db.selectFrom('meters').select(['serial', 'state', 'holder_user_id']).where('meter_point_id', '=', point).orderBy('serial').execute();
		expect(meters.map((m) => [m.serial, m.state])).toEqual([[STOCK_SERIAL, 'installed'], [serial, 'removed']].sort());
		expect(meters.find((m) => m.serial === STOCK_SERIAL)!.holder_user_id).toBeNull();

		// A fresh tablet no longer gets the fitted meter as stock, and gets the exchange.
		const snapshot = await (await fitter.api()).sync.pull({ clientId: uuidv7(), cursor: null });
		expect(snapshot.changes.some((c) => c.entity === 'stock' && c.id === stockId)).toBe(false);
		expect(snapshot.changes.find((c) => c.entity === 'exchange' && c.id === job)?.data).toMatchObject({ newMeterSerial: STOCK_SERIAL, commissioningState: 'pending' });
	});

	it('refuses another meter than the expected one unless a reason and a photo come with it', async () => {
		const push = device();
		const { job } = await jobWithMeter();
		await push('job.start', { jobId: job });
		expect(await push('exchange.oldMeter', { jobId: job, serial: '99999999', source: 'manual' })).toBe('METER_MISMATCH');
		expect(await push('exchange.oldMeter', { jobId: job, serial: '99999999', source: 'manual', mismatchReason: 'Licznik wymieniony w 2019' })).toBe('METER_MISMATCH');
		expect(await tdb.db.selectFrom('exchanges').select('job_id').where('job_id', '=', job).executeTakeFirst()).toBeUndefined();
		expect(await push('exchange.oldMeter', { jobId: job, serial: '99999999', source: 'manual', mismatchReason: 'Licznik wymieniony w 2019', mismatchPhotoSha256: sha(3) })).toBe('applied');
		const x = await tdb.db.selectFrom('exchanges').select(['old_meter_mismatch', 'mismatch_reason']).where('job_id', '=', job).executeTakeFirstOrThrow();
		expect(x).toEqual({ old_meter_mismatch: 1, mismatch_reason: 'Licznik wymieniony w 2019' });
	});

	it('refuses exchange facts on a job that was not started', async () => {
		const push = device();
		const { job, serial } = await jobWithMeter();
		expect(await push('exchange.oldMeter', { jobId: job, serial, source: 'camera' })).toBe('JOB_NOT_STARTED');
	});

	it('questions final readings: registers of the tariff only, photo required, unusual values confirmed, corrections kept beside the original', async () => {
		const push = device();
		const { job } = await jobWithMeter({ tariff: 'G11', prosumer: true });
		await push('job.start', { jobId: job });
		expect(await push('reading.record', reading(job, '1.8.2', '1500.0'))).toBe('READING_REGISTER');
		expect(await push('reading.record', reading(job, '1.8.1', '1500.0', { photoSha256: null }))).toBe('PHOTO_REQUIRED');
		expect(await push('reading.record', reading(job, '1.8.1', '999.9'))).toBe('READING_UNCONFIRMED');
		expect(await push('reading.record', reading(job, '1.8.1', '90000.0'))).toBe('READING_UNCONFIRMED');
		const first = reading(job, '1.8.1', '999.9', { confirmedUnusual: true });
		expect(await push('reading.record', first)).toBe('applied');
		expect(await push('reading.record', reading(job, '1.8.1', '1500.0'))).toBe('READING_EXISTS');
		expect(await push('reading.record', reading(job, '1.8.1', '1500.0', { correctsReadingId: uuidv7() }))).toBe('READING_CORRECTS_UNKNOWN');
		expect(await push('reading.record', reading(job, '1.8.1', '1500.0', { correctsReadingId: first.readingId }))).toBe('applied');
		expect(await push('reading.record', reading(job, '2.8.1', null, { unreadableReason: 'Wyświetlacz uszkodzony' }))).toBe('applied');
		const rows = await tdb.db.selectFrom('readings').select(['register', 'value', 'confirmed_unusual', 'corrects_reading_id']).where('job_id', '=', job).orderBy('created_at').execute();
		expect(rows.map((r) => [r.register, r.value, r.confirmed_unusual, r.corrects_reading_id])).toEqual([
			['1.8.1', '999.9', 1, null],
			['1.8.1', '1500.0', 0, first.readingId],
			['2.8.1', null, 0, null]
		]);
	});

	it('keeps the outage as timestamps and wants a reason past 15 minutes', async () => {
		const push = device();
		const { job } = await jobWithMeter();
		await push('job.start', { jobId: job });
		const id = uuidv7();
		expect(await push('outage.start', { outageId: id, jobId: job, offAt: minutesAgo(20) })).toBe('applied');
		expect(await push('outage.start', { outageId: uuidv7(), jobId: job, offAt: minutesAgo(1) })).toBe('OUTAGE_OPEN');
		expect(await push('outage.end', { outageId: id, jobId: job, onAt: minutesAgo(25) })).toBe('OUTAGE_ORDER');
		expect(await push('outage.end', { outageId: id, jobId: job, onAt: minutesAgo(0) })).toBe('OUTAGE_REASON');
		expect(await push('outage.end', { outageId: uuidv7(), jobId: job, onAt: minutesAgo(0) })).toBe('OUTAGE_UNKNOWN');
		expect(await push('outage.end', { outageId: id, jobId: job, onAt: minutesAgo(0), overrunReason: 'Skorodowane zaciski' })).toBe('applied');
		expect(await push('outage.end', { outageId: id, jobId: job, onAt: minutesAgo(0), overrunReason: 'again' })).toBe('OUTAGE_CLOSED');
		const row = await tdb.db.selectFrom('outages').select(['off_at', 'on_at', 'overrun_reason']).where('id', '=', id).executeTakeFirstOrThrow();
		expect(row.overrun_reason).toBe('Skorodowane zaciski');
		expect(Date.parse(row.on_at!) - Date.parse(row.off_at)).toBeGreaterThan(15 * 60_000);
	});

	it('flags a broken or missing seal as a suspected irregularity', async () => {
		const push = device();
		const { job } = await jobWithMeter();
		await push('job.start', { jobId: job });
		expect(await push('seal.record', { sealId: uuidv7(), jobId: job, meterRole: 'old', number: 'TD1234567', state: 'broken' })).toBe('applied');
		expect(await push('seal.record', { sealId: uuidv7(), jobId: job, meterRole: 'old', number: '12345678', state: 'intact' })).toBe('VALIDATION');
		expect((await tdb.db.selectFrom('exchanges').select('irregularity_suspected').where('job_id', '=', job).executeTakeFirstOrThrow()).irregularity_suspected).toBe(1);
	});

	it('fits a new meter from the fitter’s stock only, otherwise with a reason; never one meter twice', async () => {
		const push = device();
		const a = await jobWithMeter();
		const b = await jobWithMeter();
		const serial = '2498765432';
		await stockMeter(serial);
		for (const j of [a, b]) await push('job.start', { jobId: j.job });
		expect(await push('exchange.newMeter', { jobId: a.job, serial: '2400000001', source: 'camera' })).toBe('NOT_IN_STOCK');
		expect(await push('exchange.newMeter', { jobId: a.job, serial, source: 'camera' })).toBe('applied');
		expect(await push('exchange.newMeter', { jobId: b.job, serial, source: 'camera' })).toBe('METER_ALREADY_FITTED');
		expect(await push('exchange.newMeter', { jobId: b.job, serial: '2400000001', source: 'manual', notInStockReason: 'Wydany przez magazyn dziś rano' })).toBe('applied');
		const x = await tdb.db.selectFrom('exchanges').select(['new_meter_id', 'not_in_stock_reason']).where('job_id', '=', b.job).executeTakeFirstOrThrow();
		expect(x).toEqual({ new_meter_id: null, not_in_stock_reason: 'Wydany przez magazyn dziś rano' });
	});

	it('checks the commissioning checklist against the point: tariff, wM-Bus only on request, contactor and voltage', async () => {
		const push = device();
		const { job } = await jobWithMeter({ tariff: 'G12w' });
		await push('job.start', { jobId: job });
		const commission = (over: Record<string, unknown>) => push('exchange.commission', { jobId: job, contactorClosed: true, tariffProgrammed: 'G12w', wmbusEnabled: false, wmbusRequested: false, voltageOk: true, ...over });
		expect(await commission({})).toBe('EXCHANGE_INCOMPLETE');
		await push('exchange.newMeter', { jobId: job, serial: '2400000002', source: 'manual', notInStockReason: 'Zapasowy licznik brygady' });
		expect(await commission({ tariffProgrammed: 'G11' })).toBe('TARIFF_MISMATCH');
		expect(await commission({ wmbusEnabled: true })).toBe('WMBUS_NOT_REQUESTED');
		expect(await commission({ contactorClosed: false })).toBe('CHECKLIST_INCOMPLETE');
		expect(await commission({ wmbusEnabled: true, wmbusRequested: true })).toBe('applied');
		expect(await push('exchange.complete', { jobId: job })).toBe('EXCHANGE_INCOMPLETE');
		expect((await tdb.db.selectFrom('jobs').select('status').where('id', '=', job).executeTakeFirstOrThrow()).status).toBe('in_progress');
	});

	it('wants the resident’s signature on the protocol of an in-home exchange', async () => {
		const push = device();
		const { job } = await jobWithMeter({ location: 'in_home' });
		await push('job.start', { jobId: job });
		expect(await push('exchange.protocol', { jobId: job, signatureKind: 'stairwell', protocolSha256: sha(5) })).toBe('VALIDATION');
		expect(await push('exchange.protocol', { jobId: job, signatureKind: 'resident', protocolSha256: sha(5) })).toBe('VALIDATION');
		expect(await push('exchange.protocol', { jobId: job, signatureKind: 'resident', signatureSha256: sha(6), protocolSha256: sha(5) })).toBe('applied');
		const x = await tdb.db.selectFrom('exchanges').select(['signature_kind', 'signature_sha256', 'protocol_sha256']).where('job_id', '=', job).executeTakeFirstOrThrow();
		expect(x).toEqual({ signature_kind: 'resident', signature_sha256: sha(6), protocol_sha256: sha(5) });
	});

	it('counts no-access visits and turns the job back after the third', async () => {
		const push = device();
		const stairwell = await jobWithMeter();
		expect(await push('job.noAccess', { jobId: stairwell.job, noticeLeft: true })).toBe('NOT_IN_HOME');
		const { job } = await jobWithMeter({ location: 'in_home' });
		const statuses: string[] = [];
		for (let i = 0; i < 3; i++) {
			expect(await push('job.noAccess', { jobId: job, noticeLeft: i > 0, visitId: uuidv7(), photoSha256: i === 2 ? sha(4) : null })).toBe('applied');
			statuses.push((await tdb.db.selectFrom('jobs').select('status').where('id', '=', job).executeTakeFirstOrThrow()).status);
		}
		expect(statuses).toEqual(['no_access', 'no_access', 'turned_back']);
		const visits = await tdb.db.selectFrom('no_access_visits').select(['attempt', 'notice_left']).where('job_id', '=', job).orderBy('attempt').execute();
		expect(visits).toEqual([{ attempt: 1, notice_left: 0 }, { attempt: 2, notice_left: 1 }, { attempt: 3, notice_left: 1 }]);
	});

	it('gives a tablet its own fitter’s badge and live-code secret, and nobody else’s', async () => {
		const snapshot = await (await fitter.api()).sync.pull({ clientId: uuidv7(), cursor: null });
		const profiles = snapshot.changes.filter((c) => c.entity === 'profile');
		const worker = await tdb.db.selectFrom('workers').select(['code_secret', 'badge_number']).where('id', '=', world.workers.a).executeTakeFirstOrThrow();
		expect(profiles.map((p) => [p.data?.badgeNumber, p.data?.codeSecret])).toEqual([[worker.badge_number, worker.code_secret]]);
		// The operator's configured facts come with it, for the protocol printed on the tablet.
		expect(profiles[0]!.data?.operator).toMatchObject({ hotline: expect.any(String), verifyUrl: expect.stringMatching(/\/verify$/) });
	});

	// ----- head-end system -----

	/** An HES that answers from a script and counts calls. */
	class ScriptedHes implements HesAdapter {
		calls: string[] = [];
		constructor(private readonly outcomes: HesOutcome['status'][], private readonly delayMs = 0) {}
		async register(r: { requestId: string }): Promise<HesOutcome> {
			this.calls.push(r.requestId);
			await new Promise((ok) => setTimeout(ok, this.delayMs));
			const status = this.outcomes.shift() ?? 'communicating';
			return status === 'communicating' ? { status } : { status, detail: 'no answer' };
		}
	}
	const policy: CommissioningPolicy = { maxAttempts: 3, retryDelaysMs: [60_000], claimMs: 60_000, batch: 50 };

	async function commissionedJob() {
		const push = device();
		const { job } = await jobWithMeter();
		await push('job.start', { jobId: job });
		await push('exchange.newMeter', { jobId: job, serial: '2400000003', source: 'manual', notInStockReason: 'Zapasowy licznik brygady' });
		expect(await push('exchange.commission', { jobId: job, contactorClosed: true, tariffProgrammed: 'G11', wmbusEnabled: false, wmbusRequested: false, voltageOk: true })).toBe('applied');
		return job;
	}
	const stateOf = async (job: string) =>
		tdb.db.selectFrom('exchanges').select(['commissioning_state', 'commissioning_attempts']).where('job_id', '=', job).executeTakeFirstOrThrow();

	it('takes a commissioning request from pending to communicating and tells the crew’s tablets', async () => {
		const job = await commissionedJob();
		const api = await fitter.api();
		const reader = uuidv7();
		const { cursor } = await api.sync.pull({ clientId: reader, cursor: null });
		const hes = new ScriptedHes(['communicating']);
		const settled = await runCommissioningRound(tdb.db, hes, policy);
		expect(settled.filter((s) => s.jobId === job)).toEqual([{ jobId: job, state: 'communicating' }]);
		expect(await stateOf(job)).toEqual({ commissioning_state: 'communicating', commissioning_attempts: 1 });
		const page = await api.sync.pull({ clientId: reader, cursor });
		expect(page.changes.find((c) => c.entity === 'exchange' && c.id === job)?.data).toMatchObject({ commissioningState: 'communicating' });
		expect(await runCommissioningRound(tdb.db, hes, policy)).toEqual([]);
	});

	it('retries after "no communication" only when the retry is due, and escalates after the third failure', async () => {
		const job = await commissionedJob();
		const hes = new ScriptedHes(['no_communication', 'no_communication', 'no_communication']);
		let now = Date.now();
		await runCommissioningRound(tdb.db, hes, policy, now);
		expect(await stateOf(job)).toEqual({ commissioning_state: 'failed', commissioning_attempts: 1 });
		await runCommissioningRound(tdb.db, hes, policy, now + 1000);
		expect(hes.calls.filter((c) => c === job)).toHaveLength(1);
		for (const attempt of [2, 3]) {
			now += 10 * 60_000;
			await runCommissioningRound(tdb.db, hes, policy, now);
			expect((await stateOf(job)).commissioning_attempts).toBe(attempt);
		}
		expect((await stateOf(job)).commissioning_state).toBe('escalated');
		await runCommissioningRound(tdb.db, hes, policy, now + 60 * 60_000);
		expect(hes.calls.filter((c) => c === job)).toHaveLength(3);

		// The fitter asks again from the tablet: a new request, counted from zero.
		const push = device();
		expect(await push('exchange.commission', { jobId: job, contactorClosed: true, tariffProgrammed: 'G11', wmbusEnabled: false, wmbusRequested: false, voltageOk: true })).toBe('applied');
		expect(await stateOf(job)).toEqual({ commissioning_state: 'pending', commissioning_attempts: 0 });
	});

	it('lets only one of several workers handle a request (claimed in the database, not in memory)', async () => {
		const job = await commissionedJob();
		const hes = new ScriptedHes([], 50);
		await Promise.all([runCommissioningRound(tdb.db, hes, policy), runCommissioningRound(tdb.db, hes, policy), runCommissioningRound(tdb.db, hes, policy)]);
		expect(hes.calls.filter((c) => c === job)).toHaveLength(1);
		expect((await stateOf(job)).commissioning_state).toBe('communicating');
	});

	it('has a simulator that repeats its answers for a seed and sometimes reports no communication', async () => {
		const answers = async (seed: number) => {
			const sim = new HesSimulator({ seed, delayMs: 0, failureRate: 0.3 });
			const out: string[] = [];
			for (let i = 0; i < 40; i++) out.push((await sim.register({ requestId: String(i), meterSerial: '2400000001', ppe: '1', tariffGroup: 'G11' })).status);
			return out;
		};
		const a = await answers(7);
		expect(await answers(7)).toEqual(a);
		expect(a).toContain('no_communication');
		expect(a).toContain('communicating');
	});
});
