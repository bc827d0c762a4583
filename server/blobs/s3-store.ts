import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { PassThrough, Readable } from 'node:stream';
import { blobKey, BlobStoreUnavailable, type BlobStore } from './blob-store';
import { SettingsError } from '../errors';

/**
 * Settings of the S3-compatible store (MinIO, Ceph RGW, AWS S3), from the environment:
 * WYMIANA_BLOB_STORE=s3, WYMIANA_S3_BUCKET, and optionally WYMIANA_S3_ENDPOINT (MinIO/Ceph; AWS
 * without it), WYMIANA_S3_REGION (default us-east-1), WYMIANA_S3_ACCESS_KEY_ID and
 * WYMIANA_S3_SECRET_ACCESS_KEY (else the SDK's own chain: AWS_* variables, profiles, instance
 * roles), WYMIANA_S3_FORCE_PATH_STYLE (1/0; default 1 with an endpoint, as MinIO and Ceph expect),
 * WYMIANA_S3_PREFIX (keys under a folder of a shared bucket).
 */
export interface S3Settings {
	bucket: string;
	endpoint?: string;
	region: string;
	forcePathStyle: boolean;
	prefix: string;
	accessKeyId?: string;
	secretAccessKey?: string;
}


export function s3SettingsFromEnv(env: NodeJS.ProcessEnv): S3Settings | null {
	const kind = (env.WYMIANA_BLOB_STORE ?? '').trim().toLowerCase();
	if (kind === '' || kind === 'fs') return null;
	if (kind !== 's3') throw new SettingsError(`WYMIANA_BLOB_STORE must be "fs" or "s3", not "${env.WYMIANA_BLOB_STORE}"`);
	const bucket = env.WYMIANA_S3_BUCKET?.trim();
	if (!bucket) throw new SettingsError('WYMIANA_BLOB_STORE=s3 needs WYMIANA_S3_BUCKET (the bucket for photos and signatures)');
	const endpoint = env.WYMIANA_S3_ENDPOINT?.trim() || undefined;
	if (endpoint && !/^https?:\/\/[^/]+/.test(endpoint)) throw new SettingsError(`WYMIANA_S3_ENDPOINT must be a URL like https://minio.example:9000, not "${endpoint}"`);
	const accessKeyId = env.WYMIANA_S3_ACCESS_KEY_ID?.trim() || undefined;
	const secretAccessKey = env.WYMIANA_S3_SECRET_ACCESS_KEY?.trim() || undefined;
	if (!accessKeyId !== !secretAccessKey) throw new SettingsError('set both WYMIANA_S3_ACCESS_KEY_ID and WYMIANA_S3_SECRET_ACCESS_KEY, or neither');
	const pathStyle = env.WYMIANA_S3_FORCE_PATH_STYLE?.trim();
	if (pathStyle && !['0', '1', 'true', 'false'].includes(pathStyle)) throw new SettingsError(`WYMIANA_S3_FORCE_PATH_STYLE must be 1 or 0, not "${pathStyle}"`);
	const prefix = (env.WYMIANA_S3_PREFIX ?? '').trim().replace(/^\/+|\/+$/g, '');
	return {
		bucket,
		endpoint,
		region: env.WYMIANA_S3_REGION?.trim() || 'us-east-1',
		forcePathStyle: pathStyle ? pathStyle === '1' || pathStyle === 'true' : Boolean(endpoint),
		prefix: prefix ? `${prefix}/` : '',
		accessKeyId,
		secretAccessKey
	};
}

const notFound = (e: unknown) => e instanceof S3ServiceException && (e.$metadata.httpStatusCode === 404 || e.name === 'NoSuchKey' || e.name === 'NotFound');

/**
 * The S3-compatible store: objects `<prefix>ab/cd/<sha256>` in one bucket. A PUT is atomic (an
 * object appears whole or not at all, so an upload cut off halfway leaves nothing), and two PUTs of
 * the same bytes at once leave the same object. The sha256 is sent with the PUT
 * (x-amz-checksum-sha256): the storage checks the bytes it received against it and refuses a
 * mismatch, so nothing is hashed twice here. Any failure to write (unreachable, refused
 * credentials, missing bucket, full) is BlobStoreUnavailable: the upload is answered 503 and the
 * tablet keeps the photo and retries.
 */
export function s3BlobStore(settings: S3Settings, client?: S3Client): BlobStore {
	const s3 =
		client ??
		new S3Client({
			region: settings.region,
			endpoint: settings.endpoint,
			forcePathStyle: settings.forcePathStyle,
			credentials: settings.accessKeyId ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey! } : undefined,
			// A store that does not answer is reported within seconds, not after minutes.
			requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
			maxAttempts: 3
		});
	const Bucket = settings.bucket;
	const Key = (sha256: string) => settings.prefix + blobKey(sha256);
	const location = `s3://${Bucket}/${settings.prefix}${settings.endpoint ? ` at ${settings.endpoint}` : ''}`;
	const unavailable = (e: unknown) => new BlobStoreUnavailable(`blob store ${location}: ${(e as Error).name ?? ''} ${(e as Error).message ?? String(e)}`.trim(), { cause: e });
	return {
		kind: 's3',
		location,
		async put(sha256, bytes) {
			try {
				await s3.send(
					new PutObjectCommand({
						Bucket,
						Key: Key(sha256),
						Body: bytes,
						ContentLength: bytes.byteLength,
						ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64')
					})
				);
			} catch (e) {
				throw unavailable(e);
			}
		},
		async size(sha256) {
			try {
				return (await s3.send(new HeadObjectCommand({ Bucket, Key: Key(sha256) }))).ContentLength ?? null;
			} catch (e) {
				if (notFound(e)) return null;
				throw unavailable(e);
			}
		},
		async read(sha256) {
			try {
				const got = await s3.send(new GetObjectCommand({ Bucket, Key: Key(sha256) }));
				return got.Body ? Buffer.from(await got.Body.transformToByteArray()) : null;
			} catch (e) {
				if (notFound(e)) return null;
				throw unavailable(e);
			}
		},
		stream(sha256, range) {
			// The answer starts at once; the object's bytes flow in as S3 sends them (never held whole).
			const out = new PassThrough();
			s3.send(new GetObjectCommand({ Bucket, Key: Key(sha256), Range: range ? `bytes=${range.start}-${range.end}` : undefined })).then(
				(got) => {
					const body = got.Body;
					if (!(body instanceof Readable)) return out.destroy(new Error(`blob ${sha256}: no body from ${location}`));
					body.on('error', (e) => out.destroy(e));
					out.on('close', () => body.destroy());
					body.pipe(out);
				},
				(e) => out.destroy(notFound(e) ? new Error(`blob ${sha256} is missing from ${location}`) : unavailable(e))
			);
			return out;
		}
	};
}
