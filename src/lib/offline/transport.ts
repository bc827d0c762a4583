import { TRPCClientError } from '@trpc/client';
import type { PullInput, PullResult, PushInput, PushResult } from '$lib/domain/mutations';

/**
 * How the sync engine reaches the server. An interface so unit tests can plug in a fake server and
 * the fault-injection test an HTTP one; the app uses `trpcTransport`.
 */
export interface SyncTransport {
	push(input: PushInput): Promise<PushResult>;
	pull(input: PullInput): Promise<PullResult>;
	/** The hashes (of those given) the server does not have yet. */
	missingBlobs(hashes: string[]): Promise<string[]>;
	uploadBlob(sha256: string, blob: Blob, onProgress: (loaded: number, total: number) => void): Promise<void>;
}

/**
 * A failure with a stable code the engine branches on: NETWORK (no answer — retry later),
 * UNAUTHORIZED / SESSION_EXPIRED (sign in again), SYNC_GAP (server lost mutations), or any other
 * app code the server sent.
 */
export class SyncTransportError extends Error {
	constructor(
		readonly code: string,
		message = code
	) {
		super(message);
		this.name = 'SyncTransportError';
	}
}

/** The stable code of any error a transport (or fetch itself) threw. */
export function syncErrorCode(err: unknown): string {
	if (err instanceof SyncTransportError) return err.code;
	if (err instanceof TRPCClientError) {
		const appCode = (err.data as { appCode?: unknown } | undefined)?.appCode;
		// No data: the request never got a tRPC answer (offline, proxy error page, timeout).
		return typeof appCode === 'string' ? appCode : 'NETWORK';
	}
	// fetch rejects with a TypeError when there is no network.
	if (err instanceof TypeError) return 'NETWORK';
	return 'INTERNAL';
}

/** The part of the app's tRPC client the transport uses; the real client satisfies it structurally. */
export interface SyncClient {
	sync: {
		push: { mutate(input: PushInput): Promise<PushResult> };
		pull: { query(input: PullInput): Promise<PullResult> };
		missingBlobs: { query(input: { hashes: string[] }): Promise<{ missing: string[] }> };
	};
}

export interface TrpcTransportOptions {
	/** Where blobs go; absolute in Node tests, same-origin in the browser. */
	blobUrl?: (sha256: string) => string;
	fetch?: typeof fetch;
}

function httpCode(status: number): string {
	if (status === 401) return 'UNAUTHORIZED';
	if (status === 403) return 'FORBIDDEN';
	// A gateway or server error says nothing about the blob: try again later like a lost network.
	if (status >= 500 || status === 0) return 'NETWORK';
	return `HTTP_${status}`;
}

function xhrUpload(url: string, blob: Blob, onProgress: (loaded: number, total: number) => void): Promise<void> {
	return new Promise((resolve, reject) => {
		const xhr = new XMLHttpRequest();
		xhr.open('PUT', url);
		xhr.withCredentials = true;
		xhr.setRequestHeader('content-type', blob.type);
		xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : blob.size);
		xhr.onload = () =>
			xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new SyncTransportError(httpCode(xhr.status)));
		xhr.onerror = xhr.ontimeout = xhr.onabort = () => reject(new SyncTransportError('NETWORK'));
		xhr.send(blob);
	});
}

async function fetchUpload(doFetch: typeof fetch, url: string, blob: Blob, onProgress: (loaded: number, total: number) => void) {
	let res: Response;
	try {
		res = await doFetch(url, { method: 'PUT', body: blob, headers: { 'content-type': blob.type }, credentials: 'same-origin' });
	} catch {
		throw new SyncTransportError('NETWORK');
	}
	if (!res.ok) throw new SyncTransportError(httpCode(res.status));
	// fetch cannot report upload progress; the whole blob counts once it is there.
	onProgress(blob.size, blob.size);
}

/** Maps any failure to a SyncTransportError so the engine sees one error type. */
async function coded<T>(call: () => Promise<T>): Promise<T> {
	try {
		return await call();
	} catch (err) {
		throw err instanceof SyncTransportError ? err : new SyncTransportError(syncErrorCode(err), (err as Error)?.message);
	}
}

/** The app's transport: tRPC for push/pull, a plain PUT per blob (XHR in the browser for progress). */
export function trpcTransport(client: SyncClient, options: TrpcTransportOptions = {}): SyncTransport {
	const blobUrl = options.blobUrl ?? ((sha256: string) => `/api/blobs/${sha256}`);
	return {
		push: (input) => coded(() => client.sync.push.mutate(input)),
		pull: (input) => coded(() => client.sync.pull.query(input)),
		missingBlobs: (hashes) => coded(async () => (await client.sync.missingBlobs.query({ hashes })).missing),
		uploadBlob: (sha256, blob, onProgress) => {
			const url = blobUrl(sha256);
			if (typeof XMLHttpRequest !== 'undefined' && !options.fetch) return xhrUpload(url, blob, onProgress);
			return fetchUpload(options.fetch ?? fetch, url, blob, onProgress);
		}
	};
}
