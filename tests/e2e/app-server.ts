import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
	return new Promise((ok, fail) => {
		const srv = createServer();
		srv.once('error', fail);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as { port: number };
			srv.close(() => ok(port));
		});
	});
}

export interface RunningApp {
	url: string;
	port: number;
	/** The SQLite file the app writes (`DATABASE_URL=file:<path>`), for tests that check what was stored. */
	databasePath: string;
	output(): string;
	stop(): Promise<void>;
	/** Sends a signal (SIGTERM: a deploy or an orchestrator stopping the instance). */
	signal(signal: NodeJS.Signals): void;
	/** Resolves with the exit code once the process has ended. */
	exited: Promise<number | null>;
}

/** Whether the app answers /healthz; over HTTPS its certificate is the test's own, not checked here. */
function healthy(url: string): Promise<boolean> {
	return new Promise((ok) => {
		const answered = (res: IncomingMessage) => {
			res.resume();
			ok(res.statusCode === 200);
		};
		const req = url.startsWith('https:') ? httpsGet(`${url}/healthz`, { rejectUnauthorized: false }, answered) : httpGet(`${url}/healthz`, answered);
		req.on('error', () => ok(false));
	});
}

/**
 * Starts the app exactly as `npm start` does (server/start.ts: build check, migrate, demo seed,
 * serve) on a free port with its own SQLite file, and waits until /healthz answers. An env value
 * of `undefined` unsets the variable (ORIGIN: undefined, to run without one); with TLS_CERT_FILE
 * the app serves HTTPS.
 */
export async function startApp(env: Record<string, string | undefined> = {}): Promise<RunningApp> {
	const dir = mkdtempSync(join(tmpdir(), 'wymiana-e2e-'));
	const port = await freePort();
	const databasePath = join(dir, 'e2e.db');
	let out = '';
	const childEnv: Record<string, string | undefined> = { ...process.env, PORT: String(port), DATABASE_URL: `file:${databasePath}`, LOG_LEVEL: 'warn', ORIGIN: `http://localhost:${port}`, ...env };
	for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name];
	const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/start.ts'], {
		cwd: root,
		env: childEnv,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child.stdout!.on('data', (d) => (out += d));
	child.stderr!.on('data', (d) => (out += d));
	const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
	const url = `${env.TLS_CERT_FILE ? 'https' : 'http'}://localhost:${port}`;
	const deadline = Date.now() + 180_000;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}):\n${out}`);
		if (await healthy(url)) break;
		if (Date.now() > deadline) throw new Error(`the app did not start in time:\n${out}`);
		await new Promise((r) => setTimeout(r, 250));
	}
	return {
		url,
		port,
		databasePath,
		output: () => out,
		signal: (signal) => void child.kill(signal),
		exited,
		async stop() {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
			await exited;
			rmSync(dir, { recursive: true, force: true });
		}
	};
}
