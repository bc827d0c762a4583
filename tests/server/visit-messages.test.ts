import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MutationEnvelope } from '$lib/domain/mutations';
import { ppeWithCheckDigit } from '$lib/domain/ppe';
import { addDaysToDate, warsawDate, warsawInstant } from '$lib/domain/time';
import { ON_THE_WAY_VALID_MS, runNotifyRound, stopByCode } from '$server/notify/notify.service';
import { SYSTEM_ACTOR } from '$server/audit';
import type { Services } from '$server/services';
import { newId, nowIso } from '$server/util/ids';
import { outcome, TestClient, worldWithServices } from './fixtures';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';

describeEachDb('"the fitter is on the way" and a visit cancelled by the planner', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let world: Awaited<ReturnType<typeof worldWithServices>>['world'];
	let fitterA: TestClient;
	let planner: TestClient;
	let n = 0;

	/** One tablet of crew A: mutation ids grow by one, like the outbox. */
	function tablet() {
		const clientId = uuidv7();
		let next = 1;
		return async (name: string, args: unknown, at = new Date().toISOString()) => {
			const m: MutationEnvelope = { id: next++, name, args, at };
			const r = (await (await fitterA.api()).sync.push({ clientId, mutations: [m] })).results[0]!;
			return r.status === 'rejected' ? r.reason!.code : r.status;
		};
	}

	/**
	 * A stairwell of its own: a stairwell meter first, then in-home visits, all crew A's today
	 * (or `date`) in that order. In-home residents gave a phone and an e-mail.
	 */
	async function stairwell(opts: { inHome?: number; date?: string; slot?: boolean } = {}) {
		const at = nowIso();
		const date = opts.date ?? warsawDate();
		const building = newId();
		await tdb.db.insertInto('buildings').values({ id: building, estate_id: world.estate, street: `ul. Kolejna ${++n}`, number: `${n}`, postcode: '50-002', city: 'Wrocław', created_at: at }).execute();
		const jobs: Array<{ id: string; point: string; slot: string | null }> = [];
		const kinds: Array<'stairwell' | 'in_home'> = ['stairwell', ...Array.from({ length: opts.inHome ?? 1 }, () => 'in_home' as const)];
		for (const [i, location] of kinds.entries()) {
			const point = newId();
			await tdb.db.insertInto('meter_points').values({
				id: point, ppe: ppeWithCheckDigit(String(59054358000000000n + BigInt(++n))), building_id: building, stairwell: 'I', flat: String(i + 1), location,
				tariff_group: 'G11', prosumer: 0, resident_phone: location === 'in_home' ? '+48 600 100 200' : null, resident_email: location === 'in_home' ? `lokator${n}@example.pl` : null,
				created_at: at, updated_at: at
			}).execute();
			const start = warsawInstant(date, `${String(9 + i).padStart(2, '0')}:00`).toISOString();
			const end = warsawInstant(date, `${String(10 + i).padStart(2, '0')}:00`).toISOString();
			let slot: string | null = null;
			if (location === 'in_home' && opts.slot) {
				slot = newId();
				await tdb.db.insertInto('appointment_slots').values({ id: slot, building_id: building, crew_id: world.crews.a, date, starts_at: start, ends_at: end, capacity: 1, published_at: at, withdrawn_at: null, created_at: at }).execute();
			}
			const id = newId();
			await tdb.db.insertInto('jobs').values({
				id, meter_point_id: point, crew_id: world.crews.a, planned_date: date, window_start: start, window_end: end, sequence: 100 * n + i,
				status: 'planned', attempt: 1, created_at: at, updated_at: at, slot_id: slot, booking_reference: slot ? `REF${n}`.padEnd(9, 'X') : null, booked_at: slot ? at : null
			}).execute();
			jobs.push({ id, point, slot });
		}
		return jobs;
	}

	const messagesOf = (jobId: string) => tdb.db.selectFrom('messages').selectAll().where('job_id', '=', jobId).orderBy('channel').execute();

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		({ services, world } = await worldWithServices(tdb));
		fitterA = await new TestClient(services).adoptSession(tdb.db, world.users.fitterA.id, { kind: 'device' });
		planner = await new TestClient(services).adoptSession(tdb.db, world.users.planner.id, { mfaVerified: true });
	});
	afterAll(() => tdb?.destroy());

	it('tells the next in-home resident in the stairwell once, when the fitter starts the job before theirs', async () => {
		const [first, second, third] = await stairwell({ inHome: 2 });
		const push = tablet();
		expect(await push('job.start', { jobId: first!.id })).toBe('applied');
		const rows = await messagesOf(second!.id);
		expect(rows.map((r) => [r.channel, r.template, r.state])).toEqual([['email', 'on_the_way', 'pending'], ['sms', 'on_the_way', 'pending']]);
		expect(await messagesOf(third!.id)).toEqual([]);
		// Starting again (a resend, another tablet) writes nothing more: once per visit.
		expect(await push('job.start', { jobId: first!.id })).toBe('applied');
		await tdb.db.updateTable('jobs').set({ status: 'planned' }).where('id', '=', first!.id).execute();
		expect(await tablet()('job.start', { jobId: first!.id })).toBe('applied');
		expect(await messagesOf(second!.id)).toHaveLength(2);

		await runNotifyRound(tdb.db, {});
		const sent = await messagesOf(second!.id);
		expect(sent.map((r) => r.state)).toEqual(['logged', 'logged']);
		const sms = sent.find((r) => r.channel === 'sms')!;
		expect(sms.body).toContain('Monter jest już w drodze');
		expect(sms.body).toMatch(/godz\. 10:00-11:00/);
		expect(sms.body).toContain('/verify');
		expect(sms.body).toContain('nigdy nie pobiera opłat');
		expect(sent.find((r) => r.channel === 'email')!.subject).toBe('Monter w drodze: wymiana licznika dziś (10:00–11:00)');

		// Starting the second (in-home) job tells the third resident.
		expect(await push('job.start', { jobId: second!.id })).toBe('applied');
		expect((await messagesOf(third!.id)).map((r) => r.template)).toEqual(['on_the_way', 'on_the_way']);
	});

	it('says nothing after STOP, for a start synced long after it happened, for a crew that does not announce, or across stairwells', async () => {
		const [a1, a2] = await stairwell();
		const code = await tdb.db.selectFrom('meter_points').select('stop_code').where('id', '=', a2!.point).executeTakeFirstOrThrow();
		// The point has no stop code until a first message; give it one the way a message would.
		const stopCode = code.stop_code ?? 'abcdefgh23';
		await tdb.db.updateTable('meter_points').set({ stop_code: stopCode }).where('id', '=', a2!.point).execute();
		expect(await stopByCode(tdb.db, stopCode, SYSTEM_ACTOR)).toBe(true);
		expect(await tablet()('job.start', { jobId: a1!.id })).toBe('applied');
		expect(await messagesOf(a2!.id)).toEqual([]);

		const [b1, b2] = await stairwell();
		const anHourAgo = new Date(Date.now() - 60 * 60_000).toISOString();
		expect(await tablet()('job.start', { jobId: b1!.id }, anHourAgo)).toBe('applied');
		expect(await messagesOf(b2!.id)).toEqual([]);

		const [c1, c2] = await stairwell();
		const api = await planner.api();
		expect(await outcome((await fitterA.api()).plan.crews.setAnnounceArrival({ crewId: world.crews.a, on: false }))).toBe('FORBIDDEN');
		await api.plan.crews.setAnnounceArrival({ crewId: world.crews.a, on: false });
		expect((await api.plan.crews.list()).crews.find((c) => c.id === world.crews.a)?.announceArrival).toBe(false);
		expect(await tablet()('job.start', { jobId: c1!.id })).toBe('applied');
		expect(await messagesOf(c2!.id)).toEqual([]);
		await api.plan.crews.setAnnounceArrival({ crewId: world.crews.a, on: true });

		// The crew's next job is in another building: that resident hears nothing from this start.
		const [d1] = await stairwell({ inHome: 0 });
		const [, e2] = await stairwell();
		await tdb.db.updateTable('jobs').set({ sequence: 1 }).where('id', '=', d1!.id).execute();
		await tdb.db.updateTable('jobs').set({ sequence: 2 }).where('id', '=', e2!.id).execute();
		expect(await tablet()('job.start', { jobId: d1!.id })).toBe('applied');
		expect(await messagesOf(e2!.id)).toEqual([]);
	});

	it('drops an "on the way" message that waited too long or whose visit is no longer planned', async () => {
		const [f1, f2, f3] = await stairwell({ inHome: 2 });
		const push = tablet();
		expect(await push('job.start', { jobId: f1!.id })).toBe('applied');
		expect(await push('job.start', { jobId: f2!.id })).toBe('applied');
		// f2's resident: the fitter is already there (job started) — the message is void.
		// f3's resident: the outbox was down for longer than the message stays true.
		await runNotifyRound(tdb.db, {}, undefined, Date.now() + ON_THE_WAY_VALID_MS + 60_000);
		expect((await messagesOf(f2!.id)).map((r) => r.state)).toEqual(['cancelled', 'cancelled']);
		expect((await messagesOf(f3!.id)).map((r) => [r.state, r.recipient])).toEqual([['cancelled', null], ['cancelled', null]]);
	});

	it('a planner cancels a booked visit: the resident is told, the job shows cancelled, the slot is free, the tablet hears', async () => {
		const [, visit] = await stairwell({ date: addDaysToDate(warsawDate(), 9), slot: true });
		// A reminder already waiting for this visit becomes untrue.
		const at = nowIso();
		const reminder = newId();
		const job = await tdb.db.selectFrom('jobs').selectAll().where('id', '=', visit!.id).executeTakeFirstOrThrow();
		await tdb.db.insertInto('messages').values({
			id: reminder, job_id: visit!.id, meter_point_id: visit!.point, channel: 'sms', recipient: '+48 600 100 200', template: 'reminder_morning',
			params: JSON.stringify({ windowStart: job.window_start, windowEnd: job.window_end, reference: job.booking_reference }), subject: null, body: null, state: 'pending', attempts: 0,
			next_at: addDaysToDate(warsawDate(), 9), claim: null, claimed_until: null, provider_id: null, last_error: null, dedupe_key: null, resend_of: null, created_at: at, updated_at: at, sent_at: null
		}).execute();
		const api = await planner.api();
		expect(await outcome(api.plan.schedule.cancelJob({ jobId: visit!.id, reason: '' }))).toBe('VALIDATION');
		expect(await outcome((await fitterA.api()).plan.schedule.cancelJob({ jobId: visit!.id, reason: 'Brak liczników' }))).toBe('FORBIDDEN');
		expect(await api.plan.schedule.cancelJob({ jobId: visit!.id, reason: 'Zmiana zakresu prac' })).toEqual({ cancelled: 1, messages: 2 });

		const after = await tdb.db.selectFrom('jobs').select(['status', 'slot_id']).where('id', '=', visit!.id).executeTakeFirstOrThrow();
		expect(after).toEqual({ status: 'cancelled', slot_id: null });
		expect((await api.plan.jobs.page({ id: visit!.id })).job.status).toBe('cancelled');
		const taken = await tdb.db.selectFrom('jobs').select('id').where('slot_id', '=', visit!.slot!).execute();
		expect(taken).toEqual([]);
		const rows = await messagesOf(visit!.id);
		expect(rows.find((r) => r.id === reminder)?.state).toBe('cancelled');
		expect(rows.filter((r) => r.template === 'visit_cancelled').map((r) => [r.channel, r.state])).toEqual([['email', 'pending'], ['sms', 'pending']]);
		// The crew's tablet pulls the job as cancelled.
		const pulled = await (await fitterA.api()).sync.pull({ clientId: uuidv7(), cursor: null });
		const change = pulled.changes.filter((c) => c.entity === 'job' && c.id === visit!.id).at(-1) as { data: { status: string } } | undefined;
		expect(change?.data.status).toBe('cancelled');

		await runNotifyRound(tdb.db, {});
		const mail = (await messagesOf(visit!.id)).find((r) => r.template === 'visit_cancelled' && r.channel === 'email')!;
		expect(mail.state).toBe('logged');
		expect(mail.subject).toMatch(/^Odwołana wizyta: wymiana licznika /);
		expect(mail.body).toContain('została odwołana. O nowym terminie poinformujemy osobno.');
		expect(mail.body).toContain('Szanowni Państwo');
		// Only a planned job: cancelling again (or a started one) is refused, nothing more is written.
		expect(await outcome(api.plan.schedule.cancelJob({ jobId: visit!.id, reason: 'Jeszcze raz' }))).toBe('PLAN_NOT_CANCELLABLE');
		expect(await messagesOf(visit!.id)).toHaveLength(3);
		const audit = await tdb.db.selectFrom('audit_log').select(['action', 'changes']).where('entity_id', '=', visit!.id).where('action', '=', 'plan-cancel-job').execute();
		expect(audit).toHaveLength(1);
		expect(audit[0]!.changes).toContain('Zmiana zakresu prac');
	});

	it('refuses to cancel a job a fitter has started, and cancels a stairwell job without a message', async () => {
		const [stair, home] = await stairwell();
		expect(await tablet()('job.start', { jobId: home!.id })).toBe('applied');
		const api = await planner.api();
		expect(await outcome(api.plan.schedule.cancelJob({ jobId: home!.id, reason: 'Zmiana planu' }))).toBe('PLAN_NOT_CANCELLABLE');
		expect(await api.plan.schedule.cancelJob({ jobId: stair!.id, reason: 'Zmiana planu' })).toEqual({ cancelled: 1, messages: 0 });
		expect(await outcome(api.plan.schedule.cancelJob({ jobId: newId(), reason: 'Zmiana planu' }))).toBe('NOT_FOUND');
	});
});
