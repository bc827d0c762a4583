import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MutationEnvelope } from '$lib/domain/mutations';
import { ascii, dataMessage, toBase64 } from '$lib/optical/iec62056';
import { createServices, type Services } from '$server/services';
import { billingCsv, billingDay } from '$server/stats/billing';
import { warsawDate } from '$lib/domain/time';
import { seedWorld, TestClient } from './fixtures';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';

const sha = (n: number) => n.toString(16).padStart(64, 'a');

/** A telegram as the tablet keeps it: identification line, then STX … ETX BCC. */
function telegram(lines: string[]): Uint8Array {
	return new Uint8Array([...ascii('/APA5CX2X2-120\r\n'), ...dataMessage(lines)]);
}

describeEachDb('readings through the optical port', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let world: Awaited<ReturnType<typeof seedWorld>>;
	let fitter: TestClient;

	function device() {
		const clientId = uuidv7();
		let next = 1;
		return async (name: string, args: unknown) => {
			const m: MutationEnvelope = { id: next++, name, args, at: new Date().toISOString() };
			const r = (await (await fitter.api()).sync.push({ clientId, mutations: [m] })).results[0]!;
			return r.status === 'rejected' ? r.reason!.code : r.status;
		};
	}

	const optical = (jobId: string, value: string, raw: Uint8Array, extra: Record<string, unknown> = {}) => ({
		readingId: uuidv7(), jobId, meterRole: 'old', register: '1.8.1', value, source: 'optical', telegram: toBase64(raw), ...extra
	});

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		services = createServices(tdb);
		world = await seedWorld(tdb.db);
		fitter = await new TestClient(services).adoptSession(tdb.db, world.users.fitterA.id, { kind: 'device' });
	});
	afterAll(() => tdb?.destroy());

	it('stores an optical reading with its raw telegram and no display photo', async () => {
		const push = device();
		const job = world.jobs.a[0]!;
		await push('job.start', { jobId: job });
		const raw = telegram(['C.1.0(12345678)', '1.8.0(008123.456*kWh)', '1.8.1(008123.456*kWh)', '1.8.1*01(007000.000*kWh)']);
		const r = optical(job, '8123.456', raw);
		expect(await push('reading.record', r)).toBe('applied');
		const row = await tdb.db.selectFrom('readings').select(['value', 'source', 'telegram', 'photo_sha256']).where('id', '=', r.readingId).executeTakeFirstOrThrow();
		expect(row).toEqual({ value: '8123.456', source: 'optical', telegram: toBase64(raw), photo_sha256: null });
		// Tablets get the source back, not the telegram (it stays with the office's evidence).
		const pulled = (await (await fitter.api()).sync.pull({ clientId: uuidv7(), cursor: null })).changes.find((c) => c.id === r.readingId);
		expect(pulled?.data).toMatchObject({ source: 'optical', value: '8123.456' });
		expect(pulled?.data).not.toHaveProperty('telegram');
	});

	it('refuses an optical reading whose telegram has a wrong checksum or another value, and keeps nothing', async () => {
		const push = device();
		const job = world.jobs.a[1]!;
		await push('job.start', { jobId: job });
		const raw = telegram(['1.8.1(000500.000*kWh)']);
		const broken = raw.slice();
		broken[broken.length - 1] = broken.at(-1)! ^ 0x01;
		expect(await push('reading.record', optical(job, '500', broken))).toBe('READING_TELEGRAM');
		expect(await push('reading.record', optical(job, '501', raw))).toBe('READING_TELEGRAM');
		expect(await push('reading.record', optical(job, '500', telegram(['1.8.2(000500.000*kWh)'])))).toBe('READING_TELEGRAM');
		// Without its telegram an optical reading is not even a valid mutation.
		expect(await push('reading.record', { ...optical(job, '500', raw), telegram: null })).toBe('VALIDATION');
		expect(await tdb.db.selectFrom('readings').select('id').where('job_id', '=', job).execute()).toEqual([]);
		expect(await push('reading.record', optical(job, '500', raw))).toBe('applied');
	});

	it('takes a value typed over an optical one only as a correction with a reason; both stay on record', async () => {
		const push = device();
		const job = world.jobs.a[2]!;
		await push('job.start', { jobId: job });
		const first = optical(job, '700', telegram(['1.8.1(000700.000*kWh)']));
		expect(await push('reading.record', first)).toBe('applied');
		const typed = { readingId: uuidv7(), jobId: job, meterRole: 'old', register: '1.8.1', value: '701', photoSha256: sha(1), correctsReadingId: first.readingId };
		expect(await push('reading.record', typed)).toBe('CORRECTION_REASON');
		expect(await push('reading.record', { ...typed, correctionReason: 'Sonda odczytała licznik sąsiada' })).toBe('applied');
		const rows = await tdb.db.selectFrom('readings').select(['value', 'source', 'correction_reason']).where('job_id', '=', job).orderBy('created_at').orderBy('id').execute();
		expect(rows).toEqual([
			{ value: '700', source: 'optical', correction_reason: null },
			{ value: '701', source: 'manual', correction_reason: 'Sonda odczytała licznik sąsiada' }
		]);
		// The planner's job page says which reading came through the port, and why it was corrected.
		await tdb.db.updateTable('users').set({ totp_enabled: 1, totp_secret: 'JBSWY3DPEHPK3PXP' }).where('id', '=', world.users.planner.id).execute();
		const planner = await new TestClient(services).adoptSession(tdb.db, world.users.planner.id, { mfaVerified: true });
		const page = await (await planner.api()).plan.jobs.page({ id: job });
		const register = page.readings.find((r) => r.meterRole === 'old' && r.register === '1.8.1')!;
		expect(register.readings.map((r) => [r.value, r.source, r.correctionReason])).toEqual([
			['700', 'optical', null],
			['701', 'manual', 'Sonda odczytała licznik sąsiada']
		]);
	});

	it('carries the source of each reading into the billing export', async () => {
		const job = world.jobs.a[0]!;
		const at = new Date().toISOString();
		await tdb.db.updateTable('jobs').set({ status: 'done', completed_at: at }).where('id', '=', job).execute();
		const [record] = await billingDay(tdb.db, warsawDate());
		expect(record?.sources).toEqual({ 'old 1.8.1': 'optical' });
		const [head, row] = billingCsv([record!]).trim().split('\n');
		expect(head!.split(';').at(-1)).toBe('zrodlo_odczytow');
		expect(row!.split(';').at(-1)).toBe('old 1.8.1: optical');
	});
});
