import { describe, expect, it } from 'vitest';
import { CODE_KINDS, checkCode, classifyCode, codeProblemKey, codeSchema, normalizeCode } from '$lib/domain/codes';
import { ppeWithCheckDigit } from '$lib/domain/ppe';
import pl from '../../src/lib/i18n/messages/scan/pl.json';
import en from '../../src/lib/i18n/messages/scan/en.json';

const PPE = ppeWithCheckDigit('59054356010001234');
const BAD_PPE = PPE.slice(0, 17) + ((Number(PPE[17]) + 1) % 10);

describe('codes: PPE, meter serial and seal', () => {
	it('accepts the serials the demo data uses (conventional 8–10 digits, LZO 10 digits from 24…)', () => {
		for (const serial of ['12345678', '123456789', '9876543210', '2412345678']) {
			expect(checkCode('meter_serial', serial)).toEqual({ ok: true, value: serial });
			expect(classifyCode(serial)).toBe('meter_serial');
		}
	});

	it('accepts serials behind a manufacturer letter prefix', () => {
		expect(checkCode('meter_serial', 'a1234567')).toEqual({ ok: true, value: 'A1234567' });
		expect(checkCode('meter_serial', 'LGZ 123 456 789')).toEqual({ ok: true, value: 'LGZ123456789' });
	});

	it('normalises what fitters type and scanners send: blanks, case, dashes, control characters', () => {
		expect(normalizeCode('  td-123 4567\r\n')).toBe('TD1234567');
		expect(checkCode('seal', ' td-123 4567 ')).toEqual({ ok: true, value: 'TD1234567' });
		expect(checkCode('ppe', `\u001d${PPE.slice(0, 9)} ${PPE.slice(9)}`)).toEqual({ ok: true, value: PPE });
	});

	it('rejects a PPE with a wrong check digit as a check problem, a short one as a format problem', () => {
		expect(checkCode('ppe', BAD_PPE)).toEqual({ ok: false, problem: 'check' });
		expect(checkCode('ppe', PPE.slice(0, 17))).toEqual({ ok: false, problem: 'format' });
		expect(checkCode('ppe', 'ABC')).toEqual({ ok: false, problem: 'format' });
		expect(classifyCode(BAD_PPE)).toBe('unknown');
	});

	it('says a PPE was scanned where a meter serial is expected', () => {
		expect(checkCode('meter_serial', PPE)).toEqual({ ok: false, problem: 'wrong_kind', detectedKind: 'ppe' });
		expect(checkCode('seal', PPE)).toEqual({ ok: false, problem: 'wrong_kind', detectedKind: 'ppe' });
	});

	it('says a meter serial was scanned where a seal or a PPE is expected, and the other way round', () => {
		expect(checkCode('seal', '2412345678')).toEqual({ ok: false, problem: 'wrong_kind', detectedKind: 'meter_serial' });
		expect(checkCode('ppe', '2412345678')).toEqual({ ok: false, problem: 'wrong_kind', detectedKind: 'meter_serial' });
		expect(checkCode('meter_serial', 'TD1234567')).toEqual({ ok: false, problem: 'wrong_kind', detectedKind: 'seal' });
	});

	it('never takes one kind for another: every valid code has exactly one kind', () => {
		const samples = [PPE, '12345678', '2412345678', 'A1234567', 'LGZ123456789', 'TD1234567', 'ABCD123456', 'PL12345678'];
		for (const code of samples) {
			const accepted = CODE_KINDS.filter((k) => checkCode(k, code).ok);
			expect(accepted, code).toHaveLength(1);
			expect(classifyCode(code)).toBe(accepted[0]);
		}
	});

	it('rejects codes of no kind as a format problem', () => {
		for (const junk of ['', '12345', '12345678901234567', 'HELLO', 'T1234567X', 'ABCDE123456', 'https://example.com/x']) {
			expect(classifyCode(junk), junk).toBe('unknown');
			for (const kind of CODE_KINDS) expect(checkCode(kind, junk), `${kind} ${junk}`).toMatchObject({ ok: false, problem: 'format' });
		}
	});

	it('reports problems through the zod schema with a message key that exists in Polish and English', () => {
		expect(codeSchema('meter_serial').parse(' 2412-345678 ')).toBe('2412345678');
		const r = codeSchema('meter_serial').safeParse(PPE);
		expect(r.success).toBe(false);
		const key = r.error!.issues[0]!.message;
		expect(key).toBe('scan_error_wrong_kind_ppe_meter_serial');
		for (const kind of CODE_KINDS) {
			for (const result of [{ problem: 'format' as const }, { problem: 'check' as const }, ...CODE_KINDS.filter((d) => d !== kind).map((d) => ({ problem: 'wrong_kind' as const, detectedKind: d }))]) {
				if (result.problem === 'check' && kind !== 'ppe') continue;
				const k = codeProblemKey(kind, result);
				expect(pl, k).toHaveProperty(k);
				expect(en, k).toHaveProperty(k);
			}
		}
	});
});
