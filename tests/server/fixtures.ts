import { TRPCError } from '@trpc/server';
import type { Kysely } from 'kysely';
import { errorData } from '$server/trpc/errors';
import type { DB, Role } from '$server/db/schema';
import { hashPassword } from '$server/auth/password';
import { createSession, lookupSession, SESSION_COOKIE } from '$server/auth/sessions';
import { newTotpSecret } from '$server/auth/totp';
import { ppeWithCheckDigit } from '$lib/domain/ppe';
import { addDaysToDate, warsawDate } from '$lib/domain/time';
import { createCaller } from '$server/trpc/router';
import { createServices } from '$server/services';
import type { TestDatabase } from './harness';
import type { Context } from '$server/trpc/context';
import type { Services } from '$server/services';
import { newId, nowIso } from '$server/util/ids';

export const PASSWORD = 'correct horse battery';

/** A small world: two crews with a fitter each, a planner, an admin, one estate, jobs for both crews. */
export async function seedWorld(db: Kysely<DB>) {
	const at = nowIso();
	const passwordHash = await hashPassword(PASSWORD);
	const crews = { a: newId(), b: newId() };
	await db.insertInto('crews').values([
		{ id: crews.a, name: 'Crew A', created_at: at },
		{ id: crews.b, name: 'Crew B', created_at: at }
	]).execute();
	const worker = (id: string, crew: string, badge: string) => ({
		id, first_name: 'Jan', last_name: id.slice(-4), company: 'Test Sp. z o.o.', badge_number: badge, photo_sha256: null,
		status: 'active' as const, valid_until: '2099-01-01', code_secret: newTotpSecret(), crew_id: crew, is_demo: 0 as const,
		created_at: at, updated_at: at
	});
	const workers = { a: newId(), b: newId() };
	await db.insertInto('workers').values([worker(workers.a, crews.a, 'AAA-AAA-AA1'), worker(workers.b, crews.b, 'BBB-BBB-BB2')]).execute();
	const user = (login: string, role: Role, workerId: string | null) => ({
		id: newId(), login, display_name: login, role, password_hash: passwordHash, totp_secret: null, totp_enabled: 0 as const,
		totp_last_step: null, worker_id: workerId, disabled: 0 as const, is_demo: 0 as const, created_at: at, updated_at: at
	});
	const users = {
		fitterA: user('fitter-a', 'fitter', workers.a),
		fitterB: user('fitter-b', 'fitter', workers.b),
		planner: user('planner', 'planner', null),
		admin: user('admin', 'admin', null),
		warehouse: user('warehouse', 'warehouse', null)
	};
	await db.insertInto('users').values(Object.values(users)).execute();

	const estate = newId();
	await db.insertInto('estates').values({ id: estate, name: 'Test Estate', city: 'Wrocław', is_demo: 0, created_at: at }).execute();
	const building = newId();
	await db.insertInto('buildings').values({ id: building, estate_id: estate, street: 'Testowa', number: '1', postcode: '50-001', city: 'Wrocław', created_at: at }).execute();
	const today = warsawDate();
	const jobs: Record<'a' | 'b', string[]> = { a: [], b: [] };
	let n = 0;
	for (const crew of ['a', 'b'] as const) {
		for (let i = 0; i < 3; i++) {
			const point = newId();
			await db.insertInto('meter_points').values({
				id: point, ppe: ppeWithCheckDigit(String(59054356000000000n + BigInt(++n))), building_id: building, stairwell: crew === 'a' ? 'I' : 'II',
				flat: String(i + 1), location: 'stairwell', tariff_group: 'G11', prosumer: 0, resident_phone: null, created_at: at, updated_at: at
			}).execute();
			const job = newId();
			await db.insertInto('jobs').values({
				id: job, meter_point_id: point, crew_id: crews[crew], planned_date: addDaysToDate(today, i), window_start: null,
				window_end: null, sequence: i, status: 'planned', attempt: 1, created_at: at, updated_at: at
			}).execute();
			jobs[crew].push(job);
		}
	}
	return { crews, workers, users, jobs, estate };
}

/**
 * A browser-like client of the API: keeps the session cookie between calls, as a real browser does,
 * and builds each request's context the way the SvelteKit endpoint does.
 */
export class TestClient {
	readonly jar = new Map<string, string>();
	constructor(
		private readonly services: Services,
		readonly ip = '203.0.113.7'
	) {}

	async api() {
		const token = this.jar.get(SESSION_COOKIE);
		const found = await lookupSession(this.services.db, token);
		const ctx: Context = {
			services: this.services,
			requestId: 'test',
			ip: this.ip,
			userAgent: 'vitest',
			locale: 'pl',
			auth: found.status === 'ok' ? { session: found.session, user: found.user } : null,
			sessionProblem: found.status === 'expired' || found.status === 'revoked' ? found.status : null,
			cookies: {
				get: (name) => this.jar.get(name),
				set: (name, value) => void this.jar.set(name, value),
				delete: (name) => void this.jar.delete(name)
			}
		};
		return createCaller(ctx);
	}

	/** Starts a session directly (no password hashing), e.g. for the authorisation matrix. */
	async adoptSession(db: Kysely<DB>, userId: string, opts: { kind?: 'browser' | 'device'; mfaVerified?: boolean } = {}) {
		const { token } = await createSession(db, { userId, kind: opts.kind ?? 'browser', mfaVerified: opts.mfaVerified ?? false, userAgent: 'vitest' });
		this.jar.set(SESSION_COOKIE, token);
		return this;
	}
}

/** The call's stable application code (as the API would report it), or 'OK' when it succeeded. */
export async function outcome(p: Promise<unknown>): Promise<string> {
	try {
		await p;
		return 'OK';
	} catch (e) {
		if (e instanceof TRPCError) return errorData(e, 'pl', 'test').appCode;
		throw e;
	}
}

/**
 * A test database with the small world and services, office users already enrolled in TOTP (as
 * the authorisation matrix and the fuzz tests need): call in beforeAll, destroy in afterAll.
 */
export async function worldWithServices(tdb: TestDatabase) {
	const services = createServices(tdb);
	const world = await seedWorld(tdb.db);
	await tdb.db.updateTable('users').set({ totp_enabled: 1, totp_secret: 'JBSWY3DPEHPK3PXP' }).where('role', '!=', 'fitter').execute();
	return { services, world };
}
