import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { LocalExchange, LocalJob, LocalProfile } from '$lib/offline/db';
import { hotlineHref } from '$lib/domain/operator';
import { hotlineText, operatorName } from '$lib/public/operator-text';
import { operatorFromEnv, OperatorConfigError } from '$server/operator/operator-config';
import { serverPdfFonts } from '$server/pdf/fonts';

vi.mock('$lib/pdf/browser-fonts', () => ({ browserPdfFonts: async () => serverPdfFonts() }));
const { buildProtocolPdf } = await import('$lib/fitter/exchange/protocol-pdf');

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

const hasPdftotext = (() => {
	try {
		execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
})();

const job: LocalJob = {
	id: 'j1', status: 'in_progress', plannedDate: '2026-12-01', windowStart: null, windowEnd: null, sequence: 1, attempt: 1,
	location: 'in_home', ppe: '590543570000000015', stairwell: '', flat: null, tariffGroup: 'G12', prosumer: false, meterSerial: '31000001', meterModel: '20 EC3',
	estate: { id: 'e', name: 'Domki' }, building: { id: 'b', street: 'ul. Domowa', number: '7', postcode: '55-100', city: 'Trzebnica' }
};
const exchange: LocalExchange = {
	id: 'j1', jobId: 'j1', oldMeterSerial: '31000001', oldMeterMismatch: false, mismatchReason: null, mismatchPhotoSha256: null, irregularitySuspected: false,
	newMeterSerial: '2412345678', newMeterId: 'm', newMeterModel: 'Apator GAMA 150', notInStockReason: null, contactorClosed: true, tariffProgrammed: 'G12',
	wmbusEnabled: false, wmbusRequested: false, voltageOk: true, commissioningState: 'pending', commissioningAttempts: 0, commissioningError: null,
	signatureKind: null, signatureSha256: null, protocolSha256: null, completedAt: null
};
const dir = mkdtempSync(join(tmpdir(), 'wymiana-operator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasPdftotext)('exchange protocol PDF', () => {
	it("prints the configured operator, hotline and verification address pulled with the fitter's profile, and that it is no contract", async () => {
		const operator = operatorFromEnv({ PUBLIC_ORIGIN: 'https://wymiana.example', WYMIANA_OPERATOR_NAME: 'Przykładowy Operator S.A.', WYMIANA_HOTLINE: '22 123 45 67', WYMIANA_HOTLINE_FREE: '1' });
		const profile: LocalProfile = { id: 'me', workerId: 'w', firstName: 'Ola', lastName: 'Nowak', company: 'Energo-Montaż', badgeNumber: '7K2M9Q4TD', validUntil: '2027-06-30', status: 'active', codeSecret: 's', operator };
		const blob = await buildProtocolPdf({ job, exchange, readings: [], seals: [], outages: [], profile, signature: null, at: new Date('2026-12-01T13:05:00Z'), signer: { kind: 'refused', name: null, refusalReason: 'Brak czasu' } });
		const file = join(dir, 'protocol.pdf');
		writeFileSync(file, Buffer.from(await blob.arrayBuffer()));
		const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
		expect(text).toContain('Operator Przykładowy Operator S.A.');
		expect(text).toContain('Infolinia 22 123 45 67 (połączenie bezpłatne)');
		expect(text).toContain('Weryfikacja identyfikatora https://wymiana.example/verify');
		expect(text).toContain('nie zmienia umowy');
		expect(text).not.toContain('800 000 000');
	}, 60_000); // font subsetting on a busy 2-core machine
});
