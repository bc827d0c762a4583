import { errorData } from '$server/trpc/errors';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { checkBadgeNumber } from '$lib/domain/badge';
import { addDaysToDate, warsawDate, warsawInstant } from '$lib/domain/time';
import { scheduledAt, verifyBadge, type PublicDeps } from '$server/badges/badges.service';
import { createPublicLimiters } from '$server/public/limits';
import { createServices, type Services } from '$server/services';
import { setPortrait } from '$server/workers/workers.service';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { outcome, seedWorld, TestClient } from './fixtures';

const ROOMY = { verifyPerIp: 1000, verifyPerBadge: 1000, addressPerIp: 1000, reportsPerIp: 1000, identifyPerIp: 1000, windowSeconds: 600 };

function png(width: number, height: number): Uint8Array {
	const image = new PNG({ width, height });
	image.data.fill(200);
	return new Uint8Array(PNG.sync.write(image));
}

describeEachDb('workers and badges (admin)', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let deps: PublicDeps;
	let world: Awaited<ReturnType<typeof seedWorld>>;
	let admin: TestClient;
	let planner: TestClient;
	let ip = 0;
	const today = warsawDate();

	const verify = async (badge: string, now?: Date) => {
		const answer = await verifyBadge(deps, { badge, source: 'form', ip: `198.51.100.${++ip % 250}`, now });
		return answer.kind === 'badge' ? answer.badge.status : answer.kind === 'invalid' ? answer.reason : answer.kind;
	};
	const auditOf = (workerId: string) =>
		tdb.db.selectFrom('audit_log').select(['action', 'changes', 'user_id']).where('entity_id', '=', workerId).orderBy('id').execute();

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		services = createServices(tdb);
		deps = { db: tdb.db, limits: createPublicLimiters(services.limiters, ROOMY) };
		world = await seedWorld(tdb.db);
		await tdb.db.updateTable('users').set({ totp_enabled: 1, totp_secret: 'JBSWY3DPEHPK3PXP' }).where('role', '!=', 'fitter').execute();
		admin = await new TestClient(services).adoptSession(tdb.db, world.users.admin.id, { mfaVerified: true });
		planner = await new TestClient(services).adoptSession(tdb.db, world.users.planner.id, { mfaVerified: true });
	});
	afterAll(() => tdb?.destroy());

	async function newFitter(login: string) {
		return (await admin.api()).workers.create({
			login, password: 'a long enough password', role: 'fitter', firstName: 'Anna', lastName: 'Nowak', company: 'Montaż Sp. z o.o.',
			crewId: world.crews.a, validFrom: today, validUntil: addDaysToDate(today, 365)
		});
	}

	it('creates a fitter with a random badge number whose check character fits, valid on /verify', async () => {
		const created = await newFitter('anna.nowak');
		expect(checkBadgeNumber(created.badgeNumber!)).toEqual({ ok: true, badgeNumber: created.badgeNumber });
		expect(await verify(created.badgeNumber!)).toBe('valid');
		const list = await (await admin.api()).workers.list({ search: 'nowak' });
		expect(list.workers.map((w) => [w.login, w.state, w.crewId])).toEqual([['anna.nowak', 'valid', world.crews.a]]);
		expect((await auditOf(created.userId)).map((a) => a.action)).toEqual(['account-create']);
	});

	it('takes a badge through valid → suspended → valid → revoked → reissued as a resident sees it', async () => {
		const { workerId, badgeNumber } = await newFitter('lifecycle');
		const api = await admin.api();
		await api.workers.badgeState({ workerId: workerId!, action: 'suspend', reason: 'postępowanie wyjaśniające' });
		expect(await verify(badgeNumber!)).toBe('suspended');
		await api.workers.badgeState({ workerId: workerId!, action: 'reinstate', reason: null });
		expect(await verify(badgeNumber!)).toBe('valid');
		await api.workers.badgeState({ workerId: workerId!, action: 'revoke', reason: 'zgubiony' });
		expect(await verify(badgeNumber!)).toBe('revoked');
		// Revoked is for good: it cannot be reinstated, only replaced by a new number.
		expect(await outcome(api.workers.badgeState({ workerId: workerId!, action: 'reinstate', reason: null }))).toBe('VALIDATION');
		const { badgeNumber: renewed } = await api.workers.reissue({ workerId: workerId!, reason: 'zgubiony identyfikator', validUntil: addDaysToDate(today, 200) });
		expect(renewed).not.toBe(badgeNumber);
		expect(await verify(renewed)).toBe('valid');
		// The old number still reads as revoked, with the worker's name (so the resident can tell the office who it was).
		expect(await verify(badgeNumber!)).toBe('revoked');
		const old = await verifyBadge(deps, { badge: badgeNumber!, source: 'form', ip: '198.51.100.254' });
		expect(old.kind === 'badge' && [old.badge.badgeNumber, old.badge.lastName, old.live]).toEqual([badgeNumber, 'Nowak', null]);
		// Each look-up of the old number is logged against the worker, as revoked, for the planners' watch.
		const logged = await tdb.db.selectFrom('badge_lookups').select(['outcome']).where('worker_id', '=', workerId!).where('badge_input', '=', badgeNumber!.replace(/-/g, '')).execute();
		expect(logged.map((l) => l.outcome)).toContain('revoked');
		// … and flagged to planners: someone is showing the old card. The new number is not flagged.
		const watch = await (await planner.api()).publicWatch.lookups();
		expect(watch.revoked.filter((r) => r.workerId === workerId)).toEqual([
			expect.objectContaining({ badgeNumber, currentBadge: renewed, reason: 'zgubiony identyfikator', last24h: 3, last7d: 3 })
		]);

		const trail = await auditOf(workerId!);
		expect(trail.map((a) => a.action)).toEqual(['badge-suspend', 'badge-reinstate', 'badge-revoke', 'badge-reissue']);
		expect(JSON.parse(trail[0]!.changes!).status).toEqual(['active', 'suspended']);
		expect(JSON.parse(trail[3]!.changes!).badge_number).toEqual([badgeNumber, renewed]);
		expect(trail.every((a) => a.user_id === world.users.admin.id)).toBe(true);
	});

	it('lets a badge expire at midnight in Warsaw, not in UTC', async () => {
		const { workerId, badgeNumber } = await newFitter('expiring');
		await (await admin.api()).workers.validity({ workerId: workerId!, validFrom: today, validUntil: addDaysToDate(today, 1) });
		const lastDay = addDaysToDate(today, 1);
		// 23:30 in Warsaw on the last day (UTC is an hour or two behind): still valid.
		expect(await verify(badgeNumber!, new Date(`${lastDay}T21:30:00Z`))).toBe('valid');
		// 00:30 in Warsaw the next day (still the last day in UTC): expired.
		expect(await verify(badgeNumber!, new Date(`${lastDay}T23:30:00Z`))).toBe('expired');
	});

	it('does not read valid before its first day, on /verify nor in "scheduled here", and turns valid at midnight in Warsaw', async () => {
		const tomorrow = addDaysToDate(today, 1);
		const { workerId, badgeNumber } = await (await admin.api()).workers.create({
			login: 'starting', password: 'a long enough password', role: 'fitter', firstName: 'Ewa', lastName: 'Lis', company: 'Montaż Sp. z o.o.',
			crewId: world.crews.a, validFrom: tomorrow, validUntil: addDaysToDate(today, 90)
		});
		// Crew A has a visit with a time window today and tomorrow at Testowa 1.
		for (const [job, day] of [[world.jobs.a[0]!, today], [world.jobs.a[1]!, tomorrow]] as const) {
			await tdb.db.updateTable('jobs').set({ window_start: warsawInstant(day, '08:00').toISOString(), window_end: warsawInstant(day, '12:00').toISOString() }).where('id', '=', job).execute();
		}
		const lastMomentBefore = new Date(warsawInstant(tomorrow, '00:00').getTime() - 1);
		const firstMoment = warsawInstant(tomorrow, '00:00');
		const before = await verifyBadge(deps, { badge: badgeNumber!, source: 'form', ip: '198.51.100.240', now: lastMomentBefore });
		expect(before.kind === 'badge' && [before.badge.status, before.badge.validFrom, before.live]).toEqual(['not_yet_valid', tomorrow, null]);
		expect(await verify(badgeNumber!, firstMoment)).toBe('valid');
		const here = (now: Date) => scheduledAt(deps, { badge: badgeNumber!, street: 'Testowa', number: '1', ip: '198.51.100.241', now });
		expect(await here(warsawInstant(today, '09:00'))).toEqual({ kind: 'badge_not_valid' });
		expect(await here(warsawInstant(tomorrow, '09:00'))).toMatchObject({ kind: 'yes' });
		// The look-up is logged as what the resident was told, for the planners' watch.
		const logged = await tdb.db.selectFrom('badge_lookups').select('outcome').where('worker_id', '=', workerId!).orderBy('at').execute();
		expect(logged.map((l) => l.outcome)).toEqual(['not_yet_valid', 'not_yet_valid', 'valid', 'valid']);
		const listed = (await (await admin.api()).workers.list({ search: 'starting' })).workers[0];
		expect(listed?.state).toBe('not_yet_valid');
	});

	it('refuses an expiry date in the past on its field, and stores nothing', async () => {
		const api = await admin.api();
		const before = await tdb.db.selectFrom('users').select('id').execute();
		let fields: Record<string, string[]> = {};
		try {
			await api.workers.create({
				login: 'past', password: 'a long enough password', role: 'fitter', firstName: 'A', lastName: 'B', company: 'C', crewId: null,
				validFrom: addDaysToDate(today, -30), validUntil: addDaysToDate(today, -1)
			});
		} catch (e) {
			fields = (e as { cause?: { fieldErrors?: Record<string, string[]> } }).cause?.fieldErrors ?? {};
		}
		expect(fields.validUntil?.[0]).toMatch(/przeszłości/);
		expect(await tdb.db.selectFrom('users').select('id').execute()).toHaveLength(before.length);
	});

	it('refuses a name or company with invisible or direction-changing characters, which would make the badge read otherwise', async () => {
		const api = await admin.api();
		const before = await tdb.db.selectFrom('users').select('id').execute();
		for (const [field, value] of [['lastName', 'Nowak\u202Ekcalb'], ['firstName', 'An\u200Bna'], ['company', 'Montaż\u0007 Sp. z o.o.']] as const) {
			let fields: Record<string, string[]> = {};
			try {
				await api.workers.create({
					login: 'hidden', password: 'a long enough password', role: 'fitter', firstName: 'Anna', lastName: 'Nowak', company: 'Montaż', crewId: null,
					validFrom: today, validUntil: addDaysToDate(today, 30), [field]: value
				});
			} catch (e) {
				// As the console shows it: the field's message in Polish.
				fields = errorData(e as never, 'pl', 't').fieldErrors;
			}
			expect(fields).toMatchObject({ [field]: [expect.stringMatching(/niewidoczne lub sterujące/)] });
		}
		expect(await tdb.db.selectFrom('users').select('id').execute()).toHaveLength(before.length);
	});

	it('stores a portrait as a blob shown on /verify, and refuses what is not an image or is too big', async () => {
		const { workerId, badgeNumber } = await newFitter('portrait');
		const actor = { userId: world.users.admin.id, sessionKind: 'browser' as const, device: null, ip: null };
		const { sha256 } = await setPortrait(tdb.db, actor, { workerId: workerId!, contentType: 'image/png', bytes: png(300, 400) }, 'pl');
		const shown = await verifyBadge(deps, { badge: badgeNumber!, source: 'form', ip: '198.51.100.253' });
		expect(shown.kind === 'badge' && shown.badge.photoSha256).toBe(sha256);
		const pdf = new TextEncoder().encode('%PDF-1.4 not a photo at all, just pretending to be one');
		const refusedNotImage = setPortrait(tdb.db, actor, { workerId: workerId!, contentType: 'image/jpeg', bytes: pdf }, 'pl');
		await expect(refusedNotImage).rejects.toMatchObject({ fieldErrors: { portrait: ['To nie jest zdjęcie JPEG ani PNG.'] } });
		const huge = new Uint8Array(30_000_000);
		huge.set(png(300, 400));
		await expect(setPortrait(tdb.db, actor, { workerId: workerId!, contentType: 'image/png', bytes: huge }, 'pl')).rejects.toMatchObject({
			fieldErrors: { portrait: [expect.stringMatching(/za duże/)] }
		});
		const worker = await tdb.db.selectFrom('workers').select('photo_sha256').where('id', '=', workerId!).executeTakeFirstOrThrow();
		expect(worker.photo_sha256).toBe(sha256);
	});

	it('rotates the live-code secret and sends the new one to the fitter’s tablet at its next pull', async () => {
		const before = await tdb.db.selectFrom('workers').select('code_secret').where('id', '=', world.workers.a).executeTakeFirstOrThrow();
		await (await admin.api()).workers.rotateSecret({ workerId: world.workers.a });
		const after = await tdb.db.selectFrom('workers').select('code_secret').where('id', '=', world.workers.a).executeTakeFirstOrThrow();
		expect(after.code_secret).not.toBe(before.code_secret);
		const change = await tdb.db.selectFrom('change_log').select(['data', 'user_id']).where('entity', '=', 'profile').orderBy('seq', 'desc').executeTakeFirstOrThrow();
		expect([change.user_id, JSON.parse(change.data!).codeSecret]).toEqual([world.users.fitterA.id, after.code_secret]);
	});

	describe('disabled account', () => {
		beforeEach(async () => {
			await tdb.db.updateTable('users').set({ disabled: 0 }).where('id', '=', world.users.fitterB.id).execute();
		});

		it('ends the fitter’s sessions; enabling again does not revive a revoked badge', async () => {
			const fitter = await new TestClient(services).adoptSession(tdb.db, world.users.fitterB.id, { kind: 'device' });
			expect(await outcome((await fitter.api()).fitter.upcomingJobs())).toBe('OK');
			const api = await admin.api();
			await api.admin.users.setDisabled({ userId: world.users.fitterB.id, disabled: true });
			expect(await outcome((await fitter.api()).fitter.upcomingJobs())).not.toBe('OK');
			await api.workers.badgeState({ workerId: world.workers.b, action: 'revoke', reason: 'odszedł z firmy' });
			await api.admin.users.setDisabled({ userId: world.users.fitterB.id, disabled: false });
			const status = await tdb.db.selectFrom('workers').select('status').where('id', '=', world.workers.b).executeTakeFirstOrThrow();
			expect(status.status).toBe('revoked');
			const trail = await tdb.db.selectFrom('audit_log').select(['action', 'changes']).where('entity_id', '=', world.users.fitterB.id).orderBy('id').execute();
			expect(trail.map((a) => [a.action, JSON.parse(a.changes!).disabled])).toEqual([
				['user-disabled', [false, true]],
				['user-enabled', [true, false]]
			]);
		});
	});

	it('is for admins only', async () => {
		expect(await outcome((await planner.api()).workers.list())).toBe('FORBIDDEN');
		expect(await outcome((await planner.api()).workers.rotateSecret({ workerId: world.workers.a }))).toBe('FORBIDDEN');
	});
});
