import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { isRateLimited, type Limiters } from '../auth/limits';
import type { Services } from '../services';

/**
 * Limits on the public pages, per client address and per badge, with the counters in the
 * database (rate-limiter-flexible's SQL stores) so every server instance shares them.
 *
 * The per-address limit is for people: a resident checking a badge and refreshing its live code
 * once a minute uses about 10 look-ups in 10 minutes. Behind a NAT (a block of flats on one
 * provider address) many residents share an address, hence the margin. Deployments can tune
 * every figure with the environment variables below; the benchmark raises the per-address and
 * per-badge figures because all its load comes from one address (see README).
 */
export interface PublicLimitPolicy {
	/** Badge look-ups per client address per window. */
	verifyPerIp: number;
	/** Look-ups of one badge number per window, from anywhere. */
	verifyPerBadge: number;
	/** "Is this person scheduled at my address" questions per client address per window. */
	addressPerIp: number;
	/** Suspicious-visit reports per client address per window. */
	reportsPerIp: number;
	/** Booking identifications (reference or PPE digits) per client address per window. */
	identifyPerIp: number;
	windowSeconds: number;
}

const envNumber = (name: string, fallback: number) => {
	const v = Number(process.env[name]);
	return Number.isFinite(v) && v > 0 ? v : fallback;
};

export function publicPolicyFromEnv(): PublicLimitPolicy {
	return {
		verifyPerIp: envNumber('PUBLIC_VERIFY_PER_IP', 60),
		verifyPerBadge: envNumber('PUBLIC_VERIFY_PER_BADGE', 120),
		addressPerIp: envNumber('PUBLIC_ADDRESS_PER_IP', 20),
		reportsPerIp: envNumber('PUBLIC_REPORTS_PER_IP', 5),
		identifyPerIp: envNumber('PUBLIC_IDENTIFY_PER_IP', 20),
		windowSeconds: envNumber('PUBLIC_LIMIT_WINDOW_SECONDS', 600)
	};
}

export interface PublicLimiters {
	policy: PublicLimitPolicy;
	verifyIp: RateLimiterAbstract;
	verifyBadge: RateLimiterAbstract;
	addressIp: RateLimiterAbstract;
	reportIp: RateLimiterAbstract;
	identifyIp: RateLimiterAbstract;
}

export function createPublicLimiters(limiters: Limiters, policy: PublicLimitPolicy): PublicLimiters {
	const make = (keyPrefix: string, points: number) => limiters.create({ keyPrefix, points, duration: policy.windowSeconds });
	return {
		policy,
		verifyIp: make('pub_verify_ip', policy.verifyPerIp),
		verifyBadge: make('pub_verify_badge', policy.verifyPerBadge),
		addressIp: make('pub_address_ip', policy.addressPerIp),
		reportIp: make('pub_report_ip', policy.reportsPerIp),
		identifyIp: make('pub_identify_ip', policy.identifyPerIp)
	};
}

const perServices = new WeakMap<Services, PublicLimiters>();

/** The limiters of a running server (policy from the environment), made once per Services. */
export function publicLimitersFor(services: Services): PublicLimiters {
	let l = perServices.get(services);
	if (!l) {
		l = createPublicLimiters(services.limiters, publicPolicyFromEnv());
		perServices.set(services, l);
	}
	return l;
}

/** Takes one point from each (limiter, key); the longest wait when any is exhausted, else null. */
export async function takePoints(pairs: Array<[RateLimiterAbstract, string]>): Promise<number | null> {
	const results = await Promise.allSettled(pairs.map(([limiter, key]) => limiter.consume(key)));
	let wait: number | null = null;
	for (const r of results) {
		if (r.status === 'fulfilled') continue;
		if (!isRateLimited(r.reason)) throw r.reason;
		wait = Math.max(wait ?? 0, Math.ceil(r.reason.msBeforeNext / 1000));
	}
	return wait;
}
