import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { generateBadgeNumber } from '$lib/domain/badge';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MutationEnvelope } from '$lib/domain/mutations';
import { ppeWithCheckDigit } from '$lib/domain/ppe';
import { registersFor } from '$lib/domain/tariff';
import { addDaysToDate, warsawDate } from '$lib/domain/time';
import { SYSTEM_ACTOR } from '$server/audit';
import { importMeterPoints, parseCsv } from '$server/import/import.service';
import { createPublicLimiters } from '$server/public/limits';
import { submitReport } from '$server/reports/reports.service';
import { holidaysBetween } from '$server/schedule/calendar';
import type { Services } from '$server/services';
import { newId, nowIso } from '$server/util/ids';
import { outcome, TestClient, worldWithServices } from './fixtures';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';

const sha = (n: number) => n.toString(16).padStart(64, 'b');
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

describeEachDb('job page, search and the exceptions of field work', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let world: Awaited<ReturnType<typeof worldWithServices>>['world'];
	let fitterA: TestClient;
	let fitterB: TestClient;
	let planner: TestClient;
	let n = 0;

	/** One tablet: mutation ids grow by one, like the outbox. */
	function tablet(client: () => TestClient) {
		const clientId = uuidv7();
		let next = 1;
		const push = async (name: string, args: unknown) => (await pushOffline([[name, args, new Date().toISOString()]]))[0]!;
		/** Mutations recorded offline at the given device times, sent as one batch when back online. */
		const pushOffline = async (list: Array<[name: string, args: unknown, at: string]>) => {
			const mutations: MutationEnvelope[] = list.map(([name, args, at]) => ({ id: next++, name, args, at }));
			const { results } = await (await client().api()).sync.push({ clientId, mutations });
			return results.map((r) => (r.status === 'rejected' ? r.reason!.code : r.status));
		};
		const pull = async (cursor: number | null) => (await client().api()).sync.pull({ clientId, cursor });
		return { push, pushOffline, pull };
	}

	/** A job of a crew on a fresh point with an installed old meter. */
	async function job(opts: { crew?: 'a' | 'b'; location?: 'stairwell' | 'in_home'; date?: string; street?: string; flat?: string | null; status?: 'planned' | 'in_progress' } = {}) {
		const at = nowIso();
		const building = newId();
		await tdb.db.insertInto('buildings').values({ id: building, estate_id: world.estate, street: opts.street ?? `ul. Boczna ${++n}`, number: `${n}a`, postcode: '50-002', city: 'Wrocław', created_at: at }).execute();
		const point = newId();
		const ppe = ppeWithCheckDigit(String(59054357000000000n + BigInt(++n)));
		await tdb.db.insertInto('meter_points').values({
			id: point, ppe, building_id: building, stairwell: 'I', flat: opts.flat === undefined ? '7' : opts.flat, location: opts.location ?? 'stairwell',
			tariff_group: 'G11', prosumer: 0, resident_phone: null, created_at: at, updated_at: at
		}).execute();
		const serial = `${31_000_000 + n}`;
		await tdb.db.insertInto('meters').values({
			id: newId(), serial, manufacturer: 'Pafal', model: '20 EC3', kind: 'conventional', state: 'installed', meter_point_id: point, holder_user_id: null,
			created_at: at, updated_at: at, last_readings: JSON.stringify({ '1.8.1': '1000.0' }), last_read_on: addDaysToDate(warsawDate(), -30)
		}).execute();
		const id = newId();
		await tdb.db.insertInto('jobs').values({
			id, meter_point_id: point, crew_id: world.crews[opts.crew ?? 'a'], planned_date: opts.date ?? warsawDate(), window_start: null, window_end: null,
			sequence: 50 + n, status: opts.status ?? 'planned', attempt: 1, created_at: at, updated_at: at
		}).execute();
		return { id, point, ppe, serial, building };
	}

	/** A day both crews work that is not a holiday, within the 5-day notice (so only a same-day move is allowed). */
	function workingDaySoon(): string {
		const today = warsawDate();
		const holidays = new Set(holidaysBetween(today, addDaysToDate(today, 10)));
		for (let i = 1; i < 5; i++) if (!holidays.has(addDaysToDate(today, i))) return addDaysToDate(today, i);
		throw new Error('no working day');
	}

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		({ services, world } = await worldWithServices(tdb));
		// Every day a working day for both crews, so the test does not depend on the weekday it runs.
		await tdb.db.updateTable('crews').set({ work_days: '1,2,3,4,5,6,7', work_start: '07:00', work_end: '19:00' }).execute();
		fitterA = await new TestClient(services).adoptSession(tdb.db, world.users.fitterA.id, { kind: 'device' });
		fitterB = await new TestClient(services).adoptSession(tdb.db, world.users.fitterB.id, { kind: 'device' });
		planner = await new TestClient(services).adoptSession(tdb.db, world.users.planner.id, { mfaVerified: true });
	});
	afterAll(() => tdb?.destroy());

	it('finds the job by full PPE, its last digits, old and new meter serial, address, badge number and booking reference', async () => {
		const j = await job({ street: 'ul. Szukana', crew: 'b' });
		const at = nowIso();
		await tdb.db.insertInto('exchanges').values({ job_id: j.id, user_id: world.users.fitterB.id, new_meter_serial: 'APA2412399001', created_at: at, updated_at: at, old_meter_mismatch: 0, irregularity_suspected: 0, commissioning_state: 'not_requested', commissioning_attempts: 0 }).execute();
		await tdb.db.updateTable('jobs').set({ booking_reference: 'AB12-CD3X' }).where('id', '=', j.id).execute();
		const api = await planner.api();
		const find = async (q: string) => (await api.plan.jobs.search({ q })).matches.map((m) => [m.key, m.jobId]);
		expect(await find(j.ppe)).toEqual([['ppe', j.id]]);
		expect(await find(j.ppe.slice(-6))).toEqual([['ppe', j.id]]);
		expect(await find(j.serial)).toContainEqual(['old_serial', j.id]);
		expect(await find('2412399001')).toContainEqual(['new_serial', j.id]);
		const building = await tdb.db.selectFrom('buildings').select('number').where('id', '=', j.building).executeTakeFirstOrThrow();
		expect(await find(`Szukana ${building.number}/7`)).toEqual([['address', j.id]]);
		expect(await find('szukana')).toContainEqual(['address', j.id]);
		// The badge of crew B's fitter (typed without dashes): their crew's jobs of today.
		const badgeB = generateBadgeNumber((k) => randomBytes(k));
		const badgeA = generateBadgeNumber((k) => randomBytes(k));
		await tdb.db.updateTable('workers').set({ badge_number: badgeB }).where('id', '=', world.workers.b).execute();
		await tdb.db.updateTable('workers').set({ badge_number: badgeA }).where('id', '=', world.workers.a).execute();
		expect(await find(badgeB.replace(/-/g, ''))).toContainEqual(['badge', j.id]);
		expect(await find(badgeA)).not.toContainEqual(['badge', j.id]);
		// A booking reference with its check character (8 base32 characters).
		const { newBookingReference } = await import('$server/booking/reference');
		const ref = newBookingReference();
		await tdb.db.updateTable('jobs').set({ booking_reference: ref }).where('id', '=', j.id).execute();
		expect(await find(ref.toLowerCase())).toEqual([['booking', j.id]]);
		expect(await find('ul. Nieistniejąca 99')).toEqual([]);
		// Streets that begin with a Polish capital, typed in any case.
		const zeromskiego = await job({ street: 'ul. Żeromskiego', crew: 'b' });
		for (const typed of ['żeromskiego', 'ŻEROMSKIEGO', 'Żeromskiego']) expect(await find(typed)).toContainEqual(['address', zeromskiego.id]);
		expect(await outcome(api.plan.jobs.search({ q: 'x' }))).toBe('VALIDATION');
		expect(await outcome((await fitterA.api()).plan.jobs.search({ q: j.ppe }))).toBe('FORBIDDEN');
	});

	it('records "could not complete" on a stairwell job: back in planning with its reason and photo, counted on the dashboard', async () => {
		const j = await job();
		const { push } = tablet(() => fitterA);
		const exceptionId = uuidv7();
		// Evidence is required.
		expect(await push('job.cannotComplete', { jobId: j.id, exceptionId: uuidv7(), reason: 'cabinet_locked', note: 'Szafka zamknięta' })).toBe('PHOTO_REQUIRED');
		expect(await push('job.cannotComplete', { jobId: j.id, exceptionId: uuidv7(), reason: 'other', note: '', photoSha256: sha(3) })).toBe('VALIDATION');
		expect(await push('photo.attach', { photoId: uuidv7(), jobId: j.id, sha256: sha(3), kind: 'exception', contentType: 'image/jpeg', size: 1234 })).toBe('applied');
		expect(await push('job.cannotComplete', { jobId: j.id, exceptionId, reason: 'cabinet_locked', note: 'Klucz u administratora', photoSha256: sha(3) })).toBe('applied');

		const row = await tdb.db.selectFrom('jobs').select(['status', 'exception_reason', 'attempt']).where('id', '=', j.id).executeTakeFirstOrThrow();
		expect(row).toEqual({ status: 'no_access', exception_reason: 'cabinet_locked', attempt: 1 });
		const api = await planner.api();
		const page = await api.plan.jobs.page({ id: j.id });
		expect(page.job.exceptionReason).toBe('cabinet_locked');
		expect(page.exceptions).toMatchObject([{ id: exceptionId, reason: 'cabinet_locked', note: 'Klucz u administratora', photoSha256: sha(3) }]);
		expect(page.photos).toMatchObject([{ sha256: sha(3), kind: 'exception', uploaded: false }]);
		expect(page.timeline.map((e) => e.name)).toEqual(expect.arrayContaining(['photo.attach', 'job.cannotComplete']));
		expect(page.timeline.filter((e) => e.kind === 'rejected').map((e) => e.name)).toEqual(['job.cannotComplete', 'job.cannotComplete']);

		const today = warsawDate();
		const dash = await api.plan.stats.dashboard({ from: today, to: today });
		const estate = dash.progress.find((p) => p.estateId === world.estate)!;
		expect(estate.couldNotComplete).toBe(1);
		expect(dash.exceptions.map((x) => x.jobId)).toContain(j.id);

		// The planner can plan the point again (the job is among those to plan).
		const points = await api.plan.views.estates();
		expect(points.find((e) => e.id === world.estate)!.counts.no_access).toBeGreaterThanOrEqual(1);
	});

	it('produces a protocol the resident refused to sign, with the name given and the reason', async () => {
		const j = await job({ location: 'in_home' });
		const { push } = tablet(() => fitterA);
		expect(await push('job.start', { jobId: j.id })).toBe('applied');
		expect(await push('exchange.protocol', { jobId: j.id, signatureKind: 'refused', protocolSha256: sha(5), signerName: null })).toBe('VALIDATION');
		expect(await push('exchange.protocol', { jobId: j.id, signatureKind: 'refused', protocolSha256: sha(5), signerName: 'Jan Kowalski', refusalReason: 'Nie zgadza się z wymianą' })).toBe('applied');
		const x = await tdb.db.selectFrom('exchanges').select(['signature_kind', 'signature_refused', 'signer_name', 'refusal_reason', 'protocol_sha256']).where('job_id', '=', j.id).executeTakeFirstOrThrow();
		expect(x).toEqual({ signature_kind: null, signature_refused: 1, signer_name: 'Jan Kowalski', refusal_reason: 'Nie zgadza się z wymianą', protocol_sha256: sha(5) });
		const page = await (await planner.api()).plan.jobs.page({ id: j.id });
		expect(page.exchange).toMatchObject({ signatureKind: 'refused', signerName: 'Jan Kowalski', refusalReason: 'Nie zgadza się z wymianą', protocolSha256: sha(5) });
		// A signed protocol keeps the signer's name.
		const k = await job({ location: 'in_home' });
		expect(await push('job.start', { jobId: k.id })).toBe('applied');
		expect(await push('exchange.protocol', { jobId: k.id, signatureKind: 'resident', signatureSha256: sha(6), protocolSha256: sha(7), signerName: 'Anna Nowak' })).toBe('applied');
		expect((await tdb.db.selectFrom('exchanges').select('signer_name').where('job_id', '=', k.id).executeTakeFirstOrThrow()).signer_name).toBe('Anna Nowak');
	});

	it('shows readings with their corrections side by side and the outage with its duration', async () => {
		const j = await job();
		const { push } = tablet(() => fitterA);
		const first = uuidv7();
		const outageId = uuidv7();
		expect(await push('job.start', { jobId: j.id })).toBe('applied');
		expect(await push('reading.record', { readingId: first, jobId: j.id, meterRole: 'old', register: '1.8.1', value: '1200.5', photoSha256: sha(8) })).toBe('applied');
		expect(await push('reading.record', { readingId: uuidv7(), jobId: j.id, meterRole: 'old', register: '1.8.1', value: '1205.5', photoSha256: sha(8), correctsReadingId: first })).toBe('applied');
		expect(await push('outage.start', { outageId, jobId: j.id, offAt: minutesAgo(20) })).toBe('applied');
		expect(await push('outage.end', { outageId, jobId: j.id, onAt: minutesAgo(2), overrunReason: 'Skorodowane zaciski' })).toBe('applied');
		const page = await (await planner.api()).plan.jobs.page({ id: j.id });
		expect(page.readings).toHaveLength(1);
		expect(page.readings[0]!.readings.map((r) => [r.value, r.corrects])).toEqual([['1200.5', null], ['1205.5', first]]);
		expect(page.outages).toMatchObject([{ minutes: 18, overrunReason: 'Skorodowane zaciski' }]);
		// Each synced fact says when it reached the server.
		expect(page.timeline.filter((e) => e.kind === 'mutation').every((e) => e.receivedAt !== null && e.who === 'fitter-a')).toBe(true);
		expect(registersFor('G14dynamic', true)).toEqual(['1.8.1', '1.8.2', '1.8.3', '1.8.4', '2.8.1', '2.8.2', '2.8.3', '2.8.4']);
	});

	it('moves a job to another crew on the same date without the notice rule; both tablets hear of it', async () => {
		const day = workingDaySoon();
		const j = await job({ date: day });
		const a = tablet(() => fitterA);
		const b = tablet(() => fitterB);
		const cursorA = (await a.pull(null)).cursor;
		const cursorB = (await b.pull(null)).cursor;
		const api = await planner.api();
		// A new date inside the notice period is still refused.
		expect(await outcome(api.plan.schedule.moveJob({ jobId: j.id, toDate: addDaysToDate(day, 1), toCrewId: world.crews.b }))).toBe('PLAN_NOTICE_TOO_SHORT');
		expect(await outcome(api.plan.schedule.moveJob({ jobId: j.id, toDate: day, toCrewId: world.crews.b }))).toBe('OK');
		expect((await tdb.db.selectFrom('jobs').select(['crew_id', 'planned_date']).where('id', '=', j.id).executeTakeFirstOrThrow())).toEqual({ crew_id: world.crews.b, planned_date: day });

		const pulledA = await a.pull(cursorA);
		expect(pulledA.changes.find((c) => c.entity === 'job' && c.id === j.id)?.data).toMatchObject({ movedTo: 'Crew B' });
		const pulledB = await b.pull(cursorB);
		const forB = pulledB.changes.find((c) => c.entity === 'job' && c.id === j.id);
		expect(forB?.op).toBe('put');
		expect(forB?.data).not.toHaveProperty('movedTo');
		// Crew A's tablet can no longer record on it; crew B's can.
		expect(await a.push('job.start', { jobId: j.id })).toBe('JOB_NOT_YOURS');
		expect(await b.push('job.start', { jobId: j.id })).toBe('applied');
	});

	it('hands a crew\'s whole day over, but not a job a tablet started without the planner confirming; the field fact still wins', async () => {
		const day = workingDaySoon();
		const planned = await job({ date: day, crew: 'a' });
		const started = await job({ date: day, crew: 'a' });
		const a = tablet(() => fitterA);
		expect(await a.push('job.start', { jobId: started.id })).toBe('applied');
		const api = await planner.api();
		expect(await outcome(api.plan.schedule.reassignDay({ fromCrewId: world.crews.a, date: day, toCrewId: world.crews.b }))).toBe('PLAN_JOB_STARTED');
		expect((await tdb.db.selectFrom('jobs').select('crew_id').where('id', 'in', [planned.id, started.id]).execute()).map((r) => r.crew_id)).toEqual([world.crews.a, world.crews.a]);
		const moved = await api.plan.schedule.reassignDay({ fromCrewId: world.crews.a, date: day, toCrewId: world.crews.b, confirmStarted: true });
		expect(moved).toMatchObject({ started: 1 });
		expect(moved.moved).toBeGreaterThanOrEqual(2);
		// The fitter who started it finishes what they record on site: applied, and the clash listed for planners.
		const outageId = uuidv7();
		expect(await a.push('outage.start', { outageId, jobId: started.id, offAt: minutesAgo(3) })).toBe('applied');
		const conflict = await tdb.db.selectFrom('sync_conflicts').select(['field', 'office_value', 'field_value']).where('entity_id', '=', started.id).executeTakeFirstOrThrow();
		expect(conflict).toEqual({ field: 'crew_id', office_value: world.crews.b, field_value: world.crews.a });
		// A job the fitter never started is simply not theirs any more.
		expect(await a.push('job.start', { jobId: planned.id })).toBe('JOB_NOT_YOURS');
		expect(await outcome(api.plan.schedule.reassignDay({ fromCrewId: world.crews.b, date: day, toCrewId: world.crews.b }))).toBe('VALIDATION');
	});

	it('lists overdue jobs (past, neither done nor reported) by crew and day', async () => {
		const yesterday = addDaysToDate(warsawDate(), -1);
		const overdue = await job({ date: yesterday, crew: 'b' });
		const reported = await job({ date: yesterday, crew: 'b' });
		await tdb.db.updateTable('jobs').set({ status: 'no_access' }).where('id', '=', reported.id).execute();
		const list = await (await planner.api()).plan.jobs.overdue();
		const group = list.groups.find((g) => g.date === yesterday && g.crewId === world.crews.b)!;
		expect(group.crew).toBe('Crew B');
		expect(group.jobs.map((j) => j.id)).toContain(overdue.id);
		expect(list.groups.flatMap((g) => g.jobs.map((j) => j.id))).not.toContain(reported.id);
		expect(list.groups.every((g) => g.date < warsawDate())).toBe(true);
	});

	it('keeps what the old crew recorded offline before a same-day move, and sends it to the new crew on its next pull', async () => {
		const day = warsawDate();
		const j = await job({ date: day, crew: 'a' });
		const a = tablet(() => fitterA);
		const b = tablet(() => fitterB);
		const cursorA = (await a.pull(null)).cursor;
		const cursorB = (await b.pull(null)).cursor;
		// Crew A's tablet works offline from 40 minutes ago; the planner, not knowing, moves the job to crew B.
		const readingId = uuidv7();
		const photoId = uuidv7();
		const noteId = uuidv7();
		const offline: Array<[string, unknown, string]> = [
			['job.start', { jobId: j.id }, minutesAgo(40)],
			['photo.attach', { photoId, jobId: j.id, sha256: sha(21), kind: 'display', contentType: 'image/jpeg', size: 2048 }, minutesAgo(39)],
			['reading.record', { readingId, jobId: j.id, meterRole: 'old', register: '1.8.1', value: '1234.5', photoSha256: sha(21) }, minutesAgo(38)],
			['job.note', { jobId: j.id, noteId, text: 'Licznik za szafką' }, minutesAgo(37)]
		];
		const api = await planner.api();
		expect(await outcome(api.plan.schedule.moveJob({ jobId: j.id, toDate: day, toCrewId: world.crews.b }))).toBe('OK');
		expect(await a.pushOffline(offline)).toEqual(['applied', 'applied', 'applied', 'applied']);
		// Nothing is lost: the billing reading, the photo and the note are on the server, the job stays crew B's.
		expect(await tdb.db.selectFrom('readings').select(['value', 'user_id']).where('id', '=', readingId).executeTakeFirstOrThrow()).toEqual({ value: '1234.5', user_id: world.users.fitterA.id });
		expect((await tdb.db.selectFrom('jobs').select('crew_id').where('id', '=', j.id).executeTakeFirstOrThrow()).crew_id).toBe(world.crews.b);
		// Crew B's tablet hears of all of it on its next pull; crew A's still sees the job as moved.
		const pulledB = await b.pull(cursorB);
		const forB = (entity: string, id: string) => pulledB.changes.filter((c) => c.entity === entity && c.id === id).at(-1);
		expect(forB('reading', readingId)?.data).toMatchObject({ jobId: j.id, value: '1234.5' });
		expect(forB('photo', photoId)?.data).toMatchObject({ jobId: j.id, sha256: sha(21) });
		expect(forB('note', noteId)?.data).toMatchObject({ jobId: j.id, text: 'Licznik za szafką' });
		expect(forB('job', j.id)?.data).toMatchObject({ status: 'in_progress' });
		expect(forB('job', j.id)?.data).not.toHaveProperty('movedTo');
		const pulledA = await a.pull(cursorA);
		expect(pulledA.changes.filter((c) => c.entity === 'job' && c.id === j.id).at(-1)?.data).toMatchObject({ movedTo: 'Crew B', status: 'in_progress' });
		// The planner sees the facts on the job page with who recorded them, and the clash.
		const page = await api.plan.jobs.page({ id: j.id });
		expect(page.readings[0]!.readings[0]).toMatchObject({ value: '1234.5', fitter: 'fitter-a', fitterCrew: 'Crew A', otherCrew: true });
		expect(page.photos).toMatchObject([{ sha256: sha(21), fitter: 'fitter-a', fitterCrew: 'Crew A', otherCrew: true }]);
		expect(page.notes).toMatchObject([{ text: 'Licznik za szafką', fitter: 'fitter-a', otherCrew: true }]);
		expect(page.conflicts).toMatchObject([{ field: 'crew_id', office: 'Crew B', field_value: 'Crew A' }]);
		// A fresh tablet of crew B gets them in its snapshot too.
		const snapshot = await tablet(() => fitterB).pull(null);
		expect(snapshot.changes.find((c) => c.entity === 'reading' && c.id === readingId)).toBeTruthy();
	});

	it('refuses work the old crew starts after the move on a job it never started', async () => {
		const day = warsawDate();
		const j = await job({ date: day, crew: 'a' });
		const a = tablet(() => fitterA);
		const api = await planner.api();
		expect(await outcome(api.plan.schedule.moveJob({ jobId: j.id, toDate: day, toCrewId: world.crews.b }))).toBe('OK');
		expect(await a.pushOffline([['job.note', { jobId: j.id, noteId: uuidv7(), text: 'Po przeniesieniu' }, new Date(Date.now() + 1000).toISOString()]])).toEqual(['JOB_NOT_YOURS']);
		// A crew that never had the job cannot reach it by claiming an early device time.
		const k = await job({ date: day, crew: 'b' });
		expect(await a.pushOffline([['job.note', { jobId: k.id, noteId: uuidv7(), text: 'Cudze' }, minutesAgo(600)]])).toEqual(['JOB_NOT_YOURS']);
	});

	it('counts "could not complete" as a visit attempt like no-access: the third attempt turns the job back', async () => {
		const j = await job({ location: 'in_home' });
		const { push } = tablet(() => fitterA);
		const attach = async (n: number) => expect(await push('photo.attach', { photoId: uuidv7(), jobId: j.id, sha256: sha(n), kind: 'exception', contentType: 'image/jpeg', size: 100 })).toBe('applied');
		const state = () => tdb.db.selectFrom('jobs').select(['status', 'attempt', 'exception_reason']).where('id', '=', j.id).executeTakeFirstOrThrow();
		await attach(31);
		expect(await push('job.cannotComplete', { jobId: j.id, exceptionId: uuidv7(), reason: 'cabinet_locked', note: 'Brak klucza', photoSha256: sha(31) })).toBe('applied');
		expect(await state()).toEqual({ status: 'no_access', attempt: 1, exception_reason: 'cabinet_locked' });
		expect(await push('job.noAccess', { jobId: j.id, noticeLeft: true, visitId: uuidv7() })).toBe('applied');
		expect(await state()).toEqual({ status: 'no_access', attempt: 2, exception_reason: null });
		await attach(32);
		expect(await push('job.cannotComplete', { jobId: j.id, exceptionId: uuidv7(), reason: 'customer_refused', note: null, photoSha256: sha(32) })).toBe('applied');
		expect(await state()).toEqual({ status: 'turned_back', attempt: 3, exception_reason: 'customer_refused' });
		const page = await (await planner.api()).plan.jobs.page({ id: j.id });
		expect(page.exceptions.map((e) => [e.reason, e.attempt])).toEqual([['cabinet_locked', 1], ['customer_refused', 3]]);
		expect(page.visits.map((v) => v.attempt)).toEqual([2]);
		expect(page.job.attempt).toBe(3);
	});

	it('links a resident\'s report to the job at that address or PPE, and the job page lists it', async () => {
		const day = warsawDate();
		const inHome = await job({ date: day, location: 'in_home', street: 'ul. Zgłoszona', flat: '12' });
		const building = await tdb.db.selectFrom('buildings').select(['number']).where('id', '=', inHome.building).executeTakeFirstOrThrow();
		const deps = { db: tdb.db, limits: createPublicLimiters(services.limiters, { verifyPerIp: 100, verifyPerBadge: 100, addressPerIp: 100, reportsPerIp: 100, identifyPerIp: 100, windowSeconds: 600 }) };
		const occurredAt = minutesAgo(30);
		const byAddress = await submitReport(deps, { address: `ul. Zgłoszona ${building.number} m. 12, 50-002 Wrocław`, occurredAt, description: 'Pan bez identyfikatora chciał wejść' }, '203.0.113.7');
		const byPpe = await submitReport(deps, { address: `PPE ${inHome.ppe}`, occurredAt, description: 'Ktoś w kamizelce' }, '203.0.113.8');
		const nowhere = await submitReport(deps, { address: 'ul. Nieznana 1', occurredAt, description: 'Nie wiem kto to był' }, '203.0.113.9');
		const refs = [byAddress, byPpe, nowhere].map((a) => (a.kind === 'saved' ? a.reference : null));
		const api = await planner.api();
		const page = await api.plan.jobs.page({ id: inHome.id });
		expect(page.reports.map((r) => r.reference).sort()).toEqual([refs[0], refs[1]].sort());
		const list = await api.publicWatch.reports();
		expect(list.find((r) => r.reference === refs[0])?.job).toEqual({ id: inHome.id, ppe: inHome.ppe });
		expect(list.find((r) => r.reference === refs[2])?.job).toBeNull();
	});
});

describeEachDb('import of houses and every tariff group', (kind) => {
	let tdb: TestDatabase;
	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
	});
	afterAll(() => tdb?.destroy());

	const HEADER = 'ppe;numer_licznika;producent;model;ulica;numer_budynku;kod_pocztowy;miejscowosc;osiedle;klatka;lokal;lokalizacja;grupa_taryfowa;prosument;telefon';
	const row = (i: number, cells: { stairwell: string; flat: string; location: string; group: string }) =>
		[ppeWithCheckDigit(String(59054358000000000n + BigInt(i))), `${41_000_000 + i}`, 'Apator', 'A52', 'ul. Domowa', `${i}`, '55-100', 'Trzebnica', 'Domki', cells.stairwell, cells.flat, cells.location, cells.group, 'nie', ''].join(';');
	const run = async (text: string) => importMeterPoints(tdb.db, await parseCsv(text), { dryRun: false, fileName: 'domy.csv', actor: SYSTEM_ACTOR, locale: 'pl' });

	it('imports a detached house (no stairwell, no flat) and a G14dynamic point', async () => {
		const report = await run([HEADER, row(1, { stairwell: '', flat: '', location: 'mieszkanie', group: 'G14dynamic' }), row(2, { stairwell: '', flat: '', location: 'mieszkanie', group: 'c12w' }), row(3, { stairwell: 'A', flat: '3', location: 'mieszkanie', group: 'O11' })].join('\n'));
		expect(report.errors).toEqual([]);
		expect(report).toMatchObject({ committed: true, added: 3 });
		const points = await tdb.db.selectFrom('meter_points').select(['stairwell', 'flat', 'location', 'tariff_group']).orderBy('ppe').execute();
		expect(points).toEqual([
			{ stairwell: '', flat: null, location: 'in_home', tariff_group: 'G14dynamic' },
			{ stairwell: '', flat: null, location: 'in_home', tariff_group: 'C12w' },
			{ stairwell: 'A', flat: '3', location: 'in_home', tariff_group: 'O11' }
		]);
	});

	it('reports an unknown tariff group, and a stairwell meter without a stairwell, as errors of that row only', async () => {
		const report = await run([HEADER, row(10, { stairwell: '', flat: '', location: 'mieszkanie', group: 'G12r' }), row(11, { stairwell: 'B', flat: '', location: 'klatka', group: 'G15' }), row(12, { stairwell: '', flat: '', location: 'klatka', group: 'G11' })].join('\n'));
		expect(report.errors.map((e) => [e.row, e.column, e.code])).toEqual([
			[3, 'tariff_group', 'plan_import_err_tariff'],
			[4, 'stairwell', 'plan_import_err_required']
		]);
		expect(report.committed).toBe(false);
	});
});
