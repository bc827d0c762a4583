import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createServices, type Services } from '$server/services';
import { currentTotp } from '$server/auth/totp';
import { SESSION_COOKIE, hashToken } from '$server/auth/sessions';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { outcome, PASSWORD, seedWorld, TestClient } from './fixtures';

describeEachDb('sign-in', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let world: Awaited<ReturnType<typeof seedWorld>>;
	// Small numbers so the test walks through slow-down and lock-out quickly.
	const policy = { freeFailures: 2, lockAfter: 4, lockSeconds: 2, maxDelaySeconds: 1, ipFailuresPerHour: 1000 };

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		services = createServices(tdb, { signInPolicy: policy });
		world = await seedWorld(tdb.db);
	});
	afterAll(() => tdb?.destroy());
	beforeEach(async () => {
		await tdb.db.deleteFrom('rate_limits' as never).execute();
	});

	it('refuses a wrong password without saying whether the login exists', async () => {
		const client = new TestClient(services);
		const api = await client.api();
		expect(await outcome(api.auth.signIn({ login: 'fitter-a', password: 'nope', client: 'app' }))).toBe('INVALID_CREDENTIALS');
		expect(await outcome(api.auth.signIn({ login: 'nobody', password: 'nope', client: 'app' }))).toBe('INVALID_CREDENTIALS');
		expect(client.jar.has(SESSION_COOKIE)).toBe(false);
	});

	it('signs a fitter in with a long-lived device session and shows who is signed in', async () => {
		const client = new TestClient(services);
		const res = await (await client.api()).auth.signIn({ login: 'Fitter-A ', password: PASSWORD, client: 'app' });
		expect(res).toEqual({ next: 'done', role: 'fitter' });
		const me = await (await client.api()).auth.me();
		expect(me?.user.login).toBe('fitter-a');
		expect(me?.user.badgeNumber).toBe('AAA-AAA-AA1');
		expect(me?.session.kind).toBe('device');
		const session = await tdb.db.selectFrom('sessions').selectAll().where('id', '=', hashToken(client.jar.get(SESSION_COOKIE)!)).executeTakeFirstOrThrow();
		expect(Date.parse(session.expires_at) - Date.parse(session.created_at)).toBeGreaterThan(30 * 24 * 3600_000);
	});

	it('slows down a login after repeated failures, then locks it, then lets it in after the lock', async () => {
		const client = new TestClient(services);
		const api = await client.api();
		const attempt = (password: string) => outcome(api.auth.signIn({ login: 'fitter-b', password, client: 'app' }));
		expect(await attempt('bad1')).toBe('INVALID_CREDENTIALS');
		expect(await attempt('bad2')).toBe('INVALID_CREDENTIALS');
		expect(await attempt('bad3')).toBe('INVALID_CREDENTIALS');
		// Past the free failures, even the right password must wait.
		expect(await attempt(PASSWORD)).toBe('THROTTLED');
		await new Promise((r) => setTimeout(r, 1100));
		expect(await attempt('bad4')).toBe('LOCKED');
		expect(await attempt(PASSWORD)).toBe('LOCKED');
		await new Promise((r) => setTimeout(r, 2100));
		expect(await attempt(PASSWORD)).toBe('OK');
	});

	it('shares the failure counters through the database between server instances', async () => {
		const other = createServices(tdb, { signInPolicy: { ...policy, freeFailures: 10 } });
		const viaFirst = await new TestClient(services).api();
		const viaSecond = await new TestClient(other).api();
		for (let i = 0; i < 2; i++) await outcome(viaFirst.auth.signIn({ login: 'planner', password: 'bad', client: 'plan' }));
		for (let i = 0; i < 2; i++) await outcome(viaSecond.auth.signIn({ login: 'planner', password: 'bad', client: 'plan' }));
		expect(await outcome(viaFirst.auth.signIn({ login: 'planner', password: PASSWORD, client: 'plan' }))).toBe('LOCKED');
	});

	it('requires planners to enrol and use TOTP before any planner procedure, and refuses a replayed code', async () => {
		const client = new TestClient(services);
		const first = await (await client.api()).auth.signIn({ login: 'planner', password: PASSWORD, client: 'plan' });
		expect(first.next).toBe('totp_enrol');
		expect(await outcome((await client.api()).plan.overview())).toBe('MFA_REQUIRED');
		const { secret, uri, qrSvg } = await (await client.api()).auth.totpEnrolStart();
		expect(uri).toMatch(/^otpauth:\/\/totp\//);
		expect(qrSvg).toContain('<svg');
		expect(await outcome((await client.api()).auth.totpEnrolConfirm({ code: '000000' === currentTotp(secret) ? '111111' : '000000' }))).toBe('TOTP_INVALID');
		const code = currentTotp(secret);
		expect(await outcome((await client.api()).auth.totpEnrolConfirm({ code }))).toBe('OK');
		expect(await outcome((await client.api()).plan.overview())).toBe('OK');

		// Next sign-in: the second step is a code, and the code just used cannot be used again.
		await (await client.api()).auth.signOut();
		const second = await (await client.api()).auth.signIn({ login: 'planner', password: PASSWORD, client: 'plan' });
		expect(second.next).toBe('totp');
		expect(await outcome((await client.api()).auth.totpVerify({ code }))).toBe('TOTP_INVALID');
		expect(await outcome((await client.api()).plan.overview())).toBe('MFA_REQUIRED');
		const nextCode = currentTotp(secret, Date.now() + 30_000);
		expect(await outcome((await client.api()).auth.totpVerify({ code: nextCode }))).toBe('OK');
		expect(await outcome((await client.api()).plan.overview())).toBe('OK');
	});

	it('rejects a malformed TOTP code as a field error, not a server error', async () => {
		const client = await new TestClient(services).adoptSession(tdb.db, world.users.admin.id);
		try {
			await (await client.api()).auth.totpVerify({ code: '12ab' });
			expect.unreachable();
		} catch (e) {
			const { errorData } = await import('$server/trpc/errors');
			const data = errorData(e as never, 'pl', 't');
			expect(data.appCode).toBe('VALIDATION');
			expect(data.fieldErrors.code).toEqual(['Kod ma 6 cyfr.']);
		}
	});

	it('treats an expired session as signed out and says it expired', async () => {
		const client = await new TestClient(services).adoptSession(tdb.db, world.users.fitterA.id, { kind: 'device' });
		expect(await outcome((await client.api()).fitter.upcomingJobs())).toBe('OK');
		await tdb.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', hashToken(client.jar.get(SESSION_COOKIE)!)).execute();
		expect(await outcome((await client.api()).fitter.upcomingJobs())).toBe('SESSION_EXPIRED');
		expect(await (await client.api()).auth.me()).toBeNull();
	});

	it('ends the session on sign-out; the old cookie no longer works', async () => {
		const client = new TestClient(services);
		await (await client.api()).auth.signIn({ login: 'fitter-a', password: PASSWORD, client: 'app' });
		const token = client.jar.get(SESSION_COOKIE)!;
		await (await client.api()).auth.signOut();
		expect(client.jar.has(SESSION_COOKIE)).toBe(false);
		client.jar.set(SESSION_COOKIE, token);
		expect(await outcome((await client.api()).fitter.upcomingJobs())).toBe('UNAUTHORIZED');
	});

	it('writes sign-ins and failures to the append-only audit log', async () => {
		const rows = await tdb.db.selectFrom('audit_log').select(['action']).execute();
		const actions = new Set(rows.map((r) => r.action));
		expect(actions.has('sign-in')).toBe(true);
		expect(actions.has('sign-in-failed')).toBe(true);
		expect(actions.has('totp-enrolled')).toBe(true);
	});
});
