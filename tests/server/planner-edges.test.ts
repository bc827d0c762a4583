import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '$server/cli';
import type { Session, User } from '$server/db/schema';
import { plannerRefusal } from '$server/plan/http-access';
import { operatorFromEnv } from '$server/operator/operator-config';
import { noticesPdf, stairwellNotices } from '$server/notices/notices.service';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { seedWorld } from './fixtures';

const SAMPLE = resolve(import.meta.dirname, '../../static/samples/punkty-poboru-przyklad.csv');

describe('CLI import', () => {
	const dir = mkdtempSync(join(tmpdir(), 'wymiana-cli-import-'));
	const env = { ...process.env, DATABASE_URL: `file:${join(dir, 'cli.db')}` };
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	function io() {
		const out: string[] = [];
		const err: string[] = [];
		return { out, err, io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), askSecret: async () => null } };
	}

	it('checks, imports, and re-imports the sample file with the same report as the console', async () => {
		const dry = io();
		expect(await runCli(['import', SAMPLE, '--dry-run'], dry.io, env)).toBe(0);
		expect(dry.out.join('\n')).toContain('checked (dry run, nothing stored): 200 rows — 200 added');
		const real = io();
		expect(await runCli(['import', SAMPLE], real.io, env)).toBe(0);
		expect(real.out.join('\n')).toContain('imported: 200 rows — 200 added, 0 updated, 0 unchanged');
		const again = io();
		expect(await runCli(['import', SAMPLE], again.io, env)).toBe(0);
		expect(again.out.join('\n')).toContain('0 added, 0 updated, 200 unchanged');
	});

	it('lists bad rows, stores nothing and exits with 1', async () => {
		const lines = readFileSync(SAMPLE, 'utf8').trim().split('\n');
		const file = join(dir, 'bad.csv');
		writeFileSync(file, [lines[0], lines[1]!.replace(';klatka;', ';piwnica;')].join('\n'));
		const bad = io();
		expect(await runCli(['import', file], bad.io, env)).toBe(1);
		expect(bad.err[0]).toBe('row 2, lokalizacja: Lokalizacja to „klatka” albo „mieszkanie”. ("piwnica")');
		expect(bad.err.at(-1)).toBe('1 error(s) in 1 rows: nothing was imported');
		expect(await runCli(['import'], io().io, env)).toBe(2);
		expect(await runCli(['import', join(dir, 'missing.csv')], io().io, env)).toBe(1);
	});
});

describe('planner file endpoints: who may download and upload', () => {
	const user = (role: User['role'], totp: 0 | 1) => ({ role, totp_enabled: totp }) as User;
	const session = (mfa: 0 | 1) => ({ mfa_verified: mfa }) as Session;

	it('lets only planners and admins with a verified second factor through', () => {
		expect(plannerRefusal(null, null)).toEqual({ status: 401, code: 'UNAUTHORIZED' });
		expect(plannerRefusal(null, 'expired')).toEqual({ status: 401, code: 'SESSION_EXPIRED' });
		expect(plannerRefusal({ user: user('fitter', 0), session: session(0) }, null)).toEqual({ status: 403, code: 'FORBIDDEN' });
		expect(plannerRefusal({ user: user('planner', 1), session: session(0) }, null)).toEqual({ status: 403, code: 'MFA_REQUIRED' });
		expect(plannerRefusal({ user: user('planner', 0), session: session(1) }, null)).toEqual({ status: 403, code: 'MFA_REQUIRED' });
		expect(plannerRefusal({ user: user('planner', 1), session: session(1) }, null)).toBeNull();
		expect(plannerRefusal({ user: user('admin', 1), session: session(1) }, null)).toBeNull();
	});
});

describeEachDb('stairwell notices', (kind) => {
	let tdb: TestDatabase;
	afterAll(() => tdb?.destroy());

	it('prints one page per stairwell with its date and window, the QR code and the warnings; in-home-only stairwells get their appointment days', async () => {
		tdb = await createTestDatabase(kind);
		const world = await seedWorld(tdb.db);
		const at = new Date().toISOString();
		// Crew A's stairwell I: a cabinet block on 2 March 2026, 10:00–12:00 Warsaw (09:00–11:00 UTC).
		await tdb.db.updateTable('jobs').set({ planned_date: '2026-03-02', window_start: '2026-03-02T09:00:00.000Z', window_end: '2026-03-02T11:00:00.000Z' }).where('id', 'in', world.jobs.a).execute();
		// Crew B's stairwell II: meters inside flats only, appointments on 3 March.
		const bPoints = await tdb.db.selectFrom('jobs').select('meter_point_id').where('id', 'in', world.jobs.b).execute();
		await tdb.db.updateTable('meter_points').set({ location: 'in_home', updated_at: at }).where('id', 'in', bPoints.map((p) => p.meter_point_id)).execute();
		await tdb.db.updateTable('jobs').set({ planned_date: '2026-03-03', window_start: '2026-03-03T07:00:00.000Z', window_end: '2026-03-03T08:00:00.000Z' }).where('id', 'in', world.jobs.b).execute();
		const notices = await stairwellNotices(tdb.db, world.estate);
		expect(notices.map((n) => [n.stairwell, n.visits.length, n.inHome])).toEqual([['I', 1, 0], ['II', 0, 3]]);
		const operator = operatorFromEnv({ PUBLIC_ORIGIN: 'https://wymiana.example', WYMIANA_OPERATOR_NAME: 'Przykładowy Operator S.A.', WYMIANA_HOTLINE: '22 123 45 67' });
		const pdf = await noticesPdf(notices, { operator, title: 'Test' });
		const dir = mkdtempSync(join(tmpdir(), 'wymiana-notice-'));
		writeFileSync(join(dir, 'n.pdf'), pdf);
		const text = execFileSync('pdftotext', ['-layout', join(dir, 'n.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
		const images = execFileSync('pdfimages', ['-list', join(dir, 'n.pdf')], { encoding: 'utf8' });
		rmSync(dir, { recursive: true, force: true });
		expect(text).toContain('Testowa 1, klatka I');
		expect(text).toContain('poniedziałek, 2 marca 2026, w godzinach 10:00–12:00');
		expect(text).toContain('około 15 minut');
		expect(text).toContain('nigdy nie pobiera opłat i nigdy nie prosi o dane osobowe');
		expect(text).toContain('https://wymiana.example/verify');
		expect(text).toContain('Przykładowy Operator S.A. — wymiana liczników');
		// A line not configured as free is never called free.
		expect(text).toContain('Infolinia: 22 123 45 67');
		expect(text).not.toMatch(/bezpłatn[a-z]* infolini|infolinia[^.]*bezpłatn/i);
		// Stairwell II has meters inside flats: the notice says where to book, and links the questions page.
		expect(text).toContain('Rezerwacja i zmiana terminu wizyty w mieszkaniu: https://wymiana.example/harmonogram/wizyta');
		expect(text).toContain('Pytania i odpowiedzi: https://wymiana.example/pytania');
		expect(text).toContain('nie zmienia umowy');
		expect(text).toContain('wtorek, 3 marca 2026');
		expect(images.trim().split('\n').length - 2).toBe(2);
	});
});
