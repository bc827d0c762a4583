import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createServices, type Services } from '$server/services';
import { currentTotp } from '$server/auth/totp';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { outcome, PASSWORD, seedWorld, TestClient } from './fixtures';

/**
 * The limits hold however the attempts arrive: all at once (as the calls of one tRPC batch run, or
 * parallel requests), spread over two server instances, or one after another.
 */
describeEachDb('sign-in and second-factor limits under concurrency', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let other: Services;
	let world: Awaited<ReturnType<typeof seedWorld>>;
	const policy = { freeFailures: 3, lockAfter: 10, lockSeconds: 60, maxDelaySeconds: 60, ipFailuresPerHour: 10_000, totpPerSession: 5, totpPerUser: 10 };
	const SECRET = 'JBSWY3DPEHPK3PXP';

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		services = createServices(tdb, { signInPolicy: policy });
		other = createServices(tdb, { signInPolicy: policy });
		world = await seedWorld(tdb.db);
		await tdb.db.updateTable('users').set({ totp_enabled: 1, totp_secret: SECRET, totp_last_step: null }).where('role', '!=', 'fitter').execute();
	});
	afterAll(() => tdb?.destroy());
	beforeEach(async () => {
		await tdb.db.deleteFrom('rate_limits' as never).execute();
		await tdb.db.updateTable('users').set({ totp_last_step: null }).execute();
	});

	const signIn = (s: Services, password: string, login = 'fitter-a') =>
		outcome(new TestClient(s).api().then((api) => api.auth.signIn({ login, password, client: 'app' })));

	it('lets no more passwords be checked than the lock allows when 200 arrive at once, and the right one last is refused', async () => {
		const answers = await Promise.all([...Array.from({ length: 199 }, (_, i) => signIn(services, `wrong-${i}`)), signIn(services, PASSWORD)]);
		const checked = answers.filter((a) => a === 'INVALID_CREDENTIALS' || a === 'OK').length;
		expect(checked).toBeLessThanOrEqual(policy.lockAfter);
		expect(answers.filter((a) => !['INVALID_CREDENTIALS', 'OK', 'LOCKED', 'THROTTLED'].includes(a))).toEqual([]);
		// However the race went, the login is locked now, even for the right password.
		expect(await signIn(services, PASSWORD)).toBe('LOCKED');
		const failures = await tdb.db.selectFrom('audit_log').select('id').where('action', '=', 'sign-in-failed').execute();
		expect(failures.length).toBeLessThanOrEqual(policy.lockAfter);
	});

	it('counts attempts on two instances as one', async () => {
		const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => signIn(i % 2 ? other : services, `wrong-${i}`, 'fitter-b')));
		expect(answers.filter((a) => a === 'INVALID_CREDENTIALS').length).toBeLessThanOrEqual(policy.lockAfter);
		expect(await signIn(other, PASSWORD, 'fitter-b')).toBe('LOCKED');
		expect(await signIn(services, PASSWORD, 'fitter-b')).toBe('LOCKED');
	});

	it('answers a locked login LOCKED without checking the password, and an administrator can unlock it', async () => {
		for (let i = 0; i < policy.lockAfter; i++) await signIn(services, 'wrong', 'planner').then((a) => expect(['INVALID_CREDENTIALS', 'THROTTLED', 'LOCKED']).toContain(a));
		expect(await signIn(services, PASSWORD, 'planner')).toBe('LOCKED');
		const admin = await new TestClient(services).adoptSession(tdb.db, world.users.admin.id, { mfaVerified: true });
		await (await admin.api()).admin.users.unlock({ userId: world.users.planner.id });
		expect(await signIn(services, PASSWORD, 'planner')).toBe('OK');
		const unlocked = await tdb.db.selectFrom('audit_log').select('entity_id').where('action', '=', 'user-unlocked').execute();
		expect(unlocked.map((r) => r.entity_id)).toContain(world.users.planner.id);
	});

	it('checks at most the per-session number of second-factor codes when 200 arrive at once, the right one last included', async () => {
		const client = await new TestClient(services).adoptSession(tdb.db, world.users.planner.id);
		const right = currentTotp(SECRET);
		const wrong = (i: number) => String((Number(right) + 1 + i * 7919) % 1_000_000).padStart(6, '0');
		const api = await client.api();
		const answers = await Promise.all([...Array.from({ length: 199 }, (_, i) => outcome(api.auth.totpVerify({ code: wrong(i) }))), outcome(api.auth.totpVerify({ code: right }))]);
		expect(answers.filter((a) => a === 'TOTP_INVALID' || a === 'OK').length).toBeLessThanOrEqual(policy.totpPerSession);
		expect(answers.at(-1)).toBe('LOCKED');
		expect(await outcome((await client.api()).auth.totpVerify({ code: right }))).toBe('LOCKED');
	});

	it('locks the second factor per user across fresh sessions on two instances', async () => {
		const right = currentTotp(SECRET);
		const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');
		const answers: string[] = [];
		for (let s = 0; s < 4; s++) {
			const client = await new TestClient(s % 2 ? other : services).adoptSession(tdb.db, world.users.admin.id);
			const api = await client.api();
			answers.push(...(await Promise.all(Array.from({ length: policy.totpPerSession }, () => outcome(api.auth.totpVerify({ code: wrong }))))));
		}
		expect(answers.filter((a) => a === 'TOTP_INVALID').length).toBeLessThanOrEqual(policy.totpPerUser);
		const fresh = await new TestClient(services).adoptSession(tdb.db, world.users.admin.id);
		expect(await outcome((await fresh.api()).auth.totpVerify({ code: right }))).toBe('LOCKED');
	});

	it('refuses an accepted code a second time, also in a race between two sessions', async () => {
		const code = currentTotp(SECRET);
		const one = await new TestClient(services).adoptSession(tdb.db, world.users.planner.id);
		const two = await new TestClient(other).adoptSession(tdb.db, world.users.planner.id);
		const answers = await Promise.all([outcome((await one.api()).auth.totpVerify({ code })), outcome((await two.api()).auth.totpVerify({ code }))]);
		expect(answers.sort()).toEqual(['OK', 'TOTP_INVALID']);
		const three = await new TestClient(services).adoptSession(tdb.db, world.users.planner.id);
		expect(await outcome((await three.api()).auth.totpVerify({ code }))).toBe('TOTP_INVALID');
	});
});
