import type { Kysely } from 'kysely';
import type { BlobStore } from '../blobs/blob-store';
import type { DB, LookupOutcome, LookupSource } from '../db/schema';
import { findBlob } from '../sync/blobs';
import { newId } from '../util/ids';

/** What a badge shows — and all the public pages ever read about a worker. */
export function findBadge(db: Kysely<DB>, badgeNumber: string) {
	return db
		.selectFrom('workers')
		.select(['id', 'first_name', 'last_name', 'company', 'badge_number', 'photo_sha256', 'status', 'valid_until', 'code_secret', 'crew_id'])
		.where('badge_number', '=', badgeNumber)
		.executeTakeFirst();
}

export type BadgeRow = NonNullable<Awaited<ReturnType<typeof findBadge>>>;

export function findWorker(db: Kysely<DB>, id: string) {
	return db
		.selectFrom('workers')
		.select(['id', 'first_name', 'last_name', 'company', 'badge_number', 'photo_sha256', 'status', 'valid_until'])
		.where('id', '=', id)
		.executeTakeFirst();
}

/** A badge photo: only blobs that are some worker's photo (never meter or signature photos). */
export async function findBadgePhoto(db: Kysely<DB>, sha256: string, store: BlobStore) {
	const isPortrait = await db.selectFrom('workers').select('id').where('photo_sha256', '=', sha256).limit(1).executeTakeFirst();
	return isPortrait ? findBlob(db, sha256, store) : undefined;
}

export interface LookupEntry {
	at: string;
	badgeInput: string | null;
	workerId: string | null;
	outcome: LookupOutcome;
	source: LookupSource;
	clientHash: string | null;
	/** Identical look-ups this entry stands for (1 unless collected under load). */
	hits?: number;
}

export async function logLookup(db: Kysely<DB>, entry: LookupEntry): Promise<void> {
	await logLookups(db, [entry]);
}

/** Many look-ups in few statements (the write-behind log of busy pages). */
export async function logLookups(db: Kysely<DB>, entries: LookupEntry[]): Promise<void> {
	for (let i = 0; i < entries.length; i += 500) {
		await db
			.insertInto('badge_lookups')
			.values(
				entries.slice(i, i + 500).map((e) => ({
					id: newId(),
					at: e.at,
					badge_input: e.badgeInput,
					worker_id: e.workerId,
					outcome: e.outcome,
					source: e.source,
					client_hash: e.clientHash,
					hits: e.hits ?? 1
				}))
			)
			.execute();
	}
}

/** The crew's visits at one building on one day (optionally one stairwell), excluding cancelled ones. */
export function crewVisitsAt(db: Kysely<DB>, crewId: string, day: string, buildingIds: string[], stairwell: string | null) {
	let q = db
		.selectFrom('jobs')
		.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
		.select(['jobs.window_start', 'jobs.window_end', 'mp.stairwell'])
		.where('jobs.crew_id', '=', crewId)
		.where('jobs.planned_date', '=', day)
		.where('jobs.status', 'in', ['planned', 'in_progress', 'done', 'no_access'])
		.where('mp.building_id', 'in', buildingIds);
	if (stairwell) q = q.where('mp.stairwell', '=', stairwell);
	return q.execute();
}

export function allBuildings(db: Kysely<DB>) {
	return db
		.selectFrom('buildings')
		.innerJoin('estates', 'estates.id', 'buildings.estate_id')
		.select(['buildings.id', 'buildings.street', 'buildings.number', 'buildings.postcode', 'buildings.city', 'estates.name as estate'])
		.orderBy('buildings.street')
		.orderBy('buildings.number')
		.execute();
}
