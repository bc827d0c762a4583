/**
 * Check characters used by the domain's identifiers. Pure functions, shared by client and server.
 */

/** GS1 mod-10 check digit (GTIN, SSCC, and the 18-digit PPE) for a string of digits without it. */
export function gs1CheckDigit(digits: string): number {
	let sum = 0;
	// Weights 3,1,3,1… starting from the rightmost digit of the payload.
	for (let i = digits.length - 1, w = 3; i >= 0; i--, w = w === 3 ? 1 : 3) {
		sum += (digits.charCodeAt(i) - 48) * w;
	}
	return (10 - (sum % 10)) % 10;
}

/** Crockford base32: no I, L, O, U, so it reads aloud and types without confusion. */
export const BASE32_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Luhn mod N over the Crockford alphabet: catches every single-character error and every
 * transposition of two adjacent characters.
 */
export function luhnModNCheckChar(payload: string, alphabet = BASE32_ALPHABET): string {
	const n = alphabet.length;
	let factor = 2;
	let sum = 0;
	for (let i = payload.length - 1; i >= 0; i--) {
		const code = alphabet.indexOf(payload[i]!);
		if (code < 0) throw new RangeError(`character ${payload[i]} is outside the alphabet`);
		let addend = factor * code;
		factor = factor === 2 ? 1 : 2;
		addend = Math.floor(addend / n) + (addend % n);
		sum += addend;
	}
	return alphabet[(n - (sum % n)) % n]!;
}
