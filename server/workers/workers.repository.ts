import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

/** Workers with their account (if any) and crew, for the admin's list. */
export function workerRows(db: Kysely<DB>) {
	return db
		.selectFrom('workers')
		.leftJoin('users', 'users.worker_id', 'workers.id')
		.leftJoin('crews', 'crews.id', 'workers.crew_id')
		.select([
			'workers.id', 'workers.first_name', 'workers.last_name', 'workers.company', 'workers.badge_number', 'workers.photo_sha256',
			'workers.status', 'workers.valid_from', 'workers.valid_until', 'workers.status_reason', 'workers.status_changed_at',
			'workers.crew_id', 'crews.name as crew_name', 'users.id as user_id', 'users.login', 'users.role', 'users.disabled'
		])
		.orderBy('workers.last_name')
		.orderBy('workers.first_name');
}

/** Office accounts (no badge): planners, admins, the warehouse. */
export function officeUsers(db: Kysely<DB>) {
	return db
		.selectFrom('users')
		.select(['id', 'login', 'display_name', 'role', 'disabled', 'totp_enabled'])
		.where('worker_id', 'is', null)
		.orderBy('display_name')
		.execute();
}

export function findWorkerRow(db: Kysely<DB>, id: string) {
	return db.selectFrom('workers').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The latest public look-ups per worker (any of their numbers), newest first. */
export async function recentLookups(db: Kysely<DB>, workerIds: string[], perWorker: number) {
	const out = new Map<string, { at: string; outcome: string; badge: string | null; hits: number }[]>();
	for (let i = 0; i < workerIds.length; i += 500) {
		const rows = await db
			.selectFrom('badge_lookups')
			.select(['worker_id', 'at', 'outcome', 'badge_input', 'hits'])
			.where('worker_id', 'in', workerIds.slice(i, i + 500))
			.orderBy('at', 'desc')
			.limit(perWorker * 50)
			.execute();
		for (const r of rows) {
			const list = out.get(r.worker_id!) ?? [];
			if (list.length < perWorker) list.push({ at: r.at, outcome: r.outcome, badge: r.badge_input, hits: Number(r.hits) });
			out.set(r.worker_id!, list);
		}
	}
	return out;
}

export function retiredBadgesOf(db: Kysely<DB>, workerId: string) {
	return db.selectFrom('retired_badges').selectAll().where('worker_id', '=', workerId).orderBy('retired_at', 'desc').execute();
}
