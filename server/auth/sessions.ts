import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, Session, SessionKind, User } from '../db/schema';
import { nowIso } from '../util/ids';

export const SESSION_COOKIE = 'wymiana_session';

/** Office browsers: short-lived and idle-limited. Fitter tablets: long-lived, sliding. */
export const SESSION_POLICY = {
	browser: { absoluteMs: 12 * 3600_000, idleMs: 8 * 3600_000 },
	device: { absoluteMs: 90 * 24 * 3600_000, idleMs: 30 * 24 * 3600_000 }
} as const satisfies Record<SessionKind, { absoluteMs: number; idleMs: number }>;

/** How often last_seen_at is written (not on every request). */
const TOUCH_EVERY_MS = 60_000;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface NewSession {
	token: string;
	session: Session;
}

export async function createSession(
	db: Kysely<DB>,
	args: { userId: string; kind: SessionKind; mfaVerified: boolean; userAgent: string | null; deviceLabel?: string | null },
	now = new Date()
): Promise<NewSession> {
	const token = randomBytes(32).toString('base64url');
	const at = now.toISOString();
	const session: Session = {
		id: hashToken(token),
		user_id: args.userId,
		kind: args.kind,
		device_label: args.deviceLabel ?? null,
		mfa_verified: args.mfaVerified ? 1 : 0,
		user_agent: args.userAgent?.slice(0, 300) ?? null,
		created_at: at,
		last_seen_at: at,
		expires_at: new Date(now.getTime() + SESSION_POLICY[args.kind].absoluteMs).toISOString(),
		revoked_at: null,
		revoked_reason: null
	};
	await db.insertInto('sessions').values(session).execute();
	return { token, session };
}

export type SessionLookup =
	| { status: 'none' }
	| { status: 'expired' | 'revoked' }
	| { status: 'ok'; session: Session; user: User };

/** Finds the live session behind a cookie token, and slides its idle window. */
export async function lookupSession(db: Kysely<DB>, token: string | undefined, now = new Date()): Promise<SessionLookup> {
	if (!token || token.length > 200) return { status: 'none' };
	const row = await db
		.selectFrom('sessions')
		.innerJoin('users', 'users.id', 'sessions.user_id')
		.selectAll('sessions')
		.select([
			'users.id as u_id', 'users.login as u_login', 'users.display_name as u_display_name', 'users.role as u_role',
			'users.password_hash as u_password_hash', 'users.totp_secret as u_totp_secret', 'users.totp_enabled as u_totp_enabled',
			'users.totp_last_step as u_totp_last_step', 'users.worker_id as u_worker_id', 'users.disabled as u_disabled',
			'users.is_demo as u_is_demo', 'users.created_at as u_created_at', 'users.updated_at as u_updated_at'
		])
		.where('sessions.id', '=', hashToken(token))
		.executeTakeFirst();
	if (!row) return { status: 'none' };
	// An admin's revocation (or a disabled account) is reported as such; a session the user ended
	// (sign-out, a new sign-in) is simply no session.
	if (row.u_disabled || (row.revoked_at && row.revoked_reason === 'admin')) return { status: 'revoked' };
	if (row.revoked_at) return { status: 'none' };
	const policy = SESSION_POLICY[row.kind];
	const nowMs = now.getTime();
	if (Date.parse(row.expires_at) <= nowMs || Date.parse(row.last_seen_at) + policy.idleMs <= nowMs) {
		return { status: 'expired' };
	}
	const { u_id, u_login, u_display_name, u_role, u_password_hash, u_totp_secret, u_totp_enabled, u_totp_last_step, u_worker_id, u_disabled, u_is_demo, u_created_at, u_updated_at, ...session } = row;
	if (nowMs - Date.parse(row.last_seen_at) > TOUCH_EVERY_MS) {
		session.last_seen_at = now.toISOString();
		await db.updateTable('sessions').set({ last_seen_at: session.last_seen_at }).where('id', '=', session.id).execute();
	}
	const user: User = {
		id: u_id, login: u_login, display_name: u_display_name, role: u_role, password_hash: u_password_hash,
		totp_secret: u_totp_secret, totp_enabled: u_totp_enabled, totp_last_step: u_totp_last_step, worker_id: u_worker_id,
		disabled: u_disabled, is_demo: u_is_demo, created_at: u_created_at, updated_at: u_updated_at
	};
	return { status: 'ok', session, user };
}

type RevokedBy = NonNullable<Session['revoked_reason']>;

/**
 * Ends a session at its next request; false when it was not found or already ended. The reason
 * decides what the device is told: an admin's revocation is reported, the user's own is no session.
 */
export async function revokeSession(db: Kysely<DB>, sessionId: string, by: RevokedBy = 'user'): Promise<boolean> {
	const res = await db.updateTable('sessions').set({ revoked_at: nowIso(), revoked_reason: by }).where('id', '=', sessionId).where('revoked_at', 'is', null).executeTakeFirst();
	return Number(res.numUpdatedRows) === 1;
}

/** Ends every open session of a user (account disabled, authenticator reset). */
export async function revokeUserSessions(db: Kysely<DB>, userId: string, by: RevokedBy): Promise<void> {
	await db.updateTable('sessions').set({ revoked_at: nowIso(), revoked_reason: by }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}
