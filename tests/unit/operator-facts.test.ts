import { describe, expect, it } from 'vitest';
import { hotlineHref } from '$lib/domain/operator';
import { hotlineText, operatorName } from '$lib/public/operator-text';
import { operatorFromEnv, OperatorConfigError } from '$server/operator/operator-config';

describe('operator facts from configuration', () => {
	it('falls back to demo values that say they are a demo, and never calls the demo line free', () => {
		const op = operatorFromEnv({ PUBLIC_ORIGIN: 'https://wymiana.example/' });
		expect(op).toMatchObject({ name: null, demo: true, hotlineFree: false, verifyUrl: 'https://wymiana.example/verify', bookingUrl: 'https://wymiana.example/harmonogram/wizyta', faqUrl: 'https://wymiana.example/pytania' });
		expect(hotlineText(op, 'pl')).toBe('800 000 000 (numer demonstracyjny)');
		expect(operatorName(op, 'pl')).toContain('demonstracyjne');
	});

	it('prints a configured paid line without a note, and "free" only when configured free', () => {
		const env = { PUBLIC_ORIGIN: 'https://wymiana.example', WYMIANA_OPERATOR_NAME: 'Przykładowy Operator S.A.', WYMIANA_HOTLINE: '22 123 45 67' };
		const paid = operatorFromEnv(env);
		expect(paid).toMatchObject({ name: 'Przykładowy Operator S.A.', demo: false, hotlineFree: false });
		expect(hotlineText(paid, 'pl')).toBe('22 123 45 67');
		const free = operatorFromEnv({ ...env, WYMIANA_HOTLINE_FREE: '1' });
		expect(hotlineText(free, 'pl')).toBe('22 123 45 67 (połączenie bezpłatne)');
		expect(hotlineText(free, 'en')).toBe('22 123 45 67 (free of charge)');
		expect(hotlineHref({ hotline: '+48 22 123 45 67' })).toBe('tel:+48221234567');
	});

	it('takes the verification and booking addresses from the environment', () => {
		const op = operatorFromEnv({ PUBLIC_ORIGIN: 'https://wymiana.example', WYMIANA_VERIFY_URL: 'https://operator.example/sprawdz', WYMIANA_BOOKING_URL: 'https://operator.example/termin/' });
		expect(op.verifyUrl).toBe('https://operator.example/sprawdz');
		expect(op.bookingUrl).toBe('https://operator.example/termin');
	});

	it.each([
		[{ WYMIANA_HOTLINE: 'call us' }, /WYMIANA_HOTLINE/],
		[{ WYMIANA_HOTLINE: '12' }, /WYMIANA_HOTLINE/],
		[{ WYMIANA_HOTLINE: '22 123 45 67', WYMIANA_HOTLINE_FREE: 'yes' }, /WYMIANA_HOTLINE_FREE must be 0 or 1/],
		[{ WYMIANA_VERIFY_URL: 'javascript:alert(1)' }, /WYMIANA_VERIFY_URL/],
		[{ WYMIANA_BOOKING_URL: '/harmonogram' }, /WYMIANA_BOOKING_URL/]
	])('refuses a wrong setting %o with its name', (env, message) => {
		expect(() => operatorFromEnv(env)).toThrow(OperatorConfigError);
		expect(() => operatorFromEnv(env)).toThrow(message);
	});
});
