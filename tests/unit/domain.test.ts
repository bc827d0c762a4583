import { describe, expect, it } from 'vitest';
import { checkBadgeNumber, generateBadgeNumber, normalizeBadgeNumber } from '$lib/domain/badge';
import { BASE32_ALPHABET, gs1CheckDigit } from '$lib/domain/check-digits';
import { checkPpe, ppeSchema, ppeWithCheckDigit } from '$lib/domain/ppe';
import { registersFor, isTariffGroup } from '$lib/domain/tariff';
import { addDaysToDate, isWeekend, previousWorkingDay, warsawDate, warsawInstant, warsawLocalDateTime, workingDaysFrom } from '$lib/domain/time';

const cryptoBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));

describe('PPE codes', () => {
	it('computes the GS1 check digit as GS1 publishes it (SSCC example)', () => {
		// GS1's worked examples: GTIN-13 629104150021 → 3; SSCC 37610425002123456 → 9.
		expect(gs1CheckDigit('629104150021')).toBe(3);
		expect(gs1CheckDigit('37610425002123456')).toBe(9); // SSCC 376104250021234569
	});

	it('accepts a PPE with the right check digit, with spaces or dashes as people type them', () => {
		const ppe = ppeWithCheckDigit('59054356010001234');
		expect(checkPpe(ppe)).toEqual({ ok: true, ppe });
		expect(checkPpe(`${ppe.slice(0, 6)} ${ppe.slice(6, 12)}-${ppe.slice(12)}`)).toEqual({ ok: true, ppe });
	});

	it('tells a wrong length, a letter and a wrong check digit apart', () => {
		const ppe = ppeWithCheckDigit('59054356010001234');
		expect(checkPpe(ppe.slice(0, 17))).toEqual({ ok: false, problem: 'length' });
		expect(checkPpe(`A${ppe.slice(1)}`)).toEqual({ ok: false, problem: 'characters' });
		const wrong = ppe.slice(0, 17) + ((Number(ppe[17]) + 1) % 10);
		expect(checkPpe(wrong)).toEqual({ ok: false, problem: 'check_digit' });
	});

	it('catches every single-digit typo', () => {
		const ppe = ppeWithCheckDigit('59054356010001234');
		for (let i = 0; i < 18; i++) {
			for (let d = 0; d <= 9; d++) {
				if (String(d) === ppe[i]) continue;
				expect(checkPpe(ppe.slice(0, i) + d + ppe.slice(i + 1)).ok).toBe(false);
			}
		}
	});

	it('reports the problem through the shared zod schema with a message key', () => {
		const r = ppeSchema.safeParse('590543560100012340');
		expect(r.success).toBe(checkPpe('590543560100012340').ok);
		const bad = ppeSchema.safeParse('12');
		expect(bad.success).toBe(false);
		expect(bad.error?.issues[0]?.message).toBe('ppe_length');
	});
});

describe('badge numbers', () => {
	it('generates random numbers that pass their own check and look like XXX-XXX-XXX', () => {
		const seen = new Set<string>();
		for (let i = 0; i < 500; i++) {
			const n = generateBadgeNumber(cryptoBytes);
			expect(n).toMatch(/^[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}$/);
			expect(checkBadgeNumber(n)).toEqual({ ok: true, badgeNumber: n });
			seen.add(n);
		}
		expect(seen.size).toBe(500);
	});

	it('accepts lower case, missing dashes and O/I/L typed for 0/1', () => {
		const n = generateBadgeNumber(() => new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]));
		expect(n.startsWith('012-345-67')).toBe(true);
		expect(checkBadgeNumber(n.toLowerCase().replace(/-/g, ' ').replace('0', 'o').replace('1', 'l')).ok).toBe(true);
		expect(normalizeBadgeNumber(' 0i2-345 ')).toBe('012345');
	});

	it('turns any single-character typo and any adjacent swap into a check failure', () => {
		const n = normalizeBadgeNumber(generateBadgeNumber(cryptoBytes));
		for (let i = 0; i < n.length; i++) {
			for (const c of BASE32_ALPHABET) {
				if (c === n[i]) continue;
				expect(checkBadgeNumber(n.slice(0, i) + c + n.slice(i + 1))).toEqual({ ok: false, problem: 'check' });
			}
			if (i + 1 < n.length && n[i] !== n[i + 1]) {
				const swapped = n.slice(0, i) + n[i + 1] + n[i] + n.slice(i + 2);
				expect(checkBadgeNumber(swapped).ok).toBe(false);
			}
		}
	});

	it('calls a wrong length or a foreign character a format problem', () => {
		expect(checkBadgeNumber('ABC-DEF')).toEqual({ ok: false, problem: 'format' });
		expect(checkBadgeNumber('ABC-DEF-GH!')).toEqual({ ok: false, problem: 'format' });
	});
});

describe('tariff groups', () => {
	it('reads one, two or three zones by group, and the export registers for prosumers', () => {
		expect(registersFor('G11', false)).toEqual(['1.8.1']);
		expect(registersFor('C11', false)).toEqual(['1.8.1']);
		for (const g of ['G12', 'G12w', 'C12a', 'C12b'] as const) expect(registersFor(g, false)).toEqual(['1.8.1', '1.8.2']);
		expect(registersFor('G13', false)).toEqual(['1.8.1', '1.8.2', '1.8.3']);
		expect(registersFor('G12w', true)).toEqual(['1.8.1', '1.8.2', '2.8.1', '2.8.2']);
	});

	it('knows which groups exist', () => {
		expect(isTariffGroup('G12w')).toBe(true);
		expect(isTariffGroup('G14')).toBe(false);
	});
});

describe('Warsaw calendar', () => {
	it('takes "today" from Warsaw, not UTC', () => {
		expect(warsawDate(new Date('2026-11-22T23:30:00Z'))).toBe('2026-11-23');
		expect(warsawDate(new Date('2026-07-01T21:59:00Z'))).toBe('2026-07-01');
		expect(warsawDate(new Date('2026-07-01T22:00:00Z'))).toBe('2026-07-02');
	});

	it('places wall-clock times on either side of the summer-time switch', () => {
		expect(warsawInstant('2025-03-28', '08:00').toISOString()).toBe('2025-03-28T07:00:00.000Z');
		expect(warsawInstant('2025-03-31', '08:00').toISOString()).toBe('2025-03-31T06:00:00.000Z');
		expect(warsawInstant('2025-10-27', '16:00').toISOString()).toBe('2025-10-27T15:00:00.000Z');
	});

	it('skips weekends when counting working days', () => {
		expect(workingDaysFrom('2025-03-28', 3)).toEqual(['2025-03-28', '2025-03-31', '2025-04-01']);
		expect(workingDaysFrom('2025-03-29', 1)).toEqual(['2025-03-31']);
		expect(previousWorkingDay('2025-03-31')).toBe('2025-03-28');
		expect(addDaysToDate('2024-02-28', 1)).toBe('2024-02-29');
	});

	it('adds days across month, year and summer-time boundaries, in any direction', () => {
		expect(addDaysToDate('2025-12-31', 1)).toBe('2026-01-01');
		expect(addDaysToDate('2026-01-01', -1)).toBe('2025-12-31');
		expect(addDaysToDate('2025-03-29', 2)).toBe('2025-03-31');
		expect(addDaysToDate('2025-10-25', 1)).toBe('2025-10-26');
		expect(addDaysToDate('2025-01-31', 366)).toBe('2026-02-01');
		expect(addDaysToDate('2025-03-28', 0)).toBe('2025-03-28');
		expect(isWeekend('2025-03-29')).toBe(true);
		expect(isWeekend('2025-03-31')).toBe(false);
	});

	it('refuses a day that does not exist instead of rolling it over', () => {
		expect(() => addDaysToDate('2025-02-29', 1)).toThrow(RangeError);
		expect(() => addDaysToDate('2025-13-01', 1)).toThrow(RangeError);
		expect(() => addDaysToDate('', 1)).toThrow(RangeError);
	});

	it('gives the Warsaw wall clock for a datetime-local field', () => {
		expect(warsawLocalDateTime(new Date('2026-01-15T07:05:00Z'))).toBe('2026-01-15T08:05');
		expect(warsawLocalDateTime(new Date('2026-07-31T22:30:00Z'))).toBe('2026-08-01T00:30');
	});
});
