import type { Limiters } from '../auth/limits';
import { SharedLimiter } from './shared-limiter';

/**
 * Limits on the public pages, per client address and per badge, with the counters in the
 * database (rate-limiter-flexible's SQL stores) so every server instance shares them; busy keys
 * are written behind (see SharedLimiter).
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
	verifyIp: SharedLimiter;
	verifyBadge: SharedLimiter;
	addressIp: SharedLimiter;
	reportIp: SharedLimiter;
	identifyIp: SharedLimiter;
	/** Writes the points taken but not yet stored (at shutdown). */
	close(): Promise<void>;
}

export function createPublicLimiters(limiters: Limiters, policy: PublicLimitPolicy): PublicLimiters {
	const make = (keyPrefix: string, points: number) => new SharedLimiter(limiters.create({ keyPrefix, points, duration: policy.windowSeconds }));
	const all = {
		verifyIp: make('pub_verify_ip', policy.verifyPerIp),
		verifyBadge: make('pub_verify_badge', policy.verifyPerBadge),
		addressIp: make('pub_address_ip', policy.addressPerIp),
		reportIp: make('pub_report_ip', policy.reportsPerIp),
		identifyIp: make('pub_identify_ip', policy.identifyPerIp)
	};
	return { policy, ...all, close: async () => void (await Promise.all(Object.values(all).map((l) => l.close()))) };
}
