import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from './app-server';
import { TEST_BUILD_DIR } from '../support/test-build';

const root = resolve(import.meta.dirname, '../..');

/**
 * Runs `npm test`'s build step as npm test does, into a directory of its own (not the suite's
 * build-test/, which other test files' servers may be serving right now: the very thing tested).
 */
function runTestBuildStep(dir: string, seen: (output: string) => void = () => {}): Promise<{ code: number | null; output: string }> {
	const env = { ...process.env, WYMIANA_BUILD_DIR: dir };
	return new Promise((ok) => {
		let output = '';
		const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/test-build.ts', '--force'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
		const add = (d: Buffer) => seen((output += d));
		child.stdout.on('data', add);
		child.stderr.on('data', add);
		child.once('exit', (code) => ok({ code, output }));
	});
}

/**
 * A contractor runs `npm start` and, in the same checkout, `npm test`. The tests' build must not
 * replace the files the running server loads its pages from (they used to: every page then
 * answered 500, "Cannot find module …/build/server/chunks/nodes/4.js").
 */
describe('npm test beside a running npm start', () => {
	let app: RunningApp;
	const served = join(root, 'build');
	const testBuild = `${TEST_BUILD_DIR}-${process.pid}`;

	beforeAll(async () => {
		// `npm start` as a user runs it: its default build directory.
		app = await startApp({ WYMIANA_BUILD_DIR: '' });
	});
	afterAll(async () => {
		await app?.stop();
		rmSync(join(root, testBuild), { recursive: true, force: true });
	});

	it('does not build where npm start serves from by default', () => {
		expect(resolve(root, TEST_BUILD_DIR)).not.toBe(served);
	});

	it("builds into its own directory, after a build already running, while the first server keeps answering every page", async () => {
		// Only the home page is loaded before: the other pages' server chunks are loaded on first use.
		expect((await fetch(`${app.url}/`)).status).toBe(200);
		const handler = statSync(join(served, 'handler.js')).mtimeMs;
		const stamp = readFileSync(join(served, '.source-hash'), 'utf8');

		// Another build is running in this checkout (this process holds the build lock): the step
		// says so and waits, building only once that build is done.
		const lock = join(root, '.svelte-kit', 'wymiana-build.lock');
		writeFileSync(lock, String(process.pid), { flag: 'wx' });
		let waiting!: () => void;
		const told = new Promise<void>((r) => (waiting = r));
		const running = runTestBuildStep(testBuild, (output) => output.includes(`Another build is running in this checkout (process ${process.pid})`) && waiting());
		await told;
		await new Promise((r) => setTimeout(r, 1000));
		expect(existsSync(join(root, testBuild, 'handler.js'))).toBe(false);
		rmSync(lock);
		const step = await running;
		expect(step.code, step.output).toBe(0);
		// The step did build, elsewhere.
		expect(statSync(join(root, testBuild, 'handler.js')).mtimeMs).toBeGreaterThan(handler);
		expect(statSync(join(served, 'handler.js')).mtimeMs).toBe(handler);
		expect(readFileSync(join(served, '.source-hash'), 'utf8')).toBe(stamp);

		for (const path of ['/plan', '/verify', '/harmonogram', '/app', '/zgloszenie', '/readyz']) {
			const res = await fetch(`${app.url}${path}`);
			expect(res.status, path).toBe(200);
			if (path === '/plan') {
				// The scripts the page names are still there too.
				const html = await res.text();
				const scripts = [...html.matchAll(/\/_app\/immutable\/[^"']+\.js/g)].map((m) => m[0]);
				expect(scripts.length).toBeGreaterThan(0);
				for (const s of new Set(scripts)) expect((await fetch(`${app.url}${s}`)).status, s).toBe(200);
			}
		}
		expect(app.output()).not.toContain('Cannot find module');
	}, 600_000);
});
