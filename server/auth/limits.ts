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
 * - `signInSlow`: after a few consecutive failures for one login, each further attempt must wait
 *   an increasing number of seconds (answered with THROTTLED and the wait).
 * - `signInLock`: after many consecutive failures the login is locked for a quarter of an hour.
 * - `signInIp`: one address trying many logins (password spraying) is slowed as a whole.
 */
export interface SignInPolicy {
	freeFailures: number;
	lockAfter: number;
	lockSeconds: number;
	maxDelaySeconds: number;
	ipFailuresPerHour: number;
}

export const defaultSignInPolicy: SignInPolicy = {
	freeFailures: 3,
	lockAfter: 10,
	lockSeconds: 15 * 60,
	maxDelaySeconds: 60,
	ipFailuresPerHour: 100
};

export interface Limiters {
	policy: SignInPolicy;
	/** Consecutive failures per login (counter lives as long as the lock window). */
	failuresByLogin: RateLimiterAbstract;
	/** Failures per client address per hour. */
	failuresByIp: RateLimiterAbstract;
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
		create
	};
}

/** rate-limiter-flexible rejects with a RateLimiterRes when points run out. */
export function isRateLimited(e: unknown): e is RateLimiterRes {
	return e instanceof RateLimiterRes;
}
