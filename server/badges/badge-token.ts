import { sign, verify } from 'node:crypto';
import { checkBadgeNumber, normalizeBadgeNumber } from '../../src/lib/domain/badge';
import type { PublicKeys } from '../public/keys';

/**
 * The token in a badge's QR code (`/v/<token>`): version, badge number and an Ed25519 signature
 * by the operator's key, base64url. Only the operator's server can make one, so a QR pointing at
 * this site with a valid token was printed by the operator. (A forged card can still carry a QR to
 * a look-alike site — the page tells residents to check the address bar.)
 */
const VERSION = '1';

function signedText(badgeNormalized: string): Buffer {
	return Buffer.from(`wymiana-badge:${VERSION}:${badgeNormalized}`, 'utf8');
}

export function signBadgeToken(keys: PublicKeys, badgeNumber: string): string {
	const n = normalizeBadgeNumber(badgeNumber);
	const signature = sign(null, signedText(n), keys.badgePrivate).toString('base64url');
	return `${VERSION}.${n}.${signature}`;
}

/** The badge number (formatted) when the token is genuine; null for anything tampered or malformed. */
export function verifyBadgeToken(keys: PublicKeys, token: string): string | null {
	if (token.length > 200) return null;
	const parts = token.split('.');
	if (parts.length !== 3 || parts[0] !== VERSION) return null;
	const [, n, sig] = parts as [string, string, string];
	if (!/^[0-9A-Z]{9}$/.test(n) || !/^[A-Za-z0-9_-]{86}$/.test(sig)) return null;
	const checked = checkBadgeNumber(n);
	if (!checked.ok) return null;
	const ok = verify(null, signedText(n), keys.badgePublic, Buffer.from(sig, 'base64url'));
	return ok ? checked.badgeNumber : null;
}
