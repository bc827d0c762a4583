import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
