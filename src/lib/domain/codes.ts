/**
 * The three kinds of code a fitter scans or types: the PPE (point of delivery), a meter's serial
 * number and a seal number. Pure and isomorphic: the scanner, the manual-entry form and the server
 * all use these functions, so a code accepted on the tablet is accepted by the sync.
 *
 * The formats are disjoint on purpose, so a code of the wrong kind is recognised and named
 * ("this is a PPE, not a meter serial") instead of being taken for the expected one:
 * - PPE: 18 digits, GS1 mod-10 check digit (see ppe.ts).
 * - Meter serial: 6–16 digits (the demo's conventional meters have 8–10, LZO meters 10 starting
 *   with the production year), or digits behind a manufacturer's letter prefix: one letter and
 *   6–15 digits, or two or three letters and 9–13 digits (at most 16 characters in all).
 * - Seal: 2–4 letters (the operator's or the seal maker's mark) and 6–8 digits, e.g. "TD 1234567".
 *   A serial with a 2–3 letter prefix has at least 9 digits, so the two never overlap.
 */
import { z } from 'zod';
import { checkPpe } from './ppe';

export type CodeKind = 'ppe' | 'meter_serial' | 'seal';
export const CODE_KINDS: readonly CodeKind[] = ['ppe', 'meter_serial', 'seal'];

export type CodeProblem = 'format' | 'check' | 'wrong_kind';
export type CodeCheck = { ok: true; value: string } | { ok: false; problem: CodeProblem; detectedKind?: CodeKind };

const METER_SERIAL = /^(?:\d{6,16}|[A-Z]\d{6,15}|[A-Z]{2,3}\d{9,13})$/;
const SEAL = /^[A-Z]{2,4}\d{6,8}$/;
const PPE_SHAPE = /^\d{18}$/;

/**
 * What people and scanners add around a code: surrounding blanks, lower case, spaces, dashes,
 * dots and slashes used as group separators, and control characters (a GS1 group separator,
 * a scanner's trailing CR/LF).
 */
export function normalizeCode(text: string): string {
	return text
		.replace(/[\u0000-\u001f\u007f]/g, '')
		.trim()
		.toUpperCase()
		.replace(/[\s\-./]/g, '');
}

function matchesFormat(kind: CodeKind, value: string): boolean {
	switch (kind) {
		case 'ppe':
			return PPE_SHAPE.test(value);
		case 'meter_serial':
			return value.length <= 16 && METER_SERIAL.test(value);
		case 'seal':
			return SEAL.test(value);
	}
}

/**
 * The kind a code is, judged by its shape (and for a PPE its check digit); 'unknown' when it is
 * none of them, including an 18-digit number whose check digit is wrong.
 */
export function classifyCode(text: string): CodeKind | 'unknown' {
	const value = normalizeCode(text);
	if (PPE_SHAPE.test(value)) return checkPpe(value).ok ? 'ppe' : 'unknown';
	if (matchesFormat('meter_serial', value)) return 'meter_serial';
	if (matchesFormat('seal', value)) return 'seal';
	return 'unknown';
}

/**
 * Checks a scanned or typed code against the kind the screen expects. On success `value` is the
 * normalised code to store. A code that is valid as another kind is reported as `wrong_kind`
 * with that kind, so the screen can say what was scanned.
 */
export function checkCode(kind: CodeKind, text: string): CodeCheck {
	const value = normalizeCode(text);
	if (kind === 'ppe' && PPE_SHAPE.test(value)) {
		return checkPpe(value).ok ? { ok: true, value } : { ok: false, problem: 'check' };
	}
	if (kind !== 'ppe' && matchesFormat(kind, value)) return { ok: true, value };
	const detected = classifyCode(value);
	if (detected !== 'unknown' && detected !== kind) return { ok: false, problem: 'wrong_kind', detectedKind: detected };
	return { ok: false, problem: 'format' };
}

/**
 * The same check as a zod schema for mutations and forms: the output is the normalised code; an
 * issue carries `params: { problem, detectedKind }` and a message key of the scan messages
 * (`scan_error_<problem>_<kind>`; for wrong_kind `scan_error_wrong_kind_<detectedKind>_<kind>`).
 */
export function codeSchema(kind: CodeKind) {
	return z.string().transform((text, ctx) => {
		const result = checkCode(kind, text);
		if (result.ok) return result.value;
		ctx.addIssue({ code: 'custom', message: codeProblemKey(kind, result), params: { problem: result.problem, detectedKind: result.detectedKind } });
		return z.NEVER;
	});
}

/** The message key (messages/scan) that says in words what is wrong with a code. */
export function codeProblemKey(kind: CodeKind, result: { problem: CodeProblem; detectedKind?: CodeKind }): string {
	if (result.problem === 'wrong_kind' && result.detectedKind) return `scan_error_wrong_kind_${result.detectedKind}_${kind}`;
	return `scan_error_${result.problem === 'wrong_kind' ? 'format' : result.problem}_${kind}`;
}
