import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/** Office MFA: standard 30-second, 6-digit TOTP that any authenticator app understands. */
const ISSUER = 'Wymiana';

export function newTotpSecret(): string {
	return new Secret({ size: 20 }).base32;
}

function totpFor(secret: string, label: string): TOTP {
	return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
}

export function totpUri(secret: string, login: string): string {
	return totpFor(secret, login).toString();
}

export async function totpQrSvg(uri: string): Promise<string> {
	return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/**
 * Returns the time step the code belongs to (±1 step of clock drift), or null. The caller stores
 * the step and refuses the same or an older one, so a code seen over a shoulder cannot be reused.
 */
export function verifyTotp(secret: string, code: string, now = Date.now()): number | null {
	const totp = totpFor(secret, 'verify');
	const delta = totp.validate({ token: code, timestamp: now, window: 1 });
	if (delta === null) return null;
	return Math.floor(now / 1000 / 30) + delta;
}

/** For tests and the demo: the code an authenticator would show now. */
export function currentTotp(secret: string, now = Date.now()): string {
	return totpFor(secret, 'gen').generate({ timestamp: now });
}
