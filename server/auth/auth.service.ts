import type { Kysely } from 'kysely';
import type { DB, Role, Session, User } from '../db/schema';
import { AppError } from '../errors';
import { audit, type Actor } from '../audit';
import { nowIso } from '../util/ids';
import { dummyPasswordHash, verifyPassword } from './password';
import { isRateLimited, type Limiters } from './limits';
import { createSession, revokeSession, type NewSession } from './sessions';
import { newTotpSecret, totpQrSvg, totpUri, verifyTotp } from './totp';

export interface AuthDeps {
	db: Kysely<DB>;
	limiters: Limiters;
}

export type SignInClient = 'app' | 'plan';
export type SignInNext = 'done' | 'totp' | 'totp_enrol';

/** Office roles must prove a second factor before any of their procedures. */
export const mfaRequiredFor = (role: Role): boolean => role !== 'fitter';

const loginKey = (login: string) => login.trim().toLowerCase();

/** Refuses early while a login is locked or must wait; the checks cost no password hashing. */
async function assertMayTry(deps: AuthDeps, key: string, ip: string | null): Promise<void> {
	const { limiters } = deps;
	const [byLogin, delay, byIp] = await Promise.all([
		limiters.failuresByLogin.get(key),
		limiters.delays.get(key),
		ip ? limiters.failuresByIp.get(ip) : null
	]);
	if (byLogin && byLogin.consumedPoints >= limiters.policy.lockAfter && byLogin.msBeforeNext > 0) {
		throw new AppError('LOCKED', { retryAfterSeconds: Math.ceil(byLogin.msBeforeNext / 1000), params: { minutes: Math.ceil(byLogin.msBeforeNext / 60_000) } });
	}
	if (delay && delay.consumedPoints > 1 && delay.msBeforeNext > 0) {
		const seconds = Math.ceil(delay.msBeforeNext / 1000);
		throw new AppError('THROTTLED', { retryAfterSeconds: seconds, params: { seconds } });
	}
	if (byIp && byIp.consumedPoints >= limiters.policy.ipFailuresPerHour && byIp.msBeforeNext > 0) {
		const seconds = Math.ceil(byIp.msBeforeNext / 1000);
		throw new AppError('THROTTLED', { retryAfterSeconds: seconds, params: { seconds } });
	}
}

/** Counts a failure; past the free ones each further try must wait longer; at the limit: locked. */
async function recordFailure(deps: AuthDeps, key: string, ip: string | null): Promise<AppError | null> {
	const { limiters } = deps;
	const { policy } = limiters;
	if (ip) await limiters.failuresByIp.consume(ip).catch((e) => { if (!isRateLimited(e)) throw e; });
	let failures: number;
	try {
		failures = (await limiters.failuresByLogin.consume(key)).consumedPoints;
	} catch (e) {
		if (!isRateLimited(e)) throw e;
		failures = policy.lockAfter;
	}
	if (failures >= policy.lockAfter) {
		await limiters.failuresByLogin.block(key, policy.lockSeconds);
		return new AppError('LOCKED', { retryAfterSeconds: policy.lockSeconds, params: { minutes: Math.ceil(policy.lockSeconds / 60) } });
	}
	if (failures > policy.freeFailures) {
		const seconds = Math.min(2 ** (failures - policy.freeFailures), policy.maxDelaySeconds);
		await limiters.delays.block(key, seconds);
	}
	return null;
}

async function clearFailures(deps: AuthDeps, key: string): Promise<void> {
	await Promise.all([deps.limiters.failuresByLogin.delete(key), deps.limiters.delays.delete(key)]);
}

export async function signIn(
	deps: AuthDeps,
	input: { login: string; password: string; client: SignInClient },
	req: { ip: string | null; userAgent: string | null; previousSessionId: string | null }
): Promise<{ user: User; created: NewSession; next: SignInNext }> {
	const key = loginKey(input.login);
	await assertMayTry(deps, key, req.ip);
	const user = await deps.db.selectFrom('users').selectAll().where('login', '=', key).executeTakeFirst();
	// Unknown logins cost the same hashing time as known ones.
	const ok = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), input.password);
	if (!user || !ok) {
		const locked = await recordFailure(deps, key, req.ip);
		await audit(deps.db, { userId: user?.id ?? null, sessionKind: null, device: null, ip: req.ip }, {
			action: 'sign-in-failed', entity: 'user', entityId: user?.id ?? null, changes: { login: key }
		});
		throw locked ?? new AppError('INVALID_CREDENTIALS');
	}
	if (user.disabled) throw new AppError('ACCOUNT_DISABLED');
	await clearFailures(deps, key);

	// A fresh session on every sign-in (no fixation); the one the browser had is ended.
	if (req.previousSessionId) await revokeSession(deps.db, req.previousSessionId);
	const kind = input.client === 'app' && user.role === 'fitter' ? 'device' : 'browser';
	const created = await createSession(deps.db, { userId: user.id, kind, mfaVerified: false, userAgent: req.userAgent });
	await audit(deps.db, { userId: user.id, sessionKind: kind, device: req.userAgent, ip: req.ip }, {
		action: 'sign-in', entity: 'session', entityId: created.session.id.slice(0, 12)
	});
	const next: SignInNext = !mfaRequiredFor(user.role) ? 'done' : user.totp_enabled ? 'totp' : 'totp_enrol';
	return { user, created, next };
}

export async function startTotpEnrolment(deps: AuthDeps, user: User): Promise<{ secret: string; uri: string; qrSvg: string }> {
	if (user.totp_enabled) throw new AppError('TOTP_ALREADY_ENROLLED');
	const secret = newTotpSecret();
	await deps.db.updateTable('users').set({ totp_secret: secret, updated_at: nowIso() }).where('id', '=', user.id).where('totp_enabled', '=', 0).execute();
	const uri = totpUri(secret, user.login);
	return { secret, uri, qrSvg: await totpQrSvg(uri) };
}

/**
 * Checks a TOTP code (enrolment confirmation or sign-in second step). Wrong codes count towards the
 * same lockout as wrong passwords; a code already used is refused. On success the session is
 * replaced by a new, MFA-verified one.
 */
export async function confirmTotp(
	deps: AuthDeps,
	user: User,
	session: Session,
	code: string,
	mode: 'enrol' | 'verify',
	actor: Actor
): Promise<NewSession> {
	const key = loginKey(user.login);
	await assertMayTry(deps, key, actor.ip);
	if (mode === 'verify' && !user.totp_enabled) throw new AppError('TOTP_NOT_ENROLLED');
	if (mode === 'enrol' && user.totp_enabled) throw new AppError('TOTP_ALREADY_ENROLLED');
	if (!user.totp_secret) throw new AppError('TOTP_NOT_ENROLLED');
	const step = verifyTotp(user.totp_secret, code);
	// The conditional update makes "this code was not used before" atomic across instances.
	const accepted =
		step !== null &&
		Number(
			(
				await deps.db
					.updateTable('users')
					.set({ totp_last_step: step, totp_enabled: 1, updated_at: nowIso() })
					.where('id', '=', user.id)
					.where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
					.executeTakeFirst()
			).numUpdatedRows
		) === 1;
	if (!accepted) {
		const locked = await recordFailure(deps, key, actor.ip);
		throw locked ?? new AppError('TOTP_INVALID');
	}
	await clearFailures(deps, key);
	await revokeSession(deps.db, session.id);
	const created = await createSession(deps.db, { userId: user.id, kind: session.kind, mfaVerified: true, userAgent: session.user_agent });
	await audit(deps.db, actor, { action: mode === 'enrol' ? 'totp-enrolled' : 'totp-verified', entity: 'user', entityId: user.id });
	return created;
}

export async function signOut(deps: AuthDeps, session: Session, actor: Actor): Promise<void> {
	await revokeSession(deps.db, session.id);
	await audit(deps.db, actor, { action: 'sign-out', entity: 'session', entityId: session.id.slice(0, 12) });
}
