import { z } from 'zod';
import { gs1CheckDigit } from './check-digits';

/** A PPE (point of delivery) code: 18 digits, GS1-based, the last one a mod-10 check digit. */
export type PpeProblem = 'length' | 'characters' | 'check_digit';

export function normalizePpe(input: string): string {
	return input.replace(/[\s-]/g, '');
}

export function checkPpe(input: string): { ok: true; ppe: string } | { ok: false; problem: PpeProblem } {
	const ppe = normalizePpe(input);
	if (!/^\d*$/.test(ppe)) return { ok: false, problem: 'characters' };
	if (ppe.length !== 18) return { ok: false, problem: 'length' };
	if (gs1CheckDigit(ppe.slice(0, 17)) !== Number(ppe[17])) return { ok: false, problem: 'check_digit' };
	return { ok: true, ppe };
}

/** Completes a 17-digit payload with its check digit (demo data, tests). */
export function ppeWithCheckDigit(payload17: string): string {
	if (!/^\d{17}$/.test(payload17)) throw new RangeError('a PPE payload is 17 digits');
	return payload17 + gs1CheckDigit(payload17);
}

export const ppeSchema = z.string().transform((value, ctx) => {
	const result = checkPpe(value);
	if (!result.ok) {
		ctx.addIssue({ code: 'custom', message: `ppe_${result.problem}`, params: { key: `ppe_${result.problem}` } });
		return z.NEVER;
	}
	return result.ppe;
});
