import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { buildDir } from '../../server/build-dir';

const root = resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
	return new Promise((ok, fail) => {
		const srv = createServer();
		srv.once('error', fail);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as { port: number };
			srv.close(() => ok(port));
		});
	});
}

/**
 * The built app served by server/serve.ts (as `npm start` runs it once built) in a child process that
 * a test can crash and start again on the same port and database.
 */
export class AppProcess {
	private child: ChildProcess | null = null;
	private log = '';
	restarts = 0;

	constructor(
		readonly port: number,
		private readonly env: Record<string, string>
	) {
		if (!existsSync(join(buildDir(), 'handler.js'))) throw new Error(`no build in ${buildDir()}: run \`npm run build\` (npm test builds first)`);
	}

	get url(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	output(): string {
		return this.log;
	}

	/** The process is still running (it has not crashed or exited). */
	get alive(): boolean {
		return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
	}

	async start(): Promise<void> {
		const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'server', 'serve.ts')], {
			cwd: root,
			env: { UV_THREADPOOL_SIZE: '16', ...process.env, PORT: String(this.port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', WYMIANA_DEMO: '1', ...this.env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		child.stdout!.on('data', (d) => (this.log += d));
		child.stderr!.on('data', (d) => (this.log += d));
		this.child = child;
		const deadline = Date.now() + 60_000;
		for (;;) {
			if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${this.log}`);
			try {
				if ((await fetch(`${this.url}/healthz`)).ok) return;
			} catch {
				// not yet listening
			}
			if (Date.now() > deadline) throw new Error(`server did not start:\n${this.log}`);
			await new Promise((r) => setTimeout(r, 100));
		}
	}

	/** SIGKILL: no graceful shutdown, as in a crash or a pulled plug. */
	async crash(): Promise<void> {
		const child = this.child;
		if (!child || child.exitCode !== null) return;
		const exited = new Promise((r) => child.once('exit', r));
		child.kill('SIGKILL');
		await exited;
	}

	async restart(): Promise<void> {
		await this.crash();
		this.restarts++;
		await this.start();
	}

	async stop(): Promise<void> {
		const child = this.child;
		if (!child || child.exitCode !== null) return;
		const exited = new Promise((r) => child.once('exit', r));
		child.kill('SIGTERM');
		await exited;
	}
}
