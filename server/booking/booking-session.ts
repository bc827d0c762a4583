import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * After a resident identified their in-home meter (by booking reference or PPE digits + address),
 * the browser holds this short-lived signed token in a cookie: it names the job, nothing personal,
 * and cannot be forged or stretched.
 */
export const BOOKING_COOKIE = 'wymiana_booking';
export const BOOKING_SESSION_SECONDS = 30 * 60;

function mac(key: Buffer, body: string): string {
	return createHmac('sha256', key).update(`booking:${body}`).digest('base64url');
}

export function signBookingSession(key: Buffer, jobId: string, now = Date.now()): string {
	const body = `${jobId}.${now + BOOKING_SESSION_SECONDS * 1000}`;
	return `${body}.${mac(key, body)}`;
}

export function readBookingSession(key: Buffer, token: string | undefined, now = Date.now()): string | null {
	if (!token || token.length > 200) return null;
	const parts = token.split('.');
	if (parts.length !== 3) return null;
	const [jobId, exp, sig] = parts as [string, string, string];
	const expected = Buffer.from(mac(key, `${jobId}.${exp}`));
	const given = Buffer.from(sig);
	if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
	if (!(Number(exp) > now)) return null;
	return jobId;
}
