import { createHash, getRandomValues } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { Secret } from 'otpauth';
import { generateBadgeNumber } from '../../src/lib/domain/badge';
import { warsawDate } from '../../src/lib/domain/time';
import { audit, type Actor } from '../audit';
import { hashPassword } from '../auth/password';
import { badgeStatus } from '../badges/badges.service';
import type { DB, Role } from '../db/schema';
import { AppError } from '../errors';
import { translate, type Locale } from '../i18n';
import { storeBlob } from '../sync/blobs';
import { recordChanges } from '../sync/change-log';
import { profileDto } from '../sync/entities';
import { newId, nowIso } from '../util/ids';
import { findWorkerRow, officeUsers, recentLookups, retiredBadgesOf, workerRows } from './workers.repository';
import { imageInfo, PORTRAIT_MAX_BYTES } from './portrait';

export type BadgeAction = 'suspend' | 'reinstate' | 'revoke';

/** A refusal on one field, in the caller's language. */
export function fieldError(field: string, key: string, locale: Locale, params: Record<string, unknown> = {}): AppError {
	return new AppError('VALIDATION', { fieldErrors: { [field]: [translate(key, params, locale)] } });
}

/** A random badge number with its check character that no worker carries or ever carried. */
export async function freshBadgeNumber(db: Kysely<DB>): Promise<string> {
	for (let attempt = 0; attempt < 5; attempt++) {
		const badge = generateBadgeNumber((n) => getRandomValues(new Uint8Array(n)));
		const [current, retired] = await Promise.all([
			db.selectFrom('workers').select('id').where('badge_number', '=', badge).executeTakeFirst(),
			db.selectFrom('retired_badges').select('worker_id').where('badge_number', '=', badge).executeTakeFirst()
		]);
		if (!current && !retired) return badge;
	}
	throw new AppError('INTERNAL', { detail: 'no free badge number after 5 tries' });
}

export interface NewAccount {
	login: string;
	password: string;
	role: Role;
	firstName: string;
	lastName: string;
	company: string;
	crewId: string | null;
	validFrom: string;
	validUntil: string;
}

/**
 * A fitter gets a worker with a badge (random number, validity from–to) and an account; an office
 * account (planner, admin, warehouse) only the account. One transaction; audited with the new row.
 */
export async function createAccount(db: Kysely<DB>, actor: Actor, input: NewAccount, locale: Locale, today = warsawDate()) {
	const fitter = input.role === 'fitter';
	if (fitter && input.validUntil < today) throw fieldError('validUntil', 'office_err_valid_until_past', locale);
	if (fitter && input.validUntil < input.validFrom) throw fieldError('validUntil', 'office_err_valid_until_before_from', locale);
	const passwordHash = await hashPassword(input.password);
	return db.transaction().execute(async (trx) => {
		if (await trx.selectFrom('users').select('id').where('login', '=', input.login).executeTakeFirst()) {
			throw fieldError('login', 'office_err_login_taken', locale);
		}
		if (input.crewId && !(await trx.selectFrom('crews').select('id').where('id', '=', input.crewId).executeTakeFirst())) {
			throw fieldError('crewId', 'office_err_crew_unknown', locale);
		}
		const at = nowIso();
		let workerId: string | null = null;
		let badgeNumber: string | null = null;
		if (fitter) {
			workerId = newId();
			badgeNumber = await freshBadgeNumber(trx);
			await trx
				.insertInto('workers')
				.values({
					id: workerId, first_name: input.firstName, last_name: input.lastName, company: input.company, badge_number: badgeNumber,
					photo_sha256: null, status: 'active', valid_from: input.validFrom, valid_until: input.validUntil,
					code_secret: new Secret({ size: 20 }).base32, crew_id: input.crewId, is_demo: 0, created_at: at, updated_at: at,
					status_changed_at: at, status_changed_by: actor.userId
				})
				.execute();
		}
		const userId = newId();
		const displayName = `${input.firstName} ${input.lastName}`;
		await trx
			.insertInto('users')
			.values({
				id: userId, login: input.login, display_name: displayName, role: input.role, password_hash: passwordHash, totp_secret: null,
				totp_enabled: 0, totp_last_step: null, worker_id: workerId, disabled: 0, is_demo: 0, created_at: at, updated_at: at
			})
			.execute();
		await audit(trx, actor, {
			action: 'account-create', entity: 'user', entityId: userId,
			changes: {
				login: [null, input.login], role: [null, input.role], display_name: [null, displayName],
				...(fitter ? { company: [null, input.company], crew_id: [null, input.crewId], badge_number: [null, badgeNumber], valid_from: [null, input.validFrom], valid_until: [null, input.validUntil] } : {})
			}
		});
		return { userId, workerId, badgeNumber };
	});
}

/** Tells the worker's tablet about its badge (number, validity, live-code secret) at its next pull. */
async function announceProfile(trx: Transaction<DB>, workerId: string): Promise<void> {
	const worker = await trx.selectFrom('workers').selectAll().where('id', '=', workerId).executeTakeFirstOrThrow();
	const user = await trx.selectFrom('users').select('id').where('worker_id', '=', workerId).executeTakeFirst();
	if (user) await recordChanges(trx, [{ entity: 'profile', id: 'me', op: 'put', userId: user.id, data: profileDto(worker) }]);
}

async function lockedWorker(trx: Transaction<DB>, workerId: string) {
	const worker = await findWorkerRow(trx, workerId);
	if (!worker) throw new AppError('NOT_FOUND');
	return worker;
}

/**
 * Suspend (temporarily, with a reason), reinstate a suspended badge, or revoke it for good. A
 * revoked badge never becomes valid again: the worker is issued a new number instead.
 */
export async function changeBadgeState(db: Kysely<DB>, actor: Actor, input: { workerId: string; action: BadgeAction; reason: string | null }, locale: Locale) {
	return db.transaction().execute(async (trx) => {
		const worker = await lockedWorker(trx, input.workerId);
		if (worker.status === 'revoked') throw fieldError('action', 'office_err_badge_revoked_final', locale);
		if (input.action === 'reinstate' && worker.status !== 'suspended') throw fieldError('action', 'office_err_badge_not_suspended', locale);
		if (input.action !== 'reinstate' && !input.reason) throw fieldError('reason', 'office_err_reason_required', locale);
		const status = input.action === 'suspend' ? 'suspended' : input.action === 'revoke' ? 'revoked' : 'active';
		const reason = input.action === 'reinstate' ? null : input.reason;
		const at = nowIso();
		await trx
			.updateTable('workers')
			.set({ status, status_reason: reason, status_changed_at: at, status_changed_by: actor.userId, updated_at: at })
			.where('id', '=', worker.id)
			.execute();
		await audit(trx, actor, {
			action: `badge-${input.action}`, entity: 'badge', entityId: worker.id,
			changes: { badge_number: [worker.badge_number, worker.badge_number], status: [worker.status, status], status_reason: [worker.status_reason ?? null, reason] }
		});
		await announceProfile(trx, worker.id);
		return { status };
	});
}

/**
 * A lost or stolen badge: its number is retired (it reads as revoked on /verify for good) and the
 * same worker gets a new random number, valid until the given day.
 */
export async function reissueBadge(db: Kysely<DB>, actor: Actor, input: { workerId: string; reason: string; validUntil: string }, locale: Locale, today = warsawDate()) {
	if (input.validUntil < today) throw fieldError('validUntil', 'office_err_valid_until_past', locale);
	return db.transaction().execute(async (trx) => {
		const worker = await lockedWorker(trx, input.workerId);
		const at = nowIso();
		const badgeNumber = await freshBadgeNumber(trx);
		await trx.insertInto('retired_badges').values({ badge_number: worker.badge_number, worker_id: worker.id, reason: input.reason, retired_at: at, retired_by: actor.userId }).execute();
		await trx
			.updateTable('workers')
			.set({ badge_number: badgeNumber, status: 'active', status_reason: null, valid_from: today, valid_until: input.validUntil, status_changed_at: at, status_changed_by: actor.userId, updated_at: at })
			.where('id', '=', worker.id)
			.execute();
		await audit(trx, actor, {
			action: 'badge-reissue', entity: 'badge', entityId: worker.id,
			changes: {
				badge_number: [worker.badge_number, badgeNumber], status: [worker.status, 'active'], reason: [null, input.reason],
				valid_until: [worker.valid_until, input.validUntil]
			}
		});
		await announceProfile(trx, worker.id);
		return { badgeNumber };
	});
}

export async function setValidity(db: Kysely<DB>, actor: Actor, input: { workerId: string; validFrom: string; validUntil: string }, locale: Locale, today = warsawDate()) {
	if (input.validUntil < today) throw fieldError('validUntil', 'office_err_valid_until_past', locale);
	if (input.validUntil < input.validFrom) throw fieldError('validUntil', 'office_err_valid_until_before_from', locale);
	return db.transaction().execute(async (trx) => {
		const worker = await lockedWorker(trx, input.workerId);
		await trx.updateTable('workers').set({ valid_from: input.validFrom, valid_until: input.validUntil, updated_at: nowIso() }).where('id', '=', worker.id).execute();
		await audit(trx, actor, {
			action: 'badge-validity', entity: 'badge', entityId: worker.id,
			changes: { valid_from: [worker.valid_from ?? null, input.validFrom], valid_until: [worker.valid_until, input.validUntil] }
		});
		await announceProfile(trx, worker.id);
		return { ok: true as const };
	});
}

/** A new live-code secret: codes from the old one stop matching; the tablet gets it at its next sync. */
export async function rotateLiveSecret(db: Kysely<DB>, actor: Actor, workerId: string) {
	return db.transaction().execute(async (trx) => {
		const worker = await lockedWorker(trx, workerId);
		await trx.updateTable('workers').set({ code_secret: new Secret({ size: 20 }).base32, updated_at: nowIso() }).where('id', '=', worker.id).execute();
		// The secret itself never goes into the log.
		await audit(trx, actor, { action: 'live-secret-rotate', entity: 'badge', entityId: worker.id, changes: { code_secret: ['…', '… (new)'] } });
		await announceProfile(trx, worker.id);
		return { ok: true as const };
	});
}

/**
 * The portrait on the badge and on /verify: a JPEG or PNG that really is one (its header parses),
 * of a sensible size, stored as a blob by its sha256 like every photo.
 */
export async function setPortrait(db: Kysely<DB>, actor: Actor, input: { workerId: string; contentType: string; bytes: Uint8Array }, locale: Locale) {
	if (input.bytes.byteLength > PORTRAIT_MAX_BYTES) {
		throw fieldError('portrait', 'office_err_portrait_too_big', locale, { mb: Math.round(PORTRAIT_MAX_BYTES / 1_000_000) });
	}
	const info = imageInfo(input.bytes);
	if (!info || info.contentType !== input.contentType) throw fieldError('portrait', 'office_err_portrait_not_image', locale);
	if (info.width < 120 || info.height < 120) throw fieldError('portrait', 'office_err_portrait_too_small', locale);
	if (!(await findWorkerRow(db, input.workerId))) throw new AppError('NOT_FOUND');
	const sha256 = createHash('sha256').update(input.bytes).digest('hex');
	await storeBlob(db, sha256, info.contentType, input.bytes);
	return db.transaction().execute(async (trx) => {
		const worker = await lockedWorker(trx, input.workerId);
		await trx.updateTable('workers').set({ photo_sha256: sha256, updated_at: nowIso() }).where('id', '=', worker.id).execute();
		await audit(trx, actor, { action: 'portrait-set', entity: 'worker', entityId: worker.id, changes: { photo_sha256: [worker.photo_sha256, sha256] } });
		return { sha256 };
	});
}

/** The admin's list: every badge holder with the badge's state as the public sees it, and office accounts. */
export async function listPeople(db: Kysely<DB>, search: string, now = new Date()) {
	const q = search.trim().toLowerCase();
	const [rows, office] = await Promise.all([workerRows(db).execute(), officeUsers(db)]);
	const matches = (...fields: (string | null)[]) => !q || fields.some((f) => f?.toLowerCase().includes(q));
	const workers = rows.filter((w) => matches(`${w.first_name} ${w.last_name}`, w.company, w.badge_number, w.login, w.crew_name));
	const lookups = await recentLookups(db, workers.map((w) => w.id), 3);
	return {
		workers: workers.map((w) => ({
			id: w.id,
			name: `${w.first_name} ${w.last_name}`,
			company: w.company,
			crewId: w.crew_id,
			crew: w.crew_name,
			badgeNumber: w.badge_number,
			photoSha256: w.photo_sha256,
			// As the public sees it: a disabled account reads as suspended on /verify.
			state: badgeStatus({ ...w, account_disabled: w.disabled }, now),
			stateReason: w.status_reason ?? null,
			stateChangedAt: w.status_changed_at ?? null,
			validFrom: w.valid_from ?? null,
			validUntil: w.valid_until,
			userId: w.user_id,
			login: w.login,
			disabled: w.disabled === 1,
			lookups: lookups.get(w.id) ?? []
		})),
		office: office
			.filter((u) => matches(u.display_name, u.login, u.role))
			.map((u) => ({ id: u.id, login: u.login, name: u.display_name, role: u.role, disabled: u.disabled === 1, totpEnrolled: u.totp_enabled === 1 }))
	};
}

/** One worker's badge history: numbers retired and why. */
export async function workerDetail(db: Kysely<DB>, workerId: string) {
	const retired = await retiredBadgesOf(db, workerId);
	return { retired: retired.map((r) => ({ badgeNumber: r.badge_number, reason: r.reason, at: r.retired_at })) };
}
