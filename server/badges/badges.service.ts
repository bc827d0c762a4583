import type { Kysely } from 'kysely';
import { checkBadgeNumber, formatBadgeNumber, normalizeBadgeNumber } from '../../src/lib/domain/badge';
import { liveCode, liveCodeRemainingMs } from '../../src/lib/domain/live-code';
import { warsawDate } from '../../src/lib/domain/time';
import type { DB, LookupOutcome, LookupSource } from '../db/schema';
import { houseNumberKey, stairwellKey, streetKey } from '../public/address';
import { clientHash } from '../public/client';
import { publicKeys } from '../public/keys';
import type { PublicLimiters } from '../public/limits';
import { takePoints } from '../public/shared-limiter';
import { allBuildings, crewVisitsAt, findBadge, logLookup, type BadgeRow, type LookupEntry } from './badges.repository';

export interface PublicDeps {
	db: Kysely<DB>;
	limits: PublicLimiters;
}

export type BadgeStatusShown = 'valid' | 'suspended' | 'revoked' | 'expired' | 'not_yet_valid';

/** Exactly what the physical badge shows, plus its status. Nothing else about the worker. */
export interface BadgeCard {
	badgeNumber: string;
	firstName: string;
	lastName: string;
	company: string;
	photoSha256: string | null;
	status: BadgeStatusShown;
	/** The first day it is valid (null on badges issued before validity had a start). */
	validFrom: string | null;
	validUntil: string;
}

export interface LiveCodeView {
	code: string;
	/** When this code stops being shown on the tablet (ISO instant). */
	changesAt: string;
}

/**
 * The answer to a badge check. An unknown number and a mistyped one have the same shape (and go
 * through the same limits, query and log, so they take about as long): only `reason` differs.
 */
export type VerifyAnswer =
	| { kind: 'limited'; retryAfterSeconds: number }
	| { kind: 'invalid'; reason: 'format' | 'typo' | 'unknown'; entered: string }
	| { kind: 'badge'; badge: BadgeCard; live: LiveCodeView | null };

/** Longest input kept (people type spaces and dashes). */
export const MAX_BADGE_INPUT = 32;

/**
 * What the public is told about a badge. Anything that stops the worker from working makes it not
 * valid: a revoked or suspended badge, a disabled account (shown as suspended: the person may not
 * work for us now), a date past its validity or before it starts (Warsaw's calendar day: a badge
 * valid from tomorrow reads "not yet valid" until midnight in Warsaw).
 */
export function badgeStatus(
	row: Pick<BadgeRow, 'status' | 'valid_until'> & { valid_from?: string | null; account_disabled?: unknown },
	now: Date
): BadgeStatusShown {
	if (row.status === 'revoked') return 'revoked';
	// SQLite answers 0/1, PostgreSQL a boolean.
	if (row.status === 'suspended' || Number(row.account_disabled ?? 0) === 1) return 'suspended';
	const today = warsawDate(now);
	if (row.valid_from && row.valid_from > today) return 'not_yet_valid';
	return row.valid_until < today ? 'expired' : 'valid';
}

export function liveCodeView(secret: string, now: Date): LiveCodeView {
	const remaining = liveCodeRemainingMs(now.getTime());
	return { code: liveCode(secret, now.getTime()), changesAt: new Date(now.getTime() + remaining).toISOString() };
}

export function toBadgeCard(row: BadgeRow, now: Date): BadgeCard {
	return {
		badgeNumber: row.badge_number,
		firstName: row.first_name,
		lastName: row.last_name,
		company: row.company,
		photoSha256: row.photo_sha256,
		status: badgeStatus(row, now),
		validFrom: row.valid_from ?? null,
		validUntil: row.valid_until
	};
}

export async function verifyBadge(
	deps: PublicDeps,
	input: { badge: string; source: LookupSource; ip: string; now?: Date }
): Promise<VerifyAnswer> {
	return (await checkBadge(deps, input)).answer;
}

/** verifyBadge, with the look-up as it was logged (for the page cache: it logs the same per hit). */
export async function checkBadge(
	deps: PublicDeps,
	input: { badge: string; source: LookupSource; ip: string; now?: Date }
): Promise<{ answer: VerifyAnswer; lookup: LookupEntry }> {
	const now = input.now ?? new Date();
	const at = now.toISOString();
	const entered = input.badge.trim().slice(0, MAX_BADGE_INPUT);
	const normalized = normalizeBadgeNumber(entered).slice(0, MAX_BADGE_INPUT);
	const checked = checkBadgeNumber(normalized);
	// The same query runs for a mistyped number as for a well-formed one, so both take as long.
	const lookupKey = checked.ok ? checked.badgeNumber : formatBadgeNumber(normalized);
	const [keys, wait, row] = await Promise.all([
		publicKeys(deps.db),
		takePoints([
			[deps.limits.verifyIp, input.ip],
			[deps.limits.verifyBadge, badgeLimitKey(normalized)]
		]),
		findBadge(deps.db, lookupKey)
	]);
	const logged = async (answer: VerifyAnswer, outcome: LookupOutcome, workerId: string | null) => {
		const lookup: LookupEntry = { at, badgeInput: normalized || null, workerId, outcome, source: input.source, clientHash: clientHash(keys.hmac, input.ip) };
		await logLookup(deps.db, lookup);
		return { answer, lookup };
	};

	if (wait !== null) return logged({ kind: 'limited', retryAfterSeconds: wait }, 'limited', null);
	if (!checked.ok || !row) {
		const reason = !checked.ok ? (checked.problem === 'format' ? 'format' : 'typo') : 'unknown';
		return logged({ kind: 'invalid', reason, entered }, reason, null);
	}
	const badge = toBadgeCard(row, now);
	return logged({ kind: 'badge', badge, live: badge.status === 'valid' ? liveCodeView(row.code_secret, now) : null }, badge.status, row.id);
}

/** The per-badge limiter's key for what was typed (normalised). */
export function badgeLimitKey(normalized: string): string {
	return normalized || '-';
}

export type ScheduledAnswer =
	| { kind: 'limited'; retryAfterSeconds: number }
	/** The badge itself does not check out: nobody with it is expected anywhere. */
	| { kind: 'badge_not_valid' }
	| { kind: 'no' }
	| { kind: 'yes'; windowStart: string; windowEnd: string };

/**
 * "Is this person scheduled at my address today?" Yes with the time window, or no — never which
 * other addresses, days or residents the crew has.
 */
export async function scheduledAt(
	deps: PublicDeps,
	input: { badge: string; street: string; number: string; stairwell?: string | null; ip: string; now?: Date }
): Promise<ScheduledAnswer> {
	const now = input.now ?? new Date();
	const checked = checkBadgeNumber(input.badge);
	const [keys, wait, row] = await Promise.all([
		publicKeys(deps.db),
		takePoints([[deps.limits.addressIp, input.ip]]),
		checked.ok ? findBadge(deps.db, checked.badgeNumber) : Promise.resolve(undefined)
	]);
	if (wait !== null) return { kind: 'limited', retryAfterSeconds: wait };
	const status = row ? badgeStatus(row, now) : null;
	await logLookup(deps.db, {
		at: now.toISOString(),
		badgeInput: checked.ok ? normalizeBadgeNumber(checked.badgeNumber) : null,
		workerId: row?.id ?? null,
		outcome: status ?? 'unknown',
		source: 'address',
		clientHash: clientHash(keys.hmac, input.ip)
	});
	if (!row || status !== 'valid') return { kind: 'badge_not_valid' };
	if (!row.crew_id) return { kind: 'no' };

	const street = streetKey(input.street);
	const number = houseNumberKey(input.number);
	const buildings = (await allBuildings(deps.db)).filter((b) => streetKey(b.street) === street && houseNumberKey(b.number) === number);
	if (buildings.length === 0) return { kind: 'no' };
	const wantedStairwell = input.stairwell?.trim() ? stairwellKey(input.stairwell) : null;
	const visits = (await crewVisitsAt(deps.db, row.crew_id, warsawDate(now), buildings.map((b) => b.id), null)).filter(
		(v) => wantedStairwell === null || stairwellKey(v.stairwell) === wantedStairwell
	);
	const starts = visits.map((v) => v.window_start).filter((s): s is string => !!s).sort();
	const ends = visits.map((v) => v.window_end).filter((s): s is string => !!s).sort();
	if (visits.length === 0 || starts.length === 0 || ends.length === 0) return { kind: 'no' };
	return { kind: 'yes', windowStart: starts[0]!, windowEnd: ends[ends.length - 1]! };
}

/** Street names for the address field's suggestions: every street served, not tied to any worker. */
export async function knownStreets(db: Kysely<DB>): Promise<string[]> {
	return [...new Set((await allBuildings(db)).map((b) => b.street))].sort((a, b) => a.localeCompare(b, 'pl'));
}
