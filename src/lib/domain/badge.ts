import { BASE32_ALPHABET, luhnModNCheckChar } from './check-digits';

/**
 * Badge numbers: 8 random Crockford base32 characters and one check character, shown as
 * `XXX-XXX-XXX`. Random (not sequential), so a number seen on one badge says nothing about others,
 * and the check character turns a typo into "this is not a badge number" instead of "unknown".
 */
export const BADGE_PAYLOAD_LENGTH = 8;

/** Accepts what people type: lower case, spaces, dashes, O for 0 and I/L for 1. */
export function normalizeBadgeNumber(input: string): string {
	return input
		.toUpperCase()
		.replace(/[\s\-–—_.]/g, '')
		.replace(/O/g, '0')
		.replace(/[IL]/g, '1');
}

export function formatBadgeNumber(normalized: string): string {
	return normalized.match(/.{1,3}/g)?.join('-') ?? normalized;
}

export type BadgeNumberProblem = 'format' | 'check';

export function checkBadgeNumber(
	input: string
): { ok: true; badgeNumber: string } | { ok: false; problem: BadgeNumberProblem } {
	const n = normalizeBadgeNumber(input);
	if (n.length !== BADGE_PAYLOAD_LENGTH + 1 || [...n].some((c) => !BASE32_ALPHABET.includes(c))) {
		return { ok: false, problem: 'format' };
	}
	const payload = n.slice(0, BADGE_PAYLOAD_LENGTH);
	if (luhnModNCheckChar(payload) !== n[BADGE_PAYLOAD_LENGTH]) return { ok: false, problem: 'check' };
	return { ok: true, badgeNumber: formatBadgeNumber(n) };
}

/** `randomBytes` must come from a CSPRNG (crypto.getRandomValues / node:crypto). */
export function generateBadgeNumber(randomBytes: (n: number) => Uint8Array): string {
	const bytes = randomBytes(BADGE_PAYLOAD_LENGTH);
	let payload = '';
	for (const b of bytes) payload += BASE32_ALPHABET[b & 31];
	return formatBadgeNumber(payload + luhnModNCheckChar(payload));
}
