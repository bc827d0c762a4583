import { randomBytes } from 'node:crypto';
import { normalizeBadgeNumber } from '../../src/lib/domain/badge';
import { BASE32_ALPHABET, luhnModNCheckChar } from '../../src/lib/domain/check-digits';

/**
 * Booking references: 7 random Crockford base32 characters and a check character, shown as
 * `XXXX-XXXX`. Random (guessing one is hopeless with the identification limits), readable aloud.
 */
export function newBookingReference(): string {
	const bytes = randomBytes(7);
	let payload = '';
	for (const b of bytes) payload += BASE32_ALPHABET[b & 31];
	const n = payload + luhnModNCheckChar(payload);
	return `${n.slice(0, 4)}-${n.slice(4)}`;
}

/** The stored form of what a resident typed, or null when it cannot be a reference. */
export function parseBookingReference(input: string): string | null {
	const n = normalizeBadgeNumber(input);
	if (n.length !== 8 || [...n].some((c) => !BASE32_ALPHABET.includes(c))) return null;
	if (luhnModNCheckChar(n.slice(0, 7)) !== n[7]) return null;
	return `${n.slice(0, 4)}-${n.slice(4)}`;
}
