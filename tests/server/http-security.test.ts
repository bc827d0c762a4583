import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ppeWithCheckDigit } from '$lib/domain/ppe';
import { addDaysToDate, warsawDate } from '$lib/domain/time';
import { createSession, SESSION_COOKIE } from '$server/auth/sessions';
import { MAX_BATCH_CALLS } from '$server/trpc/batch-policy';
import { newId, nowIso } from '$server/util/ids';
import { AppProcess, freePort } from '../support/app-process';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { PASSWORD, seedWorld } from './fixtures';

const routesDir = resolve(import.meta.dirname, '../../src/routes');

/**
 * Every state-changing endpoint in src/routes, read from the files themselves: `+server.ts` files
 * exporting POST/PUT/PATCH/DELETE and `+page.server.ts` files with form actions. A new endpoint is
 * in this list the day it is written, so it cannot miss the origin check below.
 */
function mutatingRoutes(): Array<{ path: string; method: string; file: string }> {
	const out: Array<{ path: string; method: string; file: string }> = [];
	const walk = (dir: string) => {
		for (const name of readdirSync(dir)) {
			const full = join(dir, name);
			if (statSync(full).isDirectory()) {
				walk(full);
				continue;
			}
			const source = readFileSync(full, 'utf8');
			const path =
				'/' +
				relative(routesDir, dir)
					.split('/')
					.filter((s) => s && !/^\(.*\)$/.test(s))
					.map((s) => (s.startsWith('[') ? 'x' : s))
					.join('/');
			if (name === '+server.ts') {
				for (const m of source.matchAll(/export\s+(?:const|async\s+function|function)\s+(POST|PUT|PATCH|DELETE)\b/g)) out.push({ path, method: m[1]!, file: relative(routesDir, full) });
			} else if (name === '+page.server.ts' && /export\s+const\s+actions\b/.test(source)) {
				out.push({ path, method: 'POST', file: relative(routesDir, full) });
			}
		}
	};
	walk(routesDir);
	return out;
}

const CROSS_SITE = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };

describeEachDb('every state-changing route and the API edge, over HTTP', (kind) => {
	let tdb: TestDatabase;
	let world: Awaited<ReturnType<typeof seedWorld>>;
	let apps: AppProcess[];
	let plannerCookie: string;
	let fitterCookie: string;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		world = await seedWorld(tdb.db);
		await tdb.db.updateTable('users').set({ totp_enabled: 1, totp_secret: 'JBSWY3DPEHPK3PXP' }).where('role', '!=', 'fitter').execute();
		plannerCookie = `${SESSION_COOKIE}=${(await createSession(tdb.db, { userId: world.users.planner.id, kind: 'browser', mfaVerified: true, userAgent: 'test' })).token}`;
		fitterCookie = `${SESSION_COOKIE}=${(await createSession(tdb.db, { userId: world.users.fitterA.id, kind: 'device', mfaVerified: false, userAgent: 'test' })).token}`;
		// A crew with a full fortnight of work, so a tablet's first pull is a real read.
		const at = nowIso();
		const building = (await tdb.db.selectFrom('buildings').select('id').executeTakeFirstOrThrow()).id;
		const points = [];
		const jobs = [];
		for (let i = 0; i < 3000; i++) {
			const id = newId();
			points.push({ id, ppe: ppeWithCheckDigit(String(59054388000000000n + BigInt(i))), building_id: building, stairwell: 'III', flat: String(i), location: 'stairwell' as const, tariff_group: 'G11', prosumer: 0 as const, resident_phone: null, created_at: at, updated_at: at });
			jobs.push({ id: newId(), meter_point_id: id, crew_id: world.crews.a, planned_date: addDaysToDate(warsawDate(), i % 14), window_start: null, window_end: null, sequence: i, status: 'planned' as const, attempt: 1, created_at: at, updated_at: at });
		}
		for (let i = 0; i < points.length; i += 500) {
			await tdb.db.insertInto('meter_points').values(points.slice(i, i + 500)).execute();
			await tdb.db.insertInto('jobs').values(jobs.slice(i, i + 500)).execute();
		}
		apps = [];
		for (let i = 0; i < (kind === 'postgres' ? 2 : 1); i++) {
			const port = await freePort();
			const app = new AppProcess(port, { DATABASE_URL: tdb.url, WYMIANA_DEMO: '0', WYMIANA_HES: 'off', ORIGIN: `http://127.0.0.1:${port}` });
			await app.start();
			apps.push(app);
		}
	}, 180_000);
	afterAll(async () => {
		for (const app of apps ?? []) await app.stop();
		await tdb?.destroy();
	});

	const count = async (table: 'estates' | 'meter_points' | 'audit_log') => Number((await tdb.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

	it('refuses a foreign-origin request to every state-changing route, even with a planner signed in', async () => {
		const routes = mutatingRoutes();
		// The walk finds the endpoints we know of (and any added later).
		for (const known of ['/plan/api/import', '/api/trpc/x', '/api/blobs/x', '/zgloszenie', '/verify/adres', '/harmonogram/wizyta']) {
			expect(routes.map((r) => r.path), known).toContain(known);
		}
		const app = apps[0]!;
		for (const route of routes) {
			const res = await fetch(`${app.url}${route.path}`, { method: route.method, headers: { ...CROSS_SITE, cookie: plannerCookie, 'content-type': 'text/plain' }, body: 'x' });
			expect(res.status, `${route.method} ${route.path} (${route.file})`).toBe(403);
			// Ours, or SvelteKit's own check of form content types, which runs before the hooks.
			expect(await res.text()).toMatch(/cross-site request refused|Cross-site \w+ form submissions are forbidden/);
			// The same request from our own pages gets past the checks (whatever the route then says).
			const own = await fetch(`${app.url}${route.path}`, { method: route.method, headers: { origin: app.url, cookie: plannerCookie, 'content-type': 'text/plain' }, body: 'x' });
			expect(await own.text(), `${route.method} ${route.path}`).not.toMatch(/cross-site/i);
			// A JSON body is not a form: SvelteKit does not check it, ours does.
			const json = await fetch(`${app.url}${route.path}`, { method: route.method, headers: { ...CROSS_SITE, cookie: plannerCookie, 'content-type': 'application/json' }, body: '{}' });
			expect(json.status, `${route.method} ${route.path} as JSON`).toBe(403);
			expect(await json.text()).toContain('cross-site request refused');
		}
	});

	it('commits nothing from a cross-site CSV upload with a planner cookie', async () => {
		const [estates, points] = [await count('estates'), await count('meter_points')];
		const csv = readFileSync(resolve(import.meta.dirname, '../../static/samples/punkty-poboru-przyklad.csv'));
		const res = await fetch(`${apps[0]!.url}/plan/api/import?mode=commit`, { method: 'POST', headers: { ...CROSS_SITE, cookie: plannerCookie, 'content-type': 'text/csv' }, body: csv });
		expect(res.status).toBe(403);
		expect([await count('estates'), await count('meter_points')]).toEqual([estates, points]);
		// The same upload from the console itself is accepted (so the refusal above was the origin check).
		const ok = await fetch(`${apps[0]!.url}/plan/api/import?mode=check`, { method: 'POST', headers: { origin: apps[0]!.url, cookie: plannerCookie, 'content-type': 'text/csv' }, body: csv });
		expect(ok.status).toBe(200);
	});

	it('refuses a batch over the cap with a clear 400 before running any call, and accepts one at the cap', async () => {
		const app = apps[0]!;
		const batch = (n: number) => `${app.url}/api/trpc/${Array(n).fill('auth.me').join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify({}))}`;
		const over = await fetch(batch(MAX_BATCH_CALLS + 1));
		expect(over.status).toBe(400);
		const body = (await over.json()) as { error: { message: string; data: { appCode: string } } };
		expect(body.error.data.appCode).toBe('BATCH_TOO_LARGE');
		expect(body.error.message).toContain(`najwyżej ${MAX_BATCH_CALLS}`);
		expect((await fetch(batch(MAX_BATCH_CALLS))).status).toBe(200);
	});

	it('never batches sign-in or second-factor calls: such a batch is refused before any password is checked', async () => {
		const app = apps[0]!;
		const audits = await count('audit_log');
		for (const proc of ['auth.signIn', 'auth.totpVerify', 'auth.totpEnrolConfirm']) {
			const inputs = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [String(i), proc === 'auth.signIn' ? { login: 'fitter-b', password: `wrong-${i}`, client: 'app' } : { code: '123456' }]));
			const res = await fetch(`${app.url}/api/trpc/${Array(3).fill(proc).join(',')}?batch=1`, {
				method: 'POST',
				headers: { origin: app.url, 'content-type': 'application/json', cookie: plannerCookie },
				body: JSON.stringify(inputs)
			});
			expect(res.status, proc).toBe(400);
			expect(((await res.json()) as { error: { data: { appCode: string } } }).error.data.appCode).toBe('NOT_BATCHABLE');
		}
		expect(await count('audit_log')).toBe(audits);
	});

	it(`checks no more passwords than the lock allows when 31 requests arrive in parallel${kind === 'postgres' ? ' at two instances' : ''}`, async () => {
		const signIn = async (i: number, password: string) => {
			const app = apps[i % apps.length]!;
			const res = await fetch(`${app.url}/api/trpc/auth.signIn`, {
				method: 'POST',
				headers: { origin: app.url, 'content-type': 'application/json' },
				body: JSON.stringify({ login: 'fitter-b', password, client: 'app' })
			});
			if (res.ok) return 'OK';
			return ((await res.json()) as { error: { data: { appCode: string } } }).error.data.appCode;
		};
		const answers = await Promise.all(Array.from({ length: 31 }, (_, i) => signIn(i, `wrong-${i}`)));
		expect(answers.filter((a) => a === 'INVALID_CREDENTIALS').length).toBeLessThanOrEqual(10);
		expect(answers.filter((a) => !['INVALID_CREDENTIALS', 'LOCKED', 'THROTTLED'].includes(a))).toEqual([]);
		for (let i = 0; i < apps.length; i++) expect(await signIn(i, PASSWORD)).toBe('LOCKED');
	});

	it('serves a fortnight of 3,000 jobs as one pull on its own, and refuses pulls batched together', async () => {
		const app = apps[0]!;
		const pull = (n: number) => {
			const inputs = Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), { clientId: uuidv7(), cursor: null }]));
			return fetch(`${app.url}/api/trpc/${Array(n).fill('sync.pull').join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`, { headers: { cookie: fitterCookie } });
		};
		const batched = await pull(3);
		expect(batched.status).toBe(400);
		expect(((await batched.json()) as { error: { data: { appCode: string } } }).error.data.appCode).toBe('NOT_BATCHABLE');
		// Read in steps on SQLite (no long transaction), and still whole.
		const [heavy, health] = await Promise.all([pull(1), fetch(`${app.url}/healthz`)]);
		expect(heavy.status).toBe(200);
		expect(health.status).toBe(200);
		const [result] = (await heavy.json()) as Array<{ result: { data: { changes: Array<{ entity: string }> } } }>;
		expect(result!.result.data.changes.filter((c) => c.entity === 'job').length).toBeGreaterThanOrEqual(3000);
	});
});
