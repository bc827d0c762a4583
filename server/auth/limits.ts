import {
	RateLimiterPostgres,
	RateLimiterRes,
	RateLimiterSQLite,
	type RateLimiterAbstract,
	type IRateLimiterStoreOptions
} from 'rate-limiter-flexible';
import type { Database } from '../db/database';

/**
 * Sign-in protection, with counters in the database so every server instance sees the same ones.
 * Every attempt is counted (an atomic increment in the shared store) before the secret is checked,
 * so a tRPC batch, parallel requests and several instances are limited exactly like attempts made
 * one after another.
 * - slow-down: after a few consecutive failures for one login, each further attempt must wait an
 *   increasing number of seconds (answered with THROTTLED and the wait).
 * - lock: after many consecutive attempts without success the login is locked for a quarter of an
 *   hour; a locked login is answered LOCKED without looking at the password.
 * - per address: one address trying many logins (password spraying) is slowed as a whole.
 * - second factor: codes are counted per user and per session, each with its own lock.
 */
export interface SignInPolicy {
	freeFailures: number;
	lockAfter: number;
	lockSeconds: number;
	maxDelaySeconds: number;
	ipFailuresPerHour: number;
	/** Second-factor codes one signed-in session may try before it is locked. */
	totpPerSession: number;
	/** Second-factor codes one user may try (over all sessions) before the account is locked. */
	totpPerUser: number;
}

export const defaultSignInPolicy: SignInPolicy = {
	freeFailures: 3,
	lockAfter: 10,
	lockSeconds: 15 * 60,
	maxDelaySeconds: 60,
	ipFailuresPerHour: 100,
	totpPerSession: 5,
	totpPerUser: 10
};

export interface Limiters {
	policy: SignInPolicy;
	/** Consecutive attempts without success per login (counter lives as long as the lock window). */
	failuresByLogin: RateLimiterAbstract;
	/** Failed attempts per client address per hour (a success gives its point back). */
	failuresByIp: RateLimiterAbstract;
	/** Second-factor attempts per user and per session. */
	totpByUser: RateLimiterAbstract;
	totpBySession: RateLimiterAbstract;
	/** Keys blocked for a while (the slow-down), separate from the failure counter. */
	delays: RateLimiterAbstract;
	/** A limiter on the same store, for features with their own key prefixes. */
	create(opts: { keyPrefix: string; points: number; duration: number; blockDuration?: number }): RateLimiterAbstract;
}

export function createLimiters(database: Database, policy: SignInPolicy = defaultSignInPolicy): Limiters {
	const create = (opts: { keyPrefix: string; points: number; duration: number; blockDuration?: number }) => {
		const common: IRateLimiterStoreOptions = {
			...opts,
			tableName: 'rate_limits',
			tableCreated: true,
			storeClient: database.raw.client
		};
		return database.raw.kind === 'postgres'
			? new RateLimiterPostgres({ ...common, storeType: 'pool' } as IRateLimiterStoreOptions)
			: new RateLimiterSQLite({ ...common, storeType: 'better-sqlite3' } as IRateLimiterStoreOptions);
	};
	return {
		policy,
		failuresByLogin: create({ keyPrefix: 'signin_login', points: policy.lockAfter, duration: policy.lockSeconds, blockDuration: policy.lockSeconds }),
		failuresByIp: create({ keyPrefix: 'signin_ip', points: policy.ipFailuresPerHour, duration: 3600, blockDuration: 900 }),
		delays: create({ keyPrefix: 'signin_delay', points: 1, duration: 1 }),
		totpByUser: create({ keyPrefix: 'totp_user', points: policy.totpPerUser, duration: policy.lockSeconds, blockDuration: policy.lockSeconds }),
		totpBySession: create({ keyPrefix: 'totp_session', points: policy.totpPerSession, duration: policy.lockSeconds, blockDuration: policy.lockSeconds }),
		create
	};
}

/** rate-limiter-flexible rejects with a RateLimiterRes when points run out. */
export function isRateLimited(e: unknown): e is RateLimiterRes {
	return e instanceof RateLimiterRes;
}
