import { Readable } from 'node:stream';
import type { StoredBlob } from '../sync/blobs';

/** One `bytes=` range of a blob of `size` bytes, or 'invalid' (answered 416), or null (the whole blob). */
export function parseRange(header: string | null, size: number): { start: number; end: number } | 'invalid' | null {
	if (!header) return null;
	const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
	// Several ranges at once are allowed to be answered with the whole blob.
	if (!m) return header.includes(',') ? null : 'invalid';
	const [, from, to] = m;
	if (from === '' && to === '') return 'invalid';
	let start: number;
	let end: number;
	if (from === '') {
		const suffix = Number(to);
		if (suffix === 0) return 'invalid';
		start = Math.max(0, size - suffix);
		end = size - 1;
	} else {
		start = Number(from);
		end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
	}
	if (start >= size || start > end) return 'invalid';
	return { start, end };
}

/**
 * A blob as an HTTP answer, streamed (never read whole into memory): ETag = its sha256 (the bytes
 * behind a name never change), conditional requests answered 304, one byte range answered 206.
 */
export function blobResponse(request: Request, blob: StoredBlob, headers: Record<string, string>): Response {
	const etag = `"${blob.sha256}"`;
	const common = { ...headers, etag, 'accept-ranges': 'bytes', 'content-type': blob.contentType };
	const inm = request.headers.get('if-none-match');
	if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return new Response(null, { status: 304, headers: common });
	const ifRange = request.headers.get('if-range');
	const range = ifRange && ifRange !== etag ? null : parseRange(request.headers.get('range'), blob.size);
	if (range === 'invalid') return new Response(null, { status: 416, headers: { ...common, 'content-range': `bytes */${blob.size}` } });
	const body = (r?: { start: number; end: number }) => Readable.toWeb(blob.stream(r)) as ReadableStream<Uint8Array>;
	if (range) {
		return new Response(body(range), {
			status: 206,
			headers: { ...common, 'content-range': `bytes ${range.start}-${range.end}/${blob.size}`, 'content-length': String(range.end - range.start + 1) }
		});
	}
	return new Response(body(), { headers: { ...common, 'content-length': String(blob.size) } });
}
