import type { Kysely } from 'kysely';
import type { DB, Role, Session, User } from '../db/schema';
import { AppError } from '../errors';
import { audit, type Actor } from '../audit';
import { nowIso } from '../util/ids';
import { dummyPasswordHash, verifyPassword } from './password';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
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

function lockedFor(ms: number): AppError {
	return new AppError('LOCKED', { retryAfterSeconds: Math.ceil(ms / 1000), params: { minutes: Math.max(1, Math.ceil(ms / 60_000)) } });
}

function throttledFor(ms: number): AppError {
	const seconds = Math.max(1, Math.ceil(ms / 1000));
	return new AppError('THROTTLED', { retryAfterSeconds: seconds, params: { seconds } });
}

/** Consumes one point; a limiter that has run out answers with the refusal `refused` makes of its wait. */
async function take(limiter: RateLimiterAbstract, key: string, refused: (ms: number) => AppError): Promise<number> {
	try {
		return (await limiter.consume(key)).consumedPoints;
	} catch (e) {
		if (isRateLimited(e)) throw refused(e.msBeforeNext);
		throw e;
	}
}

/**
 * Counts this attempt before the password is looked at: an atomic increment in the shared store, so
 * the 200th call of a batch, the 31st of 31 parallel requests and an attempt on another instance see
 * every attempt before them. Returns which attempt this is since the last success.
 */
async function countSignInAttempt(deps: AuthDeps, key: string, ip: string | null): Promise<number> {
	const { limiters } = deps;
	if (ip) await take(limiters.failuresByIp, ip, throttledFor);
	const attempt = await take(limiters.failuresByLogin, key, lockedFor);
	// Past the free failures only one attempt a while gets through (the wait is set after each failure).
	if (attempt - 1 > limiters.policy.freeFailures) await take(limiters.delays, key, throttledFor);
	return attempt;
}

/** After a wrong password: the attempt that reached the limit locks; past the free ones, a wait. */
async function afterFailedSignIn(deps: AuthDeps, key: string, attempt: number): Promise<AppError | null> {
	const { limiters } = deps;
	const { policy } = limiters;
	if (attempt >= policy.lockAfter) {
		await limiters.failuresByLogin.block(key, policy.lockSeconds);
		return lockedFor(policy.lockSeconds * 1000);
	}
	if (attempt > policy.freeFailures) await limiters.delays.block(key, Math.min(2 ** (attempt - policy.freeFailures), policy.maxDelaySeconds));
	return null;
}

async function clearFailures(deps: AuthDeps, key: string, ip: string | null): Promise<void> {
	const { limiters } = deps;
	await Promise.all([
		limiters.failuresByLogin.delete(key),
		limiters.delays.delete(key),
		// The address counts failures: a success gives back the point its attempt took.
		ip ? limiters.failuresByIp.reward(ip, 1) : null
	]);
}

/** An administrator's unlock of a login locked by wrong passwords or second-factor codes. */
export async function unlockLogin(deps: AuthDeps, user: Pick<User, 'id' | 'login'>): Promise<void> {
	const { limiters } = deps;
	await Promise.all([
		limiters.failuresByLogin.delete(loginKey(user.login)),
		limiters.delays.delete(loginKey(user.login)),
		limiters.totpByUser.delete(user.id)
	]);
}

export async function signIn(
	deps: AuthDeps,
	input: { login: string; password: string; client: SignInClient },
	req: { ip: string | null; userAgent: string | null; previousSessionId: string | null }
): Promise<{ user: User; created: NewSession; next: SignInNext }> {
	const key = loginKey(input.login);
	const attempt = await countSignInAttempt(deps, key, req.ip);
	const user = await deps.db.selectFrom('users').selectAll().where('login', '=', key).executeTakeFirst();
	// Unknown logins cost the same hashing time as known ones.
	const ok = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), input.password);
	if (!user || !ok) {
		const locked = await afterFailedSignIn(deps, key, attempt);
		await audit(deps.db, { userId: user?.id ?? null, sessionKind: null, device: null, ip: req.ip }, {
			action: 'sign-in-failed', entity: 'user', entityId: user?.id ?? null, changes: { login: key }
		});
		throw locked ?? new AppError('INVALID_CREDENTIALS');
	}
	if (user.disabled) throw new AppError('ACCOUNT_DISABLED');
	await clearFailures(deps, key, req.ip);

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
 * Checks a TOTP code (enrolment confirmation or sign-in second step). Each attempt is counted per
 * user and per session before the code is looked at; either limit reached answers LOCKED. A code
 * (or an older one) already accepted is refused, atomically across instances. On success the session
 * is replaced by a new, MFA-verified one.
 */
export async function confirmTotp(
	deps: AuthDeps,
	user: User,
	session: Session,
	code: string,
	mode: 'enrol' | 'verify',
	actor: Actor
): Promise<NewSession> {
	const { limiters } = deps;
	// Per session first: a session that has used its tries does not eat into the user's.
	await take(limiters.totpBySession, session.id, lockedFor);
	const attempt = await take(limiters.totpByUser, user.id, lockedFor);
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
		if (attempt >= limiters.policy.totpPerUser) {
			await limiters.totpByUser.block(user.id, limiters.policy.lockSeconds);
			throw lockedFor(limiters.policy.lockSeconds * 1000);
		}
		throw new AppError('TOTP_INVALID');
	}
	await Promise.all([limiters.totpByUser.delete(user.id), limiters.totpBySession.delete(session.id)]);
	await revokeSession(deps.db, session.id);
	const created = await createSession(deps.db, { userId: user.id, kind: session.kind, mfaVerified: true, userAgent: session.user_agent });
	await audit(deps.db, actor, { action: mode === 'enrol' ? 'totp-enrolled' : 'totp-verified', entity: 'user', entityId: user.id });
	return created;
}

export async function signOut(deps: AuthDeps, session: Session, actor: Actor): Promise<void> {
	await revokeSession(deps.db, session.id);
	await audit(deps.db, actor, { action: 'sign-out', entity: 'session', entityId: session.id.slice(0, 12) });
}
