import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { blobStoreFromEnv, sha256Hex, type BlobStore } from '../blobs/blob-store';
import { prepared } from '../db/prepared';
import type { DB } from '../db/schema';
import { AppError } from '../errors';
import { nowIso } from '../util/ids';
import { recordChanges } from './change-log';
import { photoDto } from './entities';

const storedBlob = prepared((db, p: { sha256: string }) => db.selectFrom('blobs').select('sha256').where('sha256', '=', p.sha256));

/** Whether the server has these bytes (their row: the bytes are stored before it is written). */
export async function hasBlob(db: Kysely<DB>, sha256: string): Promise<boolean> {
	return (await storedBlob(db, { sha256 })).length > 0;
}

export const BLOB_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/pdf'] as const;
export const MAX_BLOB_BYTES = 20_000_000;

/**
 * Stores a photo or signature under its sha256. Idempotent: a resend of the same bytes is a no-op.
 * The bytes go to the blob store first and the metadata row after, so a row always means the
 * bytes are safe. Photos that were waiting for these bytes are announced to the crew as uploaded.
 */
export async function storeBlob(db: Kysely<DB>, sha256: string, contentType: string, bytes: Uint8Array, store: BlobStore = blobStoreFromEnv()): Promise<'stored' | 'exists'> {
	if (!/^[0-9a-f]{64}$/.test(sha256)) throw new AppError('VALIDATION', { fieldErrors: { sha256: ['sha256'] } });
	if (!(BLOB_TYPES as readonly string[]).includes(contentType)) throw new AppError('VALIDATION', { fieldErrors: { contentType: [contentType] } });
	if (bytes.byteLength === 0 || bytes.byteLength > MAX_BLOB_BYTES) throw new AppError('VALIDATION', { fieldErrors: { size: [String(bytes.byteLength)] } });
	if ((await sha256Hex(bytes)) !== sha256) throw new AppError('VALIDATION', { detail: 'the bytes do not match their sha256', fieldErrors: { sha256: ['mismatch'] } });
	if (await hasBlob(db, sha256)) return 'exists';
	await store.put(sha256, bytes);
	return db.transaction().execute(async (trx) => {
		const inserted = await trx
			.insertInto('blobs')
			.values({ sha256, content_type: contentType, size: bytes.byteLength, data: EMPTY, stored_in: store.kind, created_at: nowIso() })
			// Two uploads of the same bytes at once: the second finds the first's row.
			.onConflict((oc) => oc.column('sha256').doNothing())
			.returning('sha256')
			.executeTakeFirst();
		if (!inserted) return 'exists';
		const waiting = await trx
			.selectFrom('job_photos')
			.innerJoin('jobs', 'jobs.id', 'job_photos.job_id')
			.selectAll('job_photos')
			.select('jobs.crew_id')
			.where('job_photos.sha256', '=', sha256)
			.execute();
		await recordChanges(trx, waiting.map(({ crew_id, ...p }) => ({ entity: 'photo', id: p.id, op: 'put', crewId: crew_id, data: photoDto(p, true) })));
		return 'stored';
	});
}

const EMPTY = new Uint8Array(0);

export interface StoredBlob {
	sha256: string;
	contentType: string;
	size: number;
	/** The bytes from `start` to `end` inclusive, or all of them. */
	stream(range?: { start: number; end: number }): Readable;
	bytes(): Promise<Buffer>;
}

/**
 * A blob by its sha256, wherever its bytes are (the store, or the row for blobs not moved out
 * yet), or undefined.
 */
export async function findBlob(db: Kysely<DB>, sha256: string, store: BlobStore = blobStoreFromEnv()): Promise<StoredBlob | undefined> {
	const row = await db.selectFrom('blobs').select(['sha256', 'content_type', 'size', 'stored_in']).where('sha256', '=', sha256).executeTakeFirst();
	if (!row) return undefined;
	const base = { sha256, contentType: row.content_type, size: row.size };
	if (row.stored_in) {
		return {
			...base,
			stream: (range) => store.stream(sha256, range),
			bytes: async () => (await store.read(sha256)) ?? Buffer.alloc(0)
		};
	}
	const inRow = async () => Buffer.from((await db.selectFrom('blobs').select('data').where('sha256', '=', sha256).executeTakeFirstOrThrow()).data);
	return {
		...base,
		stream: (range) => Readable.from((async function* () {
			const all = await inRow();
			yield range ? all.subarray(range.start, range.end + 1) : all;
		})()),
		bytes: inRow
	};
}

/** Finished jobs whose photos or signatures have not all arrived: not complete on the server yet. */
export function jobsAwaitingBlobs(db: Kysely<DB>) {
	return db
		.selectFrom('jobs')
		.innerJoin('job_photos', 'job_photos.job_id', 'jobs.id')
		.leftJoin('blobs', 'blobs.sha256', 'job_photos.sha256')
		.select(['jobs.id', (eb) => eb.fn.countAll<number>().as('missing')])
		.where('jobs.status', '=', 'done')
		.where('blobs.sha256', 'is', null)
		.groupBy('jobs.id')
		.execute();
}

/**
 * Of these hashes, the ones the server holds that belong to the crew's own jobs (photos, seal and
 * visit photos, signatures, protocols). Anything else reads as missing — a fitter learns nothing
 * about other crews' evidence, and at worst uploads bytes the server keeps once anyway.
 */
export async function storedForCrew(db: Kysely<DB>, crewId: string | null, hashes: string[]): Promise<Set<string>> {
	if (crewId === null || hashes.length === 0) return new Set();
	const crewJobs = db.selectFrom('jobs').select('jobs.id').where('jobs.crew_id', '=', crewId);
	const rows = await db
		.selectFrom('blobs')
		.select('blobs.sha256')
		.where('blobs.sha256', 'in', hashes)
		.where((eb) =>
			eb.or([
				eb.exists(eb.selectFrom('job_photos').select('job_photos.id').whereRef('job_photos.sha256', '=', 'blobs.sha256').where('job_photos.job_id', 'in', crewJobs)),
				eb.exists(
					eb.selectFrom('exchanges').select('exchanges.job_id').where('exchanges.job_id', 'in', crewJobs).where((x) =>
						x.or([x('exchanges.signature_sha256', '=', x.ref('blobs.sha256')), x('exchanges.protocol_sha256', '=', x.ref('blobs.sha256')), x('exchanges.mismatch_photo_sha256', '=', x.ref('blobs.sha256'))])
					)
				),
				eb.exists(eb.selectFrom('seals').select('seals.id').whereRef('seals.photo_sha256', '=', 'blobs.sha256').where('seals.job_id', 'in', crewJobs)),
				eb.exists(eb.selectFrom('no_access_visits').select('no_access_visits.id').whereRef('no_access_visits.photo_sha256', '=', 'blobs.sha256').where('no_access_visits.job_id', 'in', crewJobs))
			])
		)
		.execute();
	return new Set(rows.map((r) => r.sha256));
}
