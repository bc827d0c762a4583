import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { errorData } from '$server/trpc/errors';
import { createServices, type Services } from '$server/services';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { outcome, seedWorld, TestClient } from './fixtures';

describeEachDb('crews, calendars and absences through the planner API', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let world: Awaited<ReturnType<typeof seedWorld>>;
	let api: Awaited<ReturnType<TestClient['api']>>;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		services = createServices(tdb);
		world = await seedWorld(tdb.db);
		await tdb.db.updateTable('users').set({ totp_enabled: 1, totp_secret: 'JBSWY3DPEHPK3PXP' }).where('id', '=', world.users.planner.id).execute();
		api = await (await new TestClient(services).adoptSession(tdb.db, world.users.planner.id, { mfaVerified: true })).api();
	});
	afterAll(() => tdb?.destroy());

	it('moves a fitter to another crew and back', async () => {
		await api.plan.crews.moveFitter({ workerId: world.workers.a, crewId: world.crews.b });
		let list = await api.plan.crews.list();
		expect(list.crews.find((c) => c.id === world.crews.b)!.fitters.map((f) => f.id).sort()).toEqual([world.workers.a, world.workers.b].sort());
		expect(list.crews.find((c) => c.id === world.crews.a)!.fitters).toEqual([]);
		await api.plan.crews.moveFitter({ workerId: world.workers.a, crewId: world.crews.a });
		list = await api.plan.crews.list();
		expect(list.crews.find((c) => c.id === world.crews.a)!.fitters.map((f) => f.id)).toEqual([world.workers.a]);
		expect(await outcome(api.plan.crews.moveFitter({ workerId: 'nobody', crewId: world.crews.a }))).toBe('NOT_FOUND');
	});

	it('stores working days and hours, and refuses an end before the start with a field error', async () => {
		await api.plan.crews.setCalendar({ crewId: world.crews.a, workDays: [1, 2, 3, 4, 5, 6], start: '07:00', end: '15:30' });
		const crew = (await api.plan.crews.list()).crews.find((c) => c.id === world.crews.a)!;
		expect(crew).toMatchObject({ workDays: [1, 2, 3, 4, 5, 6], start: '07:00', end: '15:30' });
		try {
			await api.plan.crews.setCalendar({ crewId: world.crews.a, workDays: [1], start: '15:00', end: '07:00' });
			expect.unreachable();
		} catch (e) {
			const data = errorData(e as TRPCError, 'pl', 'test');
			expect(data.appCode).toBe('VALIDATION');
			expect(data.fieldErrors.end).toEqual(['Koniec musi być po początku.']);
		}
		expect(await outcome(api.plan.crews.setCalendar({ crewId: world.crews.a, workDays: [8], start: '07:00', end: '15:00' }))).toBe('VALIDATION');
	});

	it('records absences, shows them in the fitter view, and removes them', async () => {
		const { id } = await api.plan.crews.addAbsence({ workerId: world.workers.b, from: '2099-03-02', to: '2099-03-06', reason: 'leave' });
		const fitter = (await api.plan.crews.list()).crews.flatMap((c) => c.fitters).find((f) => f.id === world.workers.b)!;
		expect(fitter.absences).toEqual([{ id, from: '2099-03-02', to: '2099-03-06', reason: 'leave' }]);
		const view = await api.plan.views.fitter({ workerId: world.workers.b, from: '2099-03-01', to: '2099-03-31' });
		expect(view!.absences).toHaveLength(1);
		await api.plan.crews.removeAbsence({ absenceId: id });
		expect((await api.plan.crews.list()).crews.flatMap((c) => c.fitters).find((f) => f.id === world.workers.b)!.absences).toEqual([]);
		expect(await outcome(api.plan.crews.addAbsence({ workerId: world.workers.b, from: '2099-03-06', to: '2099-03-02', reason: 'leave' }))).toBe('VALIDATION');
	});

	it('creates a crew once; the same name again is a conflict', async () => {
		await api.plan.crews.create({ name: 'Ekipa nocna' });
		expect(await outcome(api.plan.crews.create({ name: 'Ekipa nocna' }))).toBe('CONFLICT');
	});

	it('lists the Polish public holidays of a year', async () => {
		expect(await api.plan.crews.holidays({ year: 2027 })).toContain('2027-03-29');
	});
});
