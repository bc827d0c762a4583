import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { nextTurn } from '../util/turns';
import { s3BlobStore, s3SettingsFromEnv } from './s3-store';

/**
 * Where the bytes of photos, signatures and portraits live: a content-addressed store outside the
 * database (the database keeps their metadata). Bytes are stored under their sha256, checked by
 * the caller, so a name always holds exactly the bytes it names and writing twice is harmless.
 */
export interface BlobStore {
	readonly kind: 'fs' | 's3';
	/** Where the bytes are, for messages (a directory, or s3://bucket/prefix at an endpoint). */
	readonly location: string;
	/**
	 * Stores the bytes under their (already verified) sha256; durable when it resolves. Writing a
	 * blob the store has already is harmless (the same bytes again).
	 */
	put(sha256: string, bytes: Uint8Array): Promise<void>;
	/** The stored size, or null when the store does not have it. */
	size(sha256: string): Promise<number | null>;
	/** The bytes, or null. */
	read(sha256: string): Promise<Buffer | null>;
	/** A stream of the bytes from `start` to `end` inclusive (the whole blob without them). */
	stream(sha256: string, range?: { start: number; end: number }): Readable;
}

/** The filesystem store also says which file holds a blob (backups copy those files). */
export interface FilesystemBlobStore extends BlobStore {
	readonly kind: 'fs';
	/** The file a sha256 is kept in. */
	pathOf(sha256: string): string;
	readonly root: string;
}

/** `ab/cd/<sha256>`: the layout of both stores (so a filesystem store syncs 1:1 into a bucket). */
export function blobKey(sha256: string): string {
	return `${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

const HASH_SLICE = 1 << 20;

/**
 * The sha256 of a blob's bytes, in hex. Hashed on the event loop a mebibyte at a time, giving the
 * loop back between slices (a photo is one slice, 0.2 ms): cheaper than WebCrypto's digest, which
 * copies the bytes and hops to the thread pool and back, and a 20 MB upload still holds no other
 * request for more than a slice.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
	const hash = createHash('sha256');
	for (let at = 0; at < bytes.byteLength; at += HASH_SLICE) {
		if (at > 0) await nextTurn();
		hash.update(bytes.subarray(at, at + HASH_SLICE));
	}
	return hash.digest('hex');
}

/** The store is full, read-only or unreachable: the upload is answered 503 and the tablet retries. */
export class BlobStoreUnavailable extends Error {}

const UNAVAILABLE_CODES = new Set(['ENOTDIR', 'ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'ENOTCONN', 'ESTALE', 'EMFILE', 'ENFILE']);

export const DEFAULT_BLOB_DIR = './data/blobs';

/**
 * The filesystem store: `<root>/ab/cd/<sha256>`. A blob is written to a temporary name in its
 * final directory, fsynced, then renamed into place (atomic on one filesystem) and the directory
 * fsynced: a crash mid-write leaves at most a temporary file, never a short file under the final
 * name. Two uploads of the same bytes at once each write their own temporary file and the second
 * rename replaces identical bytes with identical bytes.
 *
 * The two fsyncs are most of an upload's time (`npm run bench -- blobs`), and they cannot be
 * shared: the directory fsync makes one rename durable, and concurrent uploads land in different
 * `ab/cd/` directories. What is saved is every other round trip through libuv's thread pool: a
 * directory made once is not made again (nor is the file looked up first: callers check the
 * metadata row, and writing a blob that is there already only replaces it with the same bytes).
 */
export function filesystemBlobStore(root: string): FilesystemBlobStore {
	const base = resolve(root);
	const pathOf = (sha256: string) => join(base, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
	const size = async (sha256: string) => {
		try {
			return (await stat(pathOf(sha256))).size;
		} catch {
			return null;
		}
	};
	/** Directories this process has made (or found); one removed meanwhile is made again. */
	const made = new Set<string>();
	const create = async (dir: string, tmp: string, again = true): Promise<FileHandle> => {
		if (!made.has(dir)) {
			await mkdir(dir, { recursive: true });
			made.add(dir);
		}
		try {
			return await open(tmp, 'wx');
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !again) throw e;
			made.delete(dir);
			return create(dir, tmp, false);
		}
	};
	return {
		kind: 'fs',
		root: base,
		location: base,
		pathOf,
		size,
		async put(sha256, bytes) {
			const final = pathOf(sha256);
			const dir = dirname(final);
			const tmp = join(dir, `.${sha256}.${process.pid}.${randomUUID()}.tmp`);
			try {
				const file = await create(dir, tmp);
				try {
					await file.writeFile(bytes);
					await file.sync();
				} finally {
					await file.close();
				}
				await rename(tmp, final);
				const d = await open(dir, 'r');
				try {
					await d.sync();
				} finally {
					await d.close();
				}
			} catch (e) {
				await unlink(tmp).catch(() => {});
				const code = (e as NodeJS.ErrnoException).code;
				if (code && UNAVAILABLE_CODES.has(code)) throw new BlobStoreUnavailable(`blob store at ${base}: ${code}`, { cause: e });
				throw e;
			}
		},
		async read(sha256) {
			try {
				return await readFile(pathOf(sha256));
			} catch {
				return null;
			}
		},
		stream(sha256, range) {
			return createReadStream(pathOf(sha256), range);
		}
	};
}

const fromEnv = new Map<string, BlobStore>();

/**
 * The store this process uses: S3-compatible object storage with WYMIANA_BLOB_STORE=s3 (settings in
 * server/blobs/s3-store.ts), else the filesystem at WYMIANA_BLOB_DIR or data/blobs. One store (and
 * one S3 client with its connection pool) per configuration.
 */
export function blobStoreFromEnv(env: NodeJS.ProcessEnv = process.env): BlobStore {
	const s3 = s3SettingsFromEnv(env);
	const key = s3 ? JSON.stringify(s3) : `fs:${env.WYMIANA_BLOB_DIR || DEFAULT_BLOB_DIR}`;
	let store = fromEnv.get(key);
	if (!store) {
		store = s3 ? s3BlobStore(s3) : filesystemBlobStore(env.WYMIANA_BLOB_DIR || DEFAULT_BLOB_DIR);
		fromEnv.set(key, store);
	}
	return store;
}
