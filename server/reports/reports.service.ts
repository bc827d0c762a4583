import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { checkBadgeNumber, formatBadgeNumber, normalizeBadgeNumber } from '../../src/lib/domain/badge';
import type { DB } from '../db/schema';
import { clientHash } from '../public/client';
import { publicKeys } from '../public/keys';
import type { PublicLimiters } from '../public/limits';
import { takePoints } from '../public/shared-limiter';
import { newBookingReference } from '../booking/reference';
import { newId } from '../util/ids';
import { badgeStatus } from '../badges/badges.service';
import { jobForReport } from './report-job';

/**
 * A resident's report of a suspicious visit. Nothing personal is asked: where, when, what
 * happened, and the badge number if they saw one.
 */
export interface ReportInput {
	address: string;
	/** ISO instant. */
	occurredAt: string;
	description: string;
	badgeSeen?: string;
}

export type ReportAnswer = { kind: 'limited'; retryAfterSeconds: number } | { kind: 'saved'; reference: string };

export async function submitReport(
	deps: { db: Kysely<DB>; limits: PublicLimiters },
	input: ReportInput,
	ip: string,
	now = new Date()
): Promise<ReportAnswer> {
	const wait = await takePoints([[deps.limits.reportIp, ip]]);
	if (wait !== null) return { kind: 'limited', retryAfterSeconds: wait };
	const keys = await publicKeys(deps.db);
	const seen = input.badgeSeen ? normalizeBadgeNumber(input.badgeSeen) : '';
	const checked = seen ? checkBadgeNumber(seen) : null;
	const worker = checked?.ok
		? await deps.db.selectFrom('workers').select('id').where('badge_number', '=', checked.badgeNumber).executeTakeFirst()
		: undefined;
	const reference = newBookingReference();
	const jobId = await jobForReport(deps.db, input.address, input.occurredAt);
	await deps.db
		.insertInto('suspicious_reports')
		.values({
			id: newId(),
			reference,
			created_at: now.toISOString(),
			address: input.address,
			occurred_at: new Date(input.occurredAt).toISOString(),
			description: input.description,
			badge_seen: checked?.ok ? checked.badgeNumber : seen || null,
			worker_id: worker?.id ?? null,
			job_id: jobId,
			client_hash: clientHash(keys.hmac, ip)
		})
		.execute();
	return { kind: 'saved', reference };
}

/** Newest first, for planners. */
export async function listReports(db: Kysely<DB>, limit = 200) {
	const rows = await db
		.selectFrom('suspicious_reports as r')
		.leftJoin('workers as w', 'w.id', 'r.worker_id')
		.leftJoin('jobs as j', 'j.id', 'r.job_id')
		.leftJoin('meter_points as mp', 'mp.id', 'j.meter_point_id')
		.select(['r.id', 'r.reference', 'r.created_at', 'r.address', 'r.occurred_at', 'r.description', 'r.badge_seen', 'r.job_id', 'mp.ppe', 'w.first_name', 'w.last_name', 'w.status', 'w.valid_from', 'w.valid_until'])
		.orderBy('r.created_at', 'desc')
		.orderBy('r.id', 'desc')
		.limit(limit)
		.execute();
	return rows.map((r) => ({
		id: r.id,
		reference: r.reference,
		createdAt: r.created_at,
		address: r.address,
		occurredAt: r.occurred_at,
		description: r.description,
		badgeSeen: r.badge_seen,
		job: r.job_id ? { id: r.job_id, ppe: r.ppe } : null,
		worker: r.first_name ? { name: `${r.first_name} ${r.last_name}`, status: badgeStatus({ status: r.status!, valid_from: r.valid_from, valid_until: r.valid_until! }, new Date()) } : null
	}));
}

/**
 * Look-ups per badge: the last hour, the last 24 hours and the daily average of the 7 days before.
 * A spike is a day well above the badge's usual (or an hour that alone is), which suggests someone
 * is harvesting its live code or a forged copy is going round.
 */
export const SPIKE = { minDay: 20, dayFactor: 3, minHour: 15 } as const;

export async function lookupStats(db: Kysely<DB>, now = new Date()) {
	const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
	const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
	const weekBefore = new Date(now.getTime() - 8 * 86_400_000).toISOString();
	const counts = await db
		.selectFrom('badge_lookups')
		.select((eb) => [
			'worker_id',
			eb.fn.sum<number>(sql`case when at >= ${hourAgo} then hits else 0 end`).as('hour'),
			eb.fn.sum<number>(sql`case when at >= ${dayAgo} then hits else 0 end`).as('day'),
			eb.fn.sum<number>(sql`case when at < ${dayAgo} then hits else 0 end`).as('before')
		])
		.where('at', '>=', weekBefore)
		.groupBy('worker_id')
		.execute();
	const byWorker = new Map(counts.map((c) => [c.worker_id, c]));
	const workers = await db
		.selectFrom('workers')
		.select(['id', 'badge_number', 'first_name', 'last_name', 'status', 'valid_from', 'valid_until'])
		.orderBy('last_name')
		.orderBy('first_name')
		.execute();
	const badges = workers.map((w) => {
		const c = byWorker.get(w.id);
		const hour = Number(c?.hour ?? 0);
		const day = Number(c?.day ?? 0);
		const dailyAverage = Number(c?.before ?? 0) / 7;
		const spike = (day >= SPIKE.minDay && day >= SPIKE.dayFactor * Math.max(dailyAverage, 1)) || hour >= SPIKE.minHour;
		return {
			workerId: w.id,
			badgeNumber: w.badge_number,
			name: `${w.first_name} ${w.last_name}`,
			status: badgeStatus(w, now),
			lastHour: hour,
			last24h: day,
			dailyAverage: Math.round(dailyAverage * 10) / 10,
			spike
		};
	});
	badges.sort((a, b) => Number(b.spike) - Number(a.spike) || b.last24h - a.last24h || a.name.localeCompare(b.name, 'pl'));
	const unknown = byWorker.get(null);
	return {
		badges,
		notFound: { lastHour: Number(unknown?.hour ?? 0), last24h: Number(unknown?.day ?? 0) },
		spikeRule: SPIKE,
		revoked: await revokedLookups(db, now)
	};
}

/**
 * Numbers that were checked in the last 7 days and read "revoked" — a number retired after loss or
 * theft (its worker carries a new one), or the current number of a revoked badge. Someone is
 * showing a card that should have been handed in or destroyed: the planners follow each one up.
 * Newest look-up first.
 */
export async function revokedLookups(db: Kysely<DB>, now = new Date()) {
	const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
	const weekAgo = new Date(now.getTime() - 7 * 86_400_000).toISOString();
	const rows = await db
		.selectFrom('badge_lookups')
		.select((eb) => [
			'badge_input',
			'worker_id',
			eb.fn.max('at').as('last_at'),
			eb.fn.sum<number>(sql`case when at >= ${dayAgo} then hits else 0 end`).as('day'),
			eb.fn.sum<number>('hits').as('week')
		])
		.where('outcome', '=', 'revoked')
		.where('at', '>=', weekAgo)
		.where('worker_id', 'is not', null)
		.where('badge_input', 'is not', null)
		.groupBy(['badge_input', 'worker_id'])
		.execute();
	if (rows.length === 0) return [];
	const workerIds = [...new Set(rows.map((r) => r.worker_id!))];
	const [workers, retired] = await Promise.all([
		db.selectFrom('workers').select(['id', 'first_name', 'last_name', 'badge_number', 'status']).where('id', 'in', workerIds).execute(),
		db.selectFrom('retired_badges').select(['badge_number', 'worker_id', 'reason', 'retired_at']).where('worker_id', 'in', workerIds).execute()
	]);
	const workerById = new Map(workers.map((w) => [w.id, w]));
	// The log keeps the number as typed, normalised (no dashes); the registry keeps it formatted.
	const retiredByNumber = new Map(retired.map((r) => [normalizeBadgeNumber(r.badge_number), r]));
	return rows
		.map((r) => {
			const worker = workerById.get(r.worker_id!);
			const old = retiredByNumber.get(r.badge_input!);
			return {
				badgeNumber: old?.badge_number ?? formatBadgeNumber(r.badge_input!),
				workerId: r.worker_id!,
				name: worker ? `${worker.first_name} ${worker.last_name}` : '',
				/** The number the worker carries now, when this one was replaced. */
				currentBadge: old && worker ? worker.badge_number : null,
				reason: old?.reason ?? null,
				retiredAt: old?.retired_at ?? null,
				lastAt: String(r.last_at),
				last24h: Number(r.day ?? 0),
				last7d: Number(r.week ?? 0)
			};
		})
		.sort((a, b) => b.lastAt.localeCompare(a.lastAt));
}
