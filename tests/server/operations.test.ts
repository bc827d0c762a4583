import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '$server/db/database';
import { migrateToLatest } from '$server/db/migrations';
import { LOG_OPTIONS } from '$server/log';
import { BackupError, backupSqlite, checkBackupFile, restoreSqlite } from '$server/ops/backup';
import { purgeResidentPhones } from '$server/ops/retention';
import type { Services } from '$server/services';
import { errorData } from '$server/trpc/errors';
import { TRPCError } from '@trpc/server';
import { runCli, type CliIo } from '$server/cli';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { outcome, PASSWORD, seedWorld, TestClient, worldWithServices } from './fixtures';
import { lookupSession, SESSION_COOKIE } from '$server/auth/sessions';

describe('backup and restore of the embedded database', () => {
	const dir = mkdtempSync(join(tmpdir(), 'wymiana-backup-'));
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	function io() {
		const lines: string[] = [];
		const errors: string[] = [];
		const cli: CliIo = { out: (l) => void lines.push(l), err: (l) => void errors.push(l), askSecret: async () => null };
		return { cli, lines, errors };
	}

	it('copies a consistent database while the server keeps writing (into a directory it makes), and restores it in place', async () => {
		const path = join(dir, 'live.db');
		const live = openDatabase(`file:${path}`);
		await migrateToLatest(live.db, live.dialect);
		const world = await seedWorld(live.db);
		// Writers keep going during the copy, as a running server would.
		let writes = 0;
		let stop = false;
		const writer = (async () => {
			while (!stop) {
				await live.db.insertInto('crews').values({ id: `crew-${writes}`, name: `Crew during backup ${writes}`, created_at: new Date().toISOString() }).execute();
				writes++;
				await new Promise((r) => setImmediate(r));
			}
		})();
		// Into a directory that does not exist yet (`--to backups/…` on a first run).
		const backup = join(dir, 'backups', 'nightly', 'copy.db');
		const { bytes } = await backupSqlite(live, backup);
		stop = true;
		await writer;
		expect(bytes).toBeGreaterThan(0);
		expect(checkBackupFile(backup).migrations.length).toBeGreaterThan(0);

		// After the backup: a change that a restore must undo.
		await live.db.deleteFrom('jobs').where('id', '=', world.jobs.a[0]!).execute();
		const crewsInLive = (await live.db.selectFrom('crews').select('id').execute()).length;
		await live.close();

		const restored = restoreSqlite(backup, path);
		expect(restored.previous && existsSync(restored.previous)).toBeTruthy();
		const again = openDatabase(`file:${path}`);
		try {
			const job = await again.db.selectFrom('jobs').select('id').where('id', '=', world.jobs.a[0]!).executeTakeFirst();
			expect(job?.id).toBe(world.jobs.a[0]);
			const crews = (await again.db.selectFrom('crews').select('id').execute()).length;
			expect(crews).toBeGreaterThanOrEqual(2);
			expect(crews).toBeLessThanOrEqual(crewsInLive);
			// The restored copy works with the current schema: migrating it is a no-op.
			expect((await migrateToLatest(again.db, again.dialect)).applied).toEqual([]);
		} finally {
			await again.close();
		}
	});

	it('refuses to overwrite a file, to restore a file that is not a Wymiana backup, or over a database in use', async () => {
		const path = join(dir, 'busy.db');
		const live = openDatabase(`file:${path}`);
		await migrateToLatest(live.db, live.dialect);
		const existing = join(dir, 'existing.db');
		writeFileSync(existing, 'x');
		await expect(backupSqlite(live, existing)).rejects.toThrow(/already exists/);
		// A file where its directory would be: said so, nothing written.
		await expect(backupSqlite(live, join(existing, 'copy.db'))).rejects.toThrow(BackupError);
		await expect(backupSqlite(live, join(existing, 'copy.db'))).rejects.toThrow(/cannot be made for the backup/);

		const junk = join(dir, 'junk.db');
		writeFileSync(junk, 'this is not a database, just text '.repeat(200));
		expect(() => checkBackupFile(junk)).toThrow(BackupError);
		expect(() => restoreSqlite(junk, path)).toThrow(/not a SQLite database|could not be read|damaged/);

		const good = join(dir, 'good.db');
		await backupSqlite(live, good);
		// The server still has the database open inside a transaction: a restore now would lose its writes.
		const raw = live.raw.kind === 'sqlite' ? live.raw.client : null;
		raw!.exec('begin immediate');
		expect(() => restoreSqlite(good, path)).toThrow(/in use/);
		raw!.exec('rollback');
		await live.close();
		expect(readFileSync(path).length).toBeGreaterThan(0);
	});

	it('runs as operator commands with clear errors', async () => {
		const path = join(dir, 'cli.db');
		const env = { DATABASE_URL: `file:${path}` };
		expect(await runCli(['migrate'], io().cli, env)).toBe(0);
		const target = join(dir, 'cli-backup.db');
		const ok = io();
		expect(await runCli(['backup', '--to', target], ok.cli, env)).toBe(0);
		expect(ok.lines.join('\n')).toContain('backup written to');
		const twice = io();
		expect(await runCli(['backup', '--to', target], twice.cli, env)).toBe(1);
		expect(twice.errors.join('\n')).toContain('already exists');
		const missing = io();
		expect(await runCli(['backup'], missing.cli, env)).toBe(2);
		expect(missing.errors.join('\n')).toContain('--to <file>');
		const restore = io();
		expect(await runCli(['restore', '--from', target], restore.cli, env)).toBe(0);
		expect(restore.lines.join('\n')).toContain('before-restore');
		const pg = io();
		expect(await runCli(['restore', '--from', target], pg.cli, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' })).toBe(1);
		expect(pg.errors.join('\n')).toContain('pg_restore');
	});
});

describe('logs', () => {
	it('never write passwords, secrets, cookies or residents’ phone numbers', () => {
		const chunks: string[] = [];
		const sink = new Writable({ write: (c, _e, done) => (chunks.push(String(c)), done()) });
		const logger = pino({ ...LOG_OPTIONS, level: 'info' }, sink);
		logger.info({ password: 'hunter2-secret', user: { password_hash: '$argon2id$abc', totp_secret: 'JBSWY3DP' }, req: { headers: { cookie: 'wymiana_session=tok', authorization: 'Bearer tok' } }, point: { resident_phone: '+48 600 100 200' }, token: 'tok-123' }, 'x');
		const line = chunks.join('');
		for (const secret of ['hunter2-secret', '$argon2id$abc', 'JBSWY3DP', 'wymiana_session=tok', 'Bearer tok', '600 100 200', 'tok-123']) expect(line).not.toContain(secret);
		expect(line).toContain('[redacted]');
	});
});

describeEachDb('retention and device sessions', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let world: Awaited<ReturnType<typeof seedWorld>>;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		({ services, world } = await worldWithServices(tdb));
	});
	afterAll(() => tdb?.destroy());

	it('erases a resident’s phone number once the exchange is done, and keeps the others', async () => {
		const [doneJob, plannedJob] = world.jobs.a;
		const points = await tdb.db.selectFrom('jobs').select(['id', 'meter_point_id']).where('id', 'in', [doneJob!, plannedJob!]).execute();
		const pointOf = (job: string) => points.find((p) => p.id === job)!.meter_point_id;
		await tdb.db.updateTable('meter_points').set({ resident_phone: '+48 600 100 200' }).where('id', 'in', points.map((p) => p.meter_point_id)).execute();
		await tdb.db.updateTable('jobs').set({ status: 'done' }).where('id', '=', doneJob!).execute();

		expect(await purgeResidentPhones(tdb.db)).toBe(1);
		const phone = async (job: string) => (await tdb.db.selectFrom('meter_points').select('resident_phone').where('id', '=', pointOf(job)).executeTakeFirstOrThrow()).resident_phone;
		expect(await phone(doneJob!)).toBeNull();
		expect(await phone(plannedJob!)).toBe('+48 600 100 200');
		expect(await purgeResidentPhones(tdb.db)).toBe(0);
		const logged = await tdb.db.selectFrom('audit_log').select('changes').where('action', '=', 'resident-phones-purged').execute();
		expect(logged).toHaveLength(1);
		expect(logged[0]!.changes).not.toContain('600');
	});

	it('issues a new session at sign-in and ends the one the browser came with (no session fixation)', async () => {
		const client = await new TestClient(services).adoptSession(tdb.db, world.users.fitterB.id, { kind: 'device' });
		const planted = client.jar.get(SESSION_COOKIE)!;
		await (await client.api()).auth.signIn({ login: 'fitter-a', password: PASSWORD, client: 'app' });
		const issued = client.jar.get(SESSION_COOKIE)!;
		expect(issued).not.toBe(planted);
		expect((await lookupSession(tdb.db, planted)).status).toBe('none');
		const now = await lookupSession(tdb.db, issued);
		expect(now.status === 'ok' && now.user.id).toBe(world.users.fitterA.id);
		await (await client.api()).auth.signOut();
	});

	it('lets an admin revoke a lost tablet: its sync is then refused with the reason, other devices go on', async () => {
		const lost = await new TestClient(services).adoptSession(tdb.db, world.users.fitterA.id, { kind: 'device' });
		const other = await new TestClient(services).adoptSession(tdb.db, world.users.fitterA.id, { kind: 'device' });
		const admin = await new TestClient(services).adoptSession(tdb.db, world.users.admin.id, { mfaVerified: true });
		const clientId = '0190a3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b';
		expect(await outcome((await lost.api()).sync.pull({ clientId, cursor: null }))).toBe('OK');

		const adminApi = await admin.api();
		const sessions = await adminApi.admin.sessions.list({ userId: world.users.fitterA.id });
		expect(sessions.filter((s) => s.kind === 'device')).toHaveLength(2);
		const own = (await adminApi.admin.sessions.list()).find((s) => s.current)!;
		expect(await outcome(adminApi.admin.sessions.revoke({ sessionId: own.id }))).toBe('FORBIDDEN');

		// Which one is the lost tablet: the most recently created device session of fitter A.
		const lostId = sessions.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).filter((s) => s.kind === 'device')[0]!.id;
		expect(await outcome(adminApi.admin.sessions.revoke({ sessionId: lostId }))).toBe('OK');
		expect(await outcome(adminApi.admin.sessions.revoke({ sessionId: lostId }))).toBe('NOT_FOUND');
		expect((await adminApi.admin.sessions.list({ userId: world.users.fitterA.id })).map((s) => s.id)).not.toContain(lostId);

		const results = await Promise.all([lost, other].map(async (c) => outcome((await c.api()).sync.pull({ clientId, cursor: null }))));
		expect([...results].sort()).toEqual(['OK', 'SESSION_REVOKED']);
		const refused = [lost, other][results.indexOf('SESSION_REVOKED')]!;
		try {
			await (await refused.api()).sync.push({ clientId, mutations: [{ id: 1, name: 'job.start', args: { jobId: world.jobs.a[0] }, at: new Date().toISOString() }] });
			expect.unreachable();
		} catch (e) {
			const data = errorData(e as TRPCError, 'pl', 'test');
			expect(data.appCode).toBe('SESSION_REVOKED');
			expect(data.message).toMatch(/cofnięty przez administratora/);
			expect(data.message).toMatch(/wyeksportuj/);
		}
		const audit = await tdb.db.selectFrom('audit_log').select(['entity_id', 'user_id']).where('action', '=', 'session-revoked').execute();
		expect(audit).toEqual([{ entity_id: lostId, user_id: world.users.admin.id }]);
	});
});
