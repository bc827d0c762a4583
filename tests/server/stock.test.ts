import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MutationEnvelope } from '$lib/domain/mutations';
import { warsawDate } from '$lib/domain/time';
import { createServices, type Services } from '$server/services';
import { newId, nowIso } from '$server/util/ids';
import { outcome, seedWorld, TestClient } from './fixtures';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';

const sha = (n: number) => n.toString(16).padStart(64, 'b');
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

/** The field errors of a refused call (as the API reports them), or null when it succeeded. */
async function fieldErrorsOf(p: Promise<unknown>): Promise<Record<string, string[]> | null> {
	try {
		await p;
		return null;
	} catch (e) {
		return (e as { cause?: { fieldErrors?: Record<string, string[]> } }).cause?.fieldErrors ?? {};
	}
}

describeEachDb('meters and seals in stock (warehouse)', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let world: Awaited<ReturnType<typeof seedWorld>>;
	let warehouse: TestClient;
	let fitter: TestClient;
	const today = warsawDate();

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		services = createServices(tdb);
		world = await seedWorld(tdb.db);
		await tdb.db.updateTable('users').set({ totp_enabled: 1, totp_secret: 'JBSWY3DPEHPK3PXP' }).where('role', '!=', 'fitter').execute();
		warehouse = await new TestClient(services).adoptSession(tdb.db, world.users.warehouse.id, { mfaVerified: true });
		fitter = await new TestClient(services).adoptSession(tdb.db, world.users.fitterA.id, { kind: 'device' });
	});
	afterAll(() => tdb?.destroy());

	const gama = (serial: string) => ({ serial, manufacturer: 'Apator', model: 'GAMA 150' });
	const counts = async () => ({
		meters: (await tdb.db.selectFrom('meters').select('id').where('kind', '=', 'lzo').execute()).length,
		seals: (await tdb.db.selectFrom('seal_stock').select('number').execute()).length,
		movements: (await tdb.db.selectFrom('stock_movements').select('id').execute()).length
	});

	it('refuses a delivery with a repeated or already known serial, line by line, and stores none of it', async () => {
		const api = await warehouse.api();
		await api.stock.receive({ reference: 'WZ 1/2026', meters: [gama('2400000001')], sealRanges: [] });
		const before = await counts();
		const errors = await fieldErrorsOf(
			api.stock.receive({
				reference: 'WZ 2/2026',
				meters: [gama('2400000002'), gama('2400000002'), gama('2400000001'), gama('12')],
				sealRanges: [{ from: 'PL100000', to: 'PL100009' }]
			})
		);
		expect(Object.keys(errors ?? {}).sort()).toEqual(['meters.1.serial', 'meters.2.serial', 'meters.3.serial']);
		expect(errors!['meters.1.serial']![0]).toMatch(/powtarza się.*wierszu 1/);
		expect(errors!['meters.2.serial']![0]).toMatch(/2400000001 jest już w ewidencji/);
		expect(await counts()).toEqual(before);
	});

	it('refuses a seal range that overlaps one already delivered', async () => {
		const api = await warehouse.api();
		await api.stock.receive({ reference: 'WZ 3/2026', meters: [], sealRanges: [{ from: 'PL200000', to: 'PL200099' }] });
		const errors = await fieldErrorsOf(api.stock.receive({ reference: 'WZ 4/2026', meters: [], sealRanges: [{ from: 'PL200050', to: 'PL200150' }] }));
		expect(errors?.['sealRanges.0.from']?.[0]).toMatch(/już w ewidencji \(50, np\. PL200050\)/);
	});

	it('takes a meter from delivery through issue, offline fitting and sync to the day’s reconciliation', async () => {
		const api = await warehouse.api();
		await api.stock.receive({ reference: 'WZ 5/2026', meters: [gama('2411111111'), gama('2411111112'), gama('2411111113')], sealRanges: [{ from: 'TD5000000', to: 'TD5000019' }] });
		await api.stock.issue({ fitterUserId: world.users.fitterA.id, serials: ['2411111111', '2411111112', '2411111113'], sealRanges: [{ from: 'TD5000000', to: 'TD5000009' }] });

		// A serial already on another fitter cannot be issued twice.
		const clash = await fieldErrorsOf(api.stock.issue({ fitterUserId: world.users.fitterB.id, serials: ['2411111111'], sealRanges: [] }));
		expect(clash?.['serials.0']?.[0]).toMatch(/wydany innemu monterowi/);

		// The tablet learns which serials and seals it holds through its pull.
		const snapshot = await (await fitter.api()).sync.pull({ clientId: uuidv7(), cursor: null });
		const held = snapshot.changes.filter((c) => c.entity === 'stock').map((c) => (c.data as { serial: string }).serial);
		expect(held).toEqual(expect.arrayContaining(['2411111111', '2411111112', 'TD5000000', 'TD5000009']));
		expect(held).not.toContain('TD5000010');

		// Unused ones come back.
		await api.stock.takeBack({ fitterUserId: world.users.fitterA.id, serials: ['2411111113'], sealRanges: [] });

		// The fitter fits one meter (recorded offline, pushed later) with a seal from their stock.
		const { job, oldSerial } = await jobWithMeter();
		const clientId = uuidv7();
		const steps: Array<[string, unknown]> = [
			['job.start', { jobId: job }],
			['exchange.oldMeter', { jobId: job, serial: oldSerial, source: 'camera' }],
			['seal.record', { sealId: uuidv7(), jobId: job, meterRole: 'old', number: 'TD1234567', state: 'intact' }],
			['reading.record', { readingId: uuidv7(), jobId: job, meterRole: 'old', register: '1.8.1', value: '1234.5', photoSha256: sha(1) }],
			['outage.start', { outageId: 'o-' + job, jobId: job, offAt: minutesAgo(12) }],
			['outage.end', { outageId: 'o-' + job, jobId: job, onAt: minutesAgo(1) }],
			['exchange.newMeter', { jobId: job, serial: '2411111111', source: 'camera' }],
			['reading.record', { readingId: uuidv7(), jobId: job, meterRole: 'new', register: '1.8.1', value: '0.0' }],
			['seal.record', { sealId: uuidv7(), jobId: job, meterRole: 'new', number: 'TD5000003', state: 'applied' }],
			['exchange.commission', { jobId: job, contactorClosed: true, tariffProgrammed: 'G11', wmbusEnabled: false, wmbusRequested: false, voltageOk: true }],
			['exchange.protocol', { jobId: job, signatureKind: 'stairwell', protocolSha256: sha(2) }],
			['exchange.complete', { jobId: job }]
		];
		const mutations: MutationEnvelope[] = steps.map(([name, args], i) => ({ id: i + 1, name, args, at: nowIso() }));
		const pushed = await (await fitter.api()).sync.push({ clientId, mutations });
		expect(pushed.results.map((r) => r.status)).toEqual(steps.map(() => 'applied'));

		const rows = await api.stock.reconciliation({ day: today });
		const mine = rows.find((r) => r.fitterUserId === world.users.fitterA.id)!;
		expect(mine.meters).toEqual({ opening: 0, issued: 3, fitted: 1, returned: 1, closing: 1 });
		expect(mine.seals).toEqual({ opening: 0, issued: 10, fitted: 1, returned: 0, closing: 9 });
		expect(mine.onHand).toEqual({ meters: 1, seals: 9 });
		expect(mine.differences).toEqual([]);
		expect([mine.removed, mine.removedHandedIn]).toEqual([1, 0]);

		// The removed meter is owed by the fitter until the warehouse scans it in.
		const owed = await api.stock.removed();
		expect(owed.map((r) => [r.serial, r.fitterUserId, r.ageDays])).toEqual([[oldSerial, world.users.fitterA.id, 0]]);
		await api.stock.handIn({ serial: oldSerial });
		expect(await api.stock.removed()).toEqual([]);
		expect((await fieldErrorsOf(api.stock.handIn({ serial: oldSerial })))?.serial?.[0]).toMatch(/już zdany/);
		const after = (await api.stock.reconciliation({ day: today })).find((r) => r.fitterUserId === world.users.fitterA.id)!;
		expect(after.removedHandedIn).toBe(1);

		// Every step is a movement row and an audit entry with who did it.
		const movements = await tdb.db.selectFrom('stock_movements').select(['kind', 'by_user_id']).where('serial', '=', '2411111111').orderBy('id').execute();
		expect(movements.map((m) => m.kind)).toEqual(['delivery', 'issue', 'fit']);
		const trail = await tdb.db.selectFrom('audit_log').select(['action', 'user_id']).where('action', 'in', ['delivery-receive', 'stock-issue', 'stock-return', 'removed-hand-in']).execute();
		expect(new Set(trail.map((a) => a.action))).toEqual(new Set(['delivery-receive', 'stock-issue', 'stock-return', 'removed-hand-in']));
		expect(trail.every((a) => a.user_id === world.users.warehouse.id)).toBe(true);
	});

	it('applies a meter fitted offline that the warehouse took back meanwhile, and lists the clash for review', async () => {
		const api = await warehouse.api();
		await api.stock.receive({ reference: 'WZ 6/2026', meters: [gama('2422222222')], sealRanges: [] });
		await api.stock.issue({ fitterUserId: world.users.fitterA.id, serials: ['2422222222'], sealRanges: [] });
		await api.stock.takeBack({ fitterUserId: world.users.fitterA.id, serials: ['2422222222'], sealRanges: [] });
		const { job, oldSerial } = await jobWithMeter();
		const clientId = uuidv7();
		const push = async (id: number, name: string, args: unknown) =>
			(await (await fitter.api()).sync.push({ clientId, mutations: [{ id, name, args, at: nowIso() }] })).results[0]!.status;
		expect(await push(1, 'job.start', { jobId: job })).toBe('applied');
		expect(await push(2, 'exchange.oldMeter', { jobId: job, serial: oldSerial, source: 'camera' })).toBe('applied');
		expect(await push(3, 'exchange.newMeter', { jobId: job, serial: '2422222222', source: 'camera' })).toBe('applied');
		const conflict = await tdb.db.selectFrom('sync_conflicts').select(['field', 'office_value', 'field_value']).where('entity_id', '=', job).executeTakeFirstOrThrow();
		expect(conflict).toEqual({ field: 'new_meter_stock', office_value: 'magazyn', field_value: '2422222222' });
		// A meter never issued to this fitter is still "not in your stock".
		await api.stock.receive({ reference: 'WZ 7/2026', meters: [gama('2433333333')], sealRanges: [] });
		const other = await jobWithMeter();
		expect(await push(4, 'job.start', { jobId: other.job })).toBe('applied');
		expect(await push(5, 'exchange.oldMeter', { jobId: other.job, serial: other.oldSerial, source: 'camera' })).toBe('applied');
		expect(await push(6, 'exchange.newMeter', { jobId: other.job, serial: '2433333333', source: 'camera' })).toBe('rejected');
	});

	it('is for the warehouse and admins only', async () => {
		const planner = await new TestClient(services).adoptSession(tdb.db, world.users.planner.id, { mfaVerified: true });
		expect(await outcome((await planner.api()).stock.overview())).toBe('FORBIDDEN');
		expect(await outcome((await warehouse.api()).workers.list())).toBe('FORBIDDEN');
	});

	/** A job of crew A on a fresh stairwell point (G11) with an installed conventional meter. */
	async function jobWithMeter() {
		const at = nowIso();
		const point = newId();
		const job = newId();
		const oldSerial = `${Math.floor(10_000_000 + Math.random() * 89_999_999)}`;
		await tdb.db.insertInto('meter_points').values({
			id: point, ppe: `59054356${Math.floor(Math.random() * 1e10).toString().padStart(10, '0')}`, building_id: (await tdb.db.selectFrom('buildings').select('id').executeTakeFirstOrThrow()).id,
			stairwell: 'I', flat: '9', location: 'stairwell', tariff_group: 'G11', prosumer: 0, resident_phone: null, created_at: at, updated_at: at
		}).execute();
		await tdb.db.insertInto('meters').values({
			id: newId(), serial: oldSerial, manufacturer: 'Pafal', model: '20 EC3', kind: 'conventional', state: 'installed', meter_point_id: point,
			holder_user_id: null, created_at: at, updated_at: at
		}).execute();
		await tdb.db.insertInto('jobs').values({
			id: job, meter_point_id: point, crew_id: world.crews.a, planned_date: today, window_start: null, window_end: null,
			sequence: 9, status: 'planned', attempt: 1, created_at: at, updated_at: at
		}).execute();
		return { job, oldSerial };
	}
});
