import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { z } from 'zod';
import { appRouter } from '$server/trpc/router';
import type { Access } from '$server/trpc/init';
import type { DB } from '$server/db/schema';
import { errorData } from '$server/trpc/errors';
import { TRPC_CODE, type AppErrorCode } from '$server/errors';
import type { Services } from '$server/services';
import { TRPCError } from '@trpc/server';
import { hostileVariants } from '../support/hostile-inputs';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { seedWorld, TestClient, worldWithServices } from './fixtures';

/**
 * Every tRPC procedure, called by a user allowed to reach it, with generated invalid and hostile
 * inputs: always a 4xx with a translated message (field errors when the input was malformed),
 * never a 500, and a refused call leaves the database as it was.
 */

/** Bookkeeping that may change on any request (counters, session activity). */
const VOLATILE_TABLES = new Set(['rate_limits', 'sessions', 'kysely_migration', 'kysely_migration_lock']);
const isVolatile = (table: string) => VOLATILE_TABLES.has(table) || /lookup/.test(table);

interface Procedure {
	_def: { type: string; meta?: { access?: Access }; inputs: z.ZodType[] };
}

const STATUS: Record<string, number> = {
	BAD_REQUEST: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, TOO_MANY_REQUESTS: 429, INTERNAL_SERVER_ERROR: 500
};

async function dump(db: Kysely<DB>, { withAudit }: { withAudit: boolean }): Promise<string> {
	// Only this test's schema, read directly: Kysely's introspection scans every schema, and other test
	// files (and other checkouts) create and drop theirs in the same PostgreSQL meanwhile.
	const names = db.getExecutor().adapter instanceof PostgresAdapter
		? (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)).rows.map((r) => r.name)
		: (await db.introspection.getTables()).map((t) => t.name);
	const tables = names.filter((t) => !isVolatile(t) && (withAudit || t !== 'audit_log')).sort();
	const parts: string[] = [];
	for (const table of tables) {
		const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
		// Sorted whole rows: tables with composite keys have no single column that orders them.
		const lines = rows.rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? `bytes:${v.length}` : v))).sort();
		parts.push(table, ...lines);
	}
	return parts.join('\n');
}

async function settledDump(db: Kysely<DB>, opts: { withAudit: boolean }): Promise<string> {
	let last = await dump(db, opts);
	for (let i = 0; i < 20; i++) {
		await new Promise((r) => setTimeout(r, 25));
		const next = await dump(db, opts);
		if (next === last) return next;
		last = next;
	}
	return last;
}

describeEachDb('bad input to every procedure', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let world: Awaited<ReturnType<typeof seedWorld>>;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		({ services, world } = await worldWithServices(tdb));
	});
	afterAll(() => tdb?.destroy());

	async function callerFor(access: Access) {
		const client = new TestClient(services);
		const user = { public: null, session: world.users.fitterA, fitter: world.users.fitterA, planner: world.users.planner, warehouse: world.users.warehouse, admin: world.users.admin }[access];
		if (user) await client.adoptSession(tdb.db, user.id, { mfaVerified: access === 'planner' || access === 'warehouse' || access === 'admin', kind: access === 'fitter' || access === 'session' ? 'device' : 'browser' });
		return (await client.api()) as unknown as Record<string, unknown>;
	}

	it('refuses malformed input with field errors and a 4xx, never a 500, and changes nothing', async () => {
		const problems: string[] = [];
		let calls = 0;
		let validCalls = 0;
		const procedures = (appRouter._def as unknown as { procedures: Record<string, Procedure> }).procedures;
		for (const [path, proc] of Object.entries(procedures)) {
			const access = proc._def.meta?.access ?? 'public';
			const schema = proc._def.inputs[0];
			const withAudit = !path.startsWith('auth.');
			const api = await callerFor(access);
			const fn = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], api) as (input?: unknown) => Promise<unknown>;
			let before = await dump(tdb.db, { withAudit });
			for (const variant of hostileVariants(schema)) {
				const valid = schema ? schema.safeParse(variant.input).success : true;
				calls++;
				if (valid) validCalls++;
				let code: AppErrorCode | 'OK' = 'OK';
				let data: ReturnType<typeof errorData> | null = null;
				try {
					await fn(variant.input);
				} catch (e) {
					if (!(e instanceof TRPCError)) {
						problems.push(`${path} [${variant.label}]: threw ${String(e)}`);
						continue;
					}
					data = errorData(e, 'pl', 'fuzz');
					code = data.appCode;
				}
				const where = `${path} [${variant.label}]`;
				if (code === 'OK') {
					if (!valid) problems.push(`${where}: accepted input its own schema refuses`);
					// An accepted call may leave work finishing just after its answer; wait until the
					// database is still, so the next refusal is judged against a settled state.
					before = await settledDump(tdb.db, { withAudit });
					continue;
				}
				const status = STATUS[TRPC_CODE[code as AppErrorCode]] ?? 500;
				if (status >= 500) problems.push(`${where}: ${code} (${status})`);
				if (!data!.message || data!.message === data!.messageKey) problems.push(`${where}: untranslated message ${data!.messageKey}`);
				if (!valid) {
					if (code !== 'VALIDATION') problems.push(`${where}: expected VALIDATION, got ${code}`);
					else if (Object.keys(data!.fieldErrors).length === 0) problems.push(`${where}: VALIDATION without field errors`);
					else for (const [field, messages] of Object.entries(data!.fieldErrors)) {
						if (messages.some((m) => !m || /^[a-z_]+$/.test(m))) problems.push(`${where}: field ${field} has an untranslated error ${messages.join(' | ')}`);
					}
				}
				// Queries may read, never write; a refused mutation must leave no trace either.
				const after = await dump(tdb.db, { withAudit });
				if (after !== before) {
					const changed = after.split('\n').filter((line) => !before.includes(line)).slice(0, 2).map((l) => l.slice(0, 160));
					problems.push(`${where}: refused with ${code} but the database changed: ${changed.join(' | ')}`);
					before = after;
				}
			}
		}
		process.stdout.write(`[${kind}] fuzz: ${calls} calls over ${Object.keys(procedures).length} procedures, ${validCalls} with schema-valid hostile input\n`);
		expect(problems.slice(0, 40)).toEqual([]);
		expect(calls).toBeGreaterThan(Object.keys(procedures).length * 6);
	}, 600_000);

	it('rejects a pushed mutation holding a NUL character on its own, and applies the next one', async () => {
		const api = (await callerFor('fitter')) as unknown as { sync: { push: (i: unknown) => Promise<{ lastMutationId: number; results: Array<{ id: number; status: string; reason?: { code: string; message: string } }> }> } };
		const clientId = '0190a3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6c';
		const jobId = world.jobs.a[0]!;
		const at = new Date().toISOString();
		const res = await api.sync.push({
			clientId,
			mutations: [
				{ id: 1, name: 'job.note', args: { jobId, noteId: 'n-nul', text: 'klatka\u0000zamknięta' }, at },
				{ id: 2, name: 'job.note', args: { jobId, noteId: 'n-ok', text: 'klatka zamknięta' }, at }
			]
		});
		expect(res.lastMutationId).toBe(2);
		expect(res.results.map((r) => r.status)).toEqual(['rejected', 'applied']);
		expect(res.results[0]!.reason?.message).toMatch(/nieprawidłowe dane/);
		const notes = await tdb.db.selectFrom('job_notes').select('text').where('job_id', '=', jobId).execute();
		expect(notes.map((n) => n.text)).toEqual(['klatka zamknięta']);
	});
});

