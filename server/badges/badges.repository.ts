import type { ExpressionBuilder, Kysely } from 'kysely';
import type { BlobStore } from '../blobs/blob-store';
import type { DB, LookupOutcome, LookupSource } from '../db/schema';
import { findBlob } from '../sync/blobs';
import { newId } from '../util/ids';

/** Whether the worker's sign-in account is disabled: a disabled fitter must not read as valid anywhere. */
const accountDisabled = (eb: ExpressionBuilder<DB, 'workers'>) =>
	eb.exists(eb.selectFrom('users').select('users.id').whereRef('users.worker_id', '=', 'workers.id').where('users.disabled', '=', 1)).as('account_disabled');

/**
 * What a badge shows — and all the public pages ever read about a worker. A number the worker no
 * longer carries (replaced after loss or theft) is found too, and reads as revoked.
 */
export async function findBadge(db: Kysely<DB>, badgeNumber: string) {
	const columns = ['workers.id', 'first_name', 'last_name', 'company', 'workers.badge_number', 'photo_sha256', 'status', 'valid_from', 'valid_until', 'code_secret', 'crew_id'] as const;
	const current = await db.selectFrom('workers').select(columns).select(accountDisabled).where('badge_number', '=', badgeNumber).executeTakeFirst();
	if (current) return current;
	const retired = await db
		.selectFrom('retired_badges')
		.innerJoin('workers', 'workers.id', 'retired_badges.worker_id')
		.select(columns)
		.select(accountDisabled)
		.where('retired_badges.badge_number', '=', badgeNumber)
		.executeTakeFirst();
	return retired && { ...retired, badge_number: badgeNumber, status: 'revoked' as const };
}

export type BadgeRow = NonNullable<Awaited<ReturnType<typeof findBadge>>>;

export function findWorker(db: Kysely<DB>, id: string) {
	return db
		.selectFrom('workers')
		.select(['id', 'first_name', 'last_name', 'company', 'badge_number', 'photo_sha256', 'status', 'valid_from', 'valid_until', 'crew_id'])
		.select(accountDisabled)
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
