import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '$server/cli';
import type { Session, User } from '$server/db/schema';
import { plannerRefusal } from '$server/plan/http-access';

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
