/**
 * `npm test`: every suite — unit, server (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
 * and the browser suite (Debian Chromium) against the built app. In CI the PostgreSQL and browser
 * suites are mandatory: if they cannot run, this fails instead of skipping them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import pg from 'pg';
import { chromiumPath } from './e2e/browser';
import { withBuildLock } from '../server/start';
import { buildForTests } from './support/test-build';

const root = resolve(import.meta.dirname, '..');
const ci = !!process.env.CI && process.env.CI !== 'false';
const extraArgs = process.argv.slice(2);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
	return spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
}

function fail(message: string): never {
	process.stderr.write(`\n✗ ${message}\n`);
	process.exit(1);
}

const npx = (bin: string) => join(root, 'node_modules', '.bin', bin);
// Both write what a build reads: never while an `npm start` in this checkout is building.
withBuildLock(() => {
	if (run(npx('paraglide-js'), ['compile', '--project', './src/lib/i18n/project.inlang', '--outdir', './src/lib/paraglide', '--silent']).status !== 0) fail('i18n compile failed');
	if (run(npx('svelte-kit'), ['sync']).status !== 0) fail('svelte-kit sync failed');
});

const notes: string[] = [];
/** Our machines run PostgreSQL at 127.0.0.1:5432 (trust auth, database `test`): use it when it answers. */
const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';
async function reachable(url: string): Promise<boolean> {
	const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
	try {
		await client.connect();
		await client.query('select 1');
		return true;
	} catch {
		return false;
	} finally {
		await client.end().catch(() => undefined);
	}
}
if (!process.env.TEST_DATABASE_URL && (await reachable(LOCAL_POSTGRES))) {
	process.env.TEST_DATABASE_URL = LOCAL_POSTGRES;
	notes.push(`PostgreSQL suite run on the local server (${LOCAL_POSTGRES}); set TEST_DATABASE_URL to use another.`);
}
if (!process.env.TEST_DATABASE_URL) {
	if (ci) fail('CI must run the PostgreSQL suite: TEST_DATABASE_URL is not set (see .ci/run).');
	notes.push('PostgreSQL suite NOT run: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run it.');
}
// The server tests start the built app too; the build goes to build-test/, beside a running npm start.
buildForTests();
const browser = chromiumPath();
const projects = ['unit', 'server'];
if (browser) {
	projects.push('e2e');
} else {
	if (ci) fail('CI must run the browser suite: Chromium not found (apt-get install -y chromium).');
	notes.push('Browser suite NOT run: Chromium not found at /usr/bin/chromium (apt-get install -y chromium) or CHROMIUM_PATH.');
}

const out = join(mkdtempSync(join(tmpdir(), 'wymiana-results-')), 'results.json');
const vitest = run(
	process.execPath,
	[join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...projects.flatMap((p) => ['--project', p]), '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...extraArgs],
	{ ...process.env, WYMIANA_ARGON2_FAST: '1' }
);

interface Assertion { status: string; ancestorTitles: string[]; }
interface FileResult { name: string; assertionResults: Assertion[]; }
if (!existsSync(out)) fail('vitest wrote no results');
const results = JSON.parse(readFileSync(out, 'utf8')) as { testResults: FileResult[] };

const counts = new Map<string, { passed: number; failed: number; skipped: number }>();
let passed = 0, failed = 0, skipped = 0;
for (const file of results.testResults) {
	const suite = relative(root, file.name).split('/')[1] ?? 'other';
	for (const a of file.assertionResults) {
		const db = a.ancestorTitles.join(' ').match(/\[(sqlite|postgres)\]/)?.[1];
		const key = db ? `${suite} (${db})` : suite;
		const c = counts.get(key) ?? { passed: 0, failed: 0, skipped: 0 };
		if (a.status === 'passed') { c.passed++; passed++; }
		else if (a.status === 'failed') { c.failed++; failed++; }
		else { c.skipped++; skipped++; }
		counts.set(key, c);
	}
}

process.stdout.write('\nSuites run:\n');
for (const [key, c] of [...counts].sort()) process.stdout.write(`  ${key.padEnd(20)} ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''}\n`);
for (const note of notes) process.stdout.write(`  ! ${note}\n`);
if (ci && !counts.has('server (postgres)')) fail('no PostgreSQL test ran');
if (ci && !counts.has('e2e')) fail('no browser test ran');
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(vitest.status === 0 && failed === 0 ? 0 : 1);
