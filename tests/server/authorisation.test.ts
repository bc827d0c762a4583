import { afterAll, beforeAll, expect, it } from 'vitest';
import { appRouter } from '$server/trpc/router';
import type { Access } from '$server/trpc/init';
import { createServices, type Services } from '$server/services';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { outcome, seedWorld, TestClient } from './fixtures';

/**
 * Every procedure and who may call it. A procedure missing here fails the test: adding one means
 * deciding its access on purpose.
 */
const EXPECTED: Record<string, Access> = {
	'auth.me': 'public',
	'auth.signIn': 'public',
	'auth.totpEnrolStart': 'session',
	'auth.totpEnrolConfirm': 'session',
	'auth.totpVerify': 'session',
	'auth.signOut': 'session',
	'fitter.upcomingJobs': 'fitter',
	'fitter.job': 'fitter',
	'plan.overview': 'planner',
	'plan.job': 'planner',
	'plan.crews.list': 'planner',
	'plan.crews.create': 'planner',
	'plan.crews.setCalendar': 'planner',
	'plan.crews.setAnnounceArrival': 'planner',
	'plan.crews.moveFitter': 'planner',
	'plan.crews.addAbsence': 'planner',
	'plan.crews.removeAbsence': 'planner',
	'plan.crews.holidays': 'planner',
	'plan.schedule.defaults': 'planner',
	'plan.schedule.preview': 'planner',
	'plan.schedule.commit': 'planner',
	'plan.schedule.moveBlock': 'planner',
	'plan.schedule.moveJob': 'planner',
	'plan.schedule.reassignDay': 'planner',
	'plan.schedule.cancelJob': 'planner',
	'plan.jobs.page': 'planner',
	'plan.jobs.search': 'planner',
	'plan.jobs.overdue': 'planner',
	'plan.views.estates': 'planner',
	'plan.views.estate': 'planner',
	'plan.views.crewDay': 'planner',
	'plan.views.fitter': 'planner',
	'plan.views.imports': 'planner',
	'plan.stats.dashboard': 'planner',
	'plan.stats.billing': 'planner',
	'plan.stats.review': 'planner',
	'plan.messages.list': 'planner',
	'plan.messages.resend': 'planner',
	'plan.messages.effect': 'planner',
	'admin.users.list': 'admin',
	'admin.users.setDisabled': 'admin',
	'admin.users.resetTotp': 'admin',
	'admin.users.unlock': 'admin',
	'admin.sessions.list': 'admin',
	'admin.sessions.revoke': 'admin',
	'sync.push': 'fitter',
	'sync.pull': 'fitter',
	'sync.missingBlobs': 'fitter',
	'publicWatch.reports': 'planner',
	'publicWatch.lookups': 'planner',
	'workers.list': 'admin',
	'workers.detail': 'admin',
	'workers.create': 'admin',
	'workers.badgeState': 'admin',
	'workers.reissue': 'admin',
	'workers.validity': 'admin',
	'workers.rotateSecret': 'admin',
	'stock.overview': 'warehouse',
	'stock.holdings': 'warehouse',
	'stock.receive': 'warehouse',
	'stock.issue': 'warehouse',
	'stock.takeBack': 'warehouse',
	'stock.removed': 'warehouse',
	'stock.handIn': 'warehouse',
	'stock.reconciliation': 'warehouse',
	'auditTrail.list': 'admin'
};

type Caller = 'anonymous' | 'fitter' | 'planner without MFA' | 'planner' | 'warehouse' | 'admin without MFA' | 'admin';

const ALLOWED: Record<Access, Caller[]> = {
	public: ['anonymous', 'fitter', 'planner without MFA', 'planner', 'warehouse', 'admin without MFA', 'admin'],
	session: ['fitter', 'planner without MFA', 'planner', 'warehouse', 'admin without MFA', 'admin'],
	fitter: ['fitter'],
	planner: ['planner', 'admin'],
	warehouse: ['warehouse', 'admin'],
	admin: ['admin']
};

const REFUSALS = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'MFA_REQUIRED', 'SESSION_EXPIRED']);

function procedures(): Record<string, { _def: { meta?: { access?: Access }; type: string } }> {
	return (appRouter._def as unknown as { procedures: Record<string, never> }).procedures;
}

describeEachDb('authorisation matrix', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let world: Awaited<ReturnType<typeof seedWorld>>;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		services = createServices(tdb);
		world = await seedWorld(tdb.db);
		// Office users in this matrix have an authenticator enrolled.
		await tdb.db.updateTable('users').set({ totp_enabled: 1, totp_secret: 'JBSWY3DPEHPK3PXP' }).where('role', '!=', 'fitter').execute();
	});
	afterAll(() => tdb?.destroy());

	it('declares the access of every procedure as the table says', () => {
		const declared = Object.fromEntries(Object.entries(procedures()).map(([path, p]) => [path, p._def.meta?.access]));
		expect(declared).toEqual(EXPECTED);
	});

	async function clientFor(caller: Caller): Promise<TestClient> {
		const client = new TestClient(services);
		const user = {
			anonymous: null,
			fitter: world.users.fitterA,
			'planner without MFA': world.users.planner,
			planner: world.users.planner,
			warehouse: world.users.warehouse,
			'admin without MFA': world.users.admin,
			admin: world.users.admin
		}[caller];
		if (user) await client.adoptSession(tdb.db, user.id, { mfaVerified: caller === 'planner' || caller === 'warehouse' || caller === 'admin', kind: caller === 'fitter' ? 'device' : 'browser' });
		return client;
	}

	it('lets each caller reach exactly the procedures its role allows', async () => {
		const table: string[] = [];
		for (const [path, proc] of Object.entries(procedures())) {
			for (const caller of Object.keys({ anonymous: 0, fitter: 0, 'planner without MFA': 0, planner: 0, warehouse: 0, 'admin without MFA': 0, admin: 0 }) as Caller[]) {
				// A fresh session per call: signOut and TOTP steps end the session they run in.
				const api = (await (await clientFor(caller)).api()) as unknown as Record<string, unknown>;
				const fn = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], api) as (input?: unknown) => Promise<unknown>;
				// No input at all: an allowed caller gets past authorisation to validation (or success).
				const result = await outcome(fn(undefined));
				const allowed = !REFUSALS.has(result);
				const expected = ALLOWED[EXPECTED[path]!].includes(caller);
				if (allowed !== expected) table.push(`${path} as ${caller}: got ${result}, expected ${expected ? 'allowed' : 'refused'}`);
			}
		}
		expect(table).toEqual([]);
	});

	it('never shows a fitter another crew’s jobs', async () => {
		const api = await (await clientFor('fitter')).api();
		const { jobs } = await api.fitter.upcomingJobs();
		expect(jobs.map((j) => j.id).sort()).toEqual([...world.jobs.a].sort());
		for (const foreign of world.jobs.b) expect(await outcome(api.fitter.job({ id: foreign }))).toBe('NOT_FOUND');
		expect((await api.fitter.job({ id: world.jobs.a[0]! })).id).toBe(world.jobs.a[0]);
	});

	it('answers bad input with field errors, never a server error', async () => {
		const api = (await (await clientFor('admin')).api()) as unknown as { admin: { users: { setDisabled: (i: unknown) => Promise<unknown> } } };
		for (const input of [null, 42, 'x', { userId: 7 }, { userId: 'x'.repeat(10_000), disabled: true }, { userId: 'a', disabled: 'yes' }, { userId: 'a', disabled: true, extra: 1 }]) {
			expect(await outcome(api.admin.users.setDisabled(input))).toBe('VALIDATION');
		}
	});
});
