import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { LocalExchange, LocalJob, LocalProfile, LocalReading } from '$lib/offline/db';
import { operatorFromEnv } from '$server/operator/operator-config';
import { serverPdfFonts } from '$server/pdf/fonts';

// The tablet fetches the fonts from its precached build; here they come from the npm package.
vi.mock('$lib/pdf/browser-fonts', () => ({ browserPdfFonts: async () => serverPdfFonts() }));
const { buildProtocolPdf } = await import('$lib/fitter/exchange/protocol-pdf');

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

const reading = (meterRole: 'old' | 'new', value: string): LocalReading => ({
	id: `${meterRole}-1.8.0`, jobId: 'j1', meterRole, register: '1.8.0', value, unreadableReason: null, photoSha256: null, at: '2026-12-01T13:00:00Z'
});

async function pdfText(signer: NonNullable<Parameters<typeof buildProtocolPdf>[0]['signer']>, readings: LocalReading[] = [], profile: LocalProfile | null = null): Promise<string> {
	const blob = await buildProtocolPdf({ job, exchange, readings, seals: [], outages: [], profile, signature: null, at: new Date('2026-12-01T15:29:00Z'), signer });
	const file = join(dir, `${signer.kind}-${Math.random().toString(36).slice(2)}.pdf`);
	writeFileSync(file, Buffer.from(await blob.arrayBuffer()));
	return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

const dir = mkdtempSync(join(tmpdir(), 'wymiana-protocol-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasPdftotext)('exchange protocol PDF', () => {
	it('is still produced when the resident refuses to sign, with the name they gave and their reason', { timeout: 30_000 }, async () => {
		const text = await pdfText({ kind: 'refused', name: 'Jan Kowalski', refusalReason: 'Nie zgadza się z wymianą licznika' });
		for (const fact of ['Protokół wymiany licznika', 'Odmowa podpisu', 'Jan Kowalski', 'Nie zgadza się z wymianą licznika', '2412345678', '1 grudnia 2026']) expect(text).toContain(fact);
		expect(text).not.toContain('Klatka');
	});

	it('says so when the resident refused and gave no name', { timeout: 30_000 }, async () => {
		const text = await pdfText({ kind: 'refused', name: null, refusalReason: 'Brak czasu' });
		expect(text).toContain('Odmowa podpisu');
		expect(text).toContain('nie podano');
		expect(text).not.toContain('Jan Kowalski');
	});

	it('prints readings with a decimal comma and grouped thousands, as the fitter typed them', { timeout: 30_000 }, async () => {
		const text = await pdfText({ kind: 'refused', name: null, refusalReason: 'Brak czasu' }, [reading('old', '38557.5'), reading('new', '0.0')]);
		const plain = text.replace(/[\u00a0\u202f]/g, ' ');
		expect(plain).toContain('38 557,5 kWh');
		expect(plain).toContain('0,0 kWh');
		expect(plain).not.toContain('38557.5');
	});

	it('dates the protocol with the weekday, the year, the Polish time and says which time it is', { timeout: 30_000 }, async () => {
		const text = (await pdfText({ kind: 'refused', name: null, refusalReason: 'Brak czasu' })).replace(/[\u00a0\u202f]/g, ' ');
		// 15:29 UTC on 1 December is 16:29 in Warsaw.
		expect(text).toContain('wtorek, 1 grudnia 2026, 16:29 (czas polski)');
	});

	it('uses the glossary words: removed meter, new meter, resident', { timeout: 30_000 }, async () => {
		const text = await pdfText({ kind: 'refused', name: 'Jan Kowalski', refusalReason: 'x' });
		for (const word of ['Licznik zdjęty', 'Nowy licznik (LZO)']) expect(text).toContain(word);
		// The label wraps in its column: "podane przez" / "mieszkańca".
		expect(text).toMatch(/podane przez[\s\S]{0,80}mieszkańca/);
	});

	it("prints the configured operator, hotline and verification address pulled with the fitter's profile, and that it is no contract", async () => {
		const operator = operatorFromEnv({ PUBLIC_ORIGIN: 'https://wymiana.example', WYMIANA_OPERATOR_NAME: 'Przykładowy Operator S.A.', WYMIANA_HOTLINE: '22 123 45 67', WYMIANA_HOTLINE_FREE: '1' });
		const profile: LocalProfile = { id: 'me', workerId: 'w', firstName: 'Ola', lastName: 'Nowak', company: 'Energo-Montaż', badgeNumber: '7K2M9Q4TD', validUntil: '2027-06-30', status: 'active', codeSecret: 's', operator };
		const text = (await pdfText({ kind: 'refused', name: null, refusalReason: 'Brak czasu' }, [], profile)).replace(/\s+/g, ' ');
		expect(text).toContain('Operator Przykładowy Operator S.A.');
		expect(text).toContain('Infolinia 22 123 45 67 (połączenie bezpłatne)');
		expect(text).toContain('Weryfikacja identyfikatora https://wymiana.example/verify');
		expect(text).toContain('nie zmienia umowy');
		expect(text).not.toContain('800 000 000');
	}, 60_000); // font subsetting on a busy 2-core machine
});
