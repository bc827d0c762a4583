import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Limiters } from '../auth/limits';
import { AppError } from '../errors';

/**
 * A planner may send a resident's message again, but not without end: each one is a text message
 * to someone's phone (and a cost). Resends are counted per meter point in the shared rate-limit
 * table before anything is sent, so a tRPC batch, parallel requests and several server instances
 * are held to the same count.
 */
export const RESENDS_PER_POINT_PER_DAY = 3;

const byLimiters = new WeakMap<Limiters, RateLimiterAbstract>();

export async function countResend(limiters: Limiters, pointId: string): Promise<void> {
	let limiter = byLimiters.get(limiters);
	if (!limiter) {
		limiter = limiters.create({ keyPrefix: 'msg_resend', points: RESENDS_PER_POINT_PER_DAY, duration: 24 * 3600 });
		byLimiters.set(limiters, limiter);
	}
	try {
		await limiter.consume(pointId);
	} catch (e) {
		if (e instanceof RateLimiterRes) throw new AppError('MESSAGE_RESEND_LIMIT');
		throw e;
	}
}
