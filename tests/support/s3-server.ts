import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import S3rver from 's3rver';

/** s3rver's fixed credentials (it checks request signatures against them). */
export const S3_KEY = { id: 'S3RVER', secret: 'S3RVER' };

/**
 * An S3-protocol server (s3rver, files in a temporary directory) on a free loopback port, with one
 * bucket, for tests and benchmarks of the S3 blob store. `env` is what a Wymiana process needs to
 * use it.
 */
export async function startS3Server(bucket = 'wymiana-test'): Promise<{ endpoint: string; bucket: string; env: Record<string, string>; directory: string; stop(): Promise<void> }> {
	const directory = mkdtempSync(join(tmpdir(), 'wymiana-s3rver-'));
	const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
	const { port } = await server.run();
	const endpoint = `http://127.0.0.1:${port}`;
	return {
		endpoint,
		bucket,
		directory,
		env: {
			WYMIANA_BLOB_STORE: 's3',
			WYMIANA_S3_ENDPOINT: endpoint,
			WYMIANA_S3_BUCKET: bucket,
			WYMIANA_S3_ACCESS_KEY_ID: S3_KEY.id,
			WYMIANA_S3_SECRET_ACCESS_KEY: S3_KEY.secret,
			AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'
		},
		async stop() {
			await server.close();
			rmSync(directory, { recursive: true, force: true });
		}
	};
}

/**
 * The same server in a child process of its own (benchmarks: its work does not share the event
 * loop of the process measured). Resolves once it listens.
 */
export async function spawnS3Server(bucket = 'wymiana-bench'): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
	const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), bucket], { stdio: ['ignore', 'pipe', 'inherit'] });
	const env = await new Promise<Record<string, string>>((ok, fail) => {
		let out = '';
		child.once('exit', (code) => fail(new Error(`s3rver exited with ${code}`)));
		child.stdout!.on('data', (d: Buffer) => {
			out += d.toString();
			if (out.includes('\n')) ok(JSON.parse(out.split('\n')[0]!) as Record<string, string>);
		});
	});
	return {
		env,
		stop: () =>
			new Promise<void>((ok) => {
				child.once('exit', () => ok());
				child.kill('SIGTERM');
			})
	};
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	const s3 = await startS3Server(process.argv[2]);
	process.stdout.write(`${JSON.stringify(s3.env)}\n`);
	process.once('SIGTERM', () => void s3.stop().then(() => process.exit(0)));
}
