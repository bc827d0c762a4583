import { Secret, TOTP } from 'otpauth';

/**
 * The live verification code of a worker's badge: 6 digits that change every minute, TOTP (SHA-1)
 * from the worker's secret (`workers.code_secret`, base32). The resident's /verify page and the
 * fitter's tablet (offline, from the secret it synced) compute it with this one function, so a
 * printed forgery of a badge cannot show it.
 */
export const LIVE_CODE_PERIOD_SECONDS = 60;

function liveTotp(secretBase32: string): TOTP {
	return new TOTP({ issuer: 'Wymiana', label: 'badge', algorithm: 'SHA1', digits: 6, period: LIVE_CODE_PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

export function liveCode(secretBase32: string, now = Date.now()): string {
	return liveTotp(secretBase32).generate({ timestamp: now });
}

/** Milliseconds until the code shown at `now` changes (for a countdown). */
export function liveCodeRemainingMs(now = Date.now()): number {
	const period = LIVE_CODE_PERIOD_SECONDS * 1000;
	return period - (now % period);
}
