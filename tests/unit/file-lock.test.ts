import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** The build lock (server/util/file-lock.ts): `npm start` and `npm test` in one checkout never build at once. */
const holderScript = resolve(import.meta.dirname, '../support/lock-holder.ts');

describe('a file lock between processes', () => {
	let dir: string;
	let lock: string;
	let log: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'wymiana-lock-'));
		lock = join(dir, 'sub', 'build.lock');
		log = join(dir, 'log');
		writeFileSync(log, '');
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	/** A process that takes the lock, and holds it until `release` exists when given. */
	const holder = (release?: string) =>
		new Promise<number>((done, failed) => {
			const child = spawn(process.execPath, ['--import', 'tsx', holderScript, lock, log, ...(release ? [release] : [])], { stdio: 'inherit' });
			child.on('error', failed);
			child.on('exit', (code) => (code === 0 ? done(child.pid!) : failed(new Error(`holder exited ${code}`))));
		});
	const lines = () => readFileSync(log, 'utf8').trim().split('\n');
	const logged = async (part: string) => {
		while (!readFileSync(log, 'utf8').includes(part)) await new Promise((r) => setTimeout(r, 20));
	};

	it('lets one process in at a time; the other waits, is told who holds it, then goes in', async () => {
		const release = join(dir, 'release');
		const first = holder(release);
		await logged(' in');
		const second = holder();
		await logged(' waits for ');
		writeFileSync(release, '');
		const [a, b] = await Promise.all([first, second]);
		expect(lines()).toEqual([`${a} in`, `${b} waits for ${a}`, `${a} out`, `${b} in`, `${b} out`]);
		expect(existsSync(lock)).toBe(false);
	}, 30_000);

	it('takes over a lock left by a process that is gone', async () => {
		const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
		mkdirSync(dirname(lock));
		writeFileSync(lock, gone.stdout);
		const pid = await holder();
		expect(lines()).toEqual([`${pid} in`, `${pid} out`]);
		expect(existsSync(lock)).toBe(false);
	}, 30_000);

	it.each([[''], ['-1'], ['not a pid']])('waits on a lock file holding %j while it is new (a holder between creating and writing it), takes it over when old', async (content) => {
		mkdirSync(dirname(lock));
		writeFileSync(lock, content);
		const waiting = holder();
		await logged(' waits for 0');
		await new Promise((r) => setTimeout(r, 1000));
		expect(lines()).toEqual([expect.stringMatching(/^\d+ waits for 0$/)]);
		const old = new Date(Date.now() - 60_000);
		utimesSync(lock, old, old);
		const pid = await waiting;
		expect(lines().slice(1)).toEqual([`${pid} in`, `${pid} out`]);
	}, 30_000);
});
