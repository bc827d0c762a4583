import { getMeta, type WymianaDb } from './db';

/** Bumped when the file's shape changes, so whoever reads an old file knows what it holds. */
export const EXPORT_FORMAT = 'wymiana-unsynced';
export const EXPORT_VERSION = 1;

function base64(bytes: Uint8Array): string {
	let binary = '';
	// In chunks: String.fromCharCode(...all) overflows the call stack on a multi-megabyte photo.
	for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	return btoa(binary);
}

/**
 * Everything on this tablet the server has not confirmed, as one JSON file: the last resort when a
 * device cannot sync (broken server, lost account) and its work must still reach the office.
 */
export async function exportUnsynced(db: WymianaDb): Promise<Blob> {
	const [clientId, lastMutationId, outbox, rejections, blobs] = await db.transaction(
		'r',
		[db.meta, db.outbox, db.rejections, db.blobs],
		() =>
			Promise.all([
				db.meta.get('clientId').then((row) => (row?.value as string | undefined) ?? null),
				getMeta(db, 'lastMutationId'),
				db.outbox.orderBy('id').toArray(),
				db.rejections.orderBy('id').toArray(),
				db.blobs.where('uploaded').equals(0).toArray()
			])
	);
	const files = [];
	for (const b of blobs) {
		files.push({ sha256: b.sha256, contentType: b.contentType, size: b.size, base64: base64(new Uint8Array(await b.blob.arrayBuffer())) });
	}
	const body = {
		format: EXPORT_FORMAT,
		version: EXPORT_VERSION,
		exportedAt: new Date().toISOString(),
		database: db.name,
		clientId,
		lastMutationId,
		outbox,
		rejections,
		blobs: files
	};
	return new Blob([JSON.stringify(body)], { type: 'application/json' });
}
