import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { billingCsv, type BillingRecord } from '../../server/stats/billing';

const record = (patch: Partial<BillingRecord> = {}): BillingRecord => ({
	ppe: '590543560000000017', tariffGroup: 'G12', oldMeterSerial: '12345678', oldReadings: { '1.8.1': '12345.678', '1.8.2': '0.001' },
	newMeterSerial: '2026000001', newReadings: { '1.8.1': '0.000', '1.8.2': '0.000' }, unreadable: [], startedAt: '2026-11-24T08:00:00.000Z',
	powerOffAt: '2026-11-24T08:05:00.000Z', powerOnAt: '2026-11-24T08:17:00.000Z', completedAt: '2026-11-24T08:25:00.000Z', fitter: 'Jan Kowalczyk',
	jobId: 'job-1', ...patch
});

describe('billing CSV', () => {
	it('keeps readings exactly as recorded, one column per register', () => {
		const rows = Papa.parse<string[]>(billingCsv([record()]), { delimiter: ';', skipEmptyLines: true }).data;
		const [head, row] = rows;
		expect(row![head!.indexOf('odczyt_koncowy_1.8.1')]).toBe('12345.678');
		expect(row![head!.indexOf('odczyt_koncowy_1.8.2')]).toBe('0.001');
		expect(row![head!.indexOf('licznik_zdjety')]).toBe('12345678');
	});

	it('defuses text that a spreadsheet would run as a formula (typed by a fitter or imported)', () => {
		const csv = billingCsv([record({ fitter: '=HYPERLINK("http://evil","x")', unreadable: [{ meter: 'old', register: '1.8.2', reason: 'x' }] }), record({ fitter: '@SUM(1)', jobId: 'job-2' })]);
		const rows = Papa.parse<string[]>(csv, { delimiter: ';', skipEmptyLines: true }).data;
		const fitter = rows[0]!.indexOf('monter');
		expect(rows[1]![fitter]).toBe(`'=HYPERLINK("http://evil","x")`);
		expect(rows[2]![fitter]).toBe(`'@SUM(1)`);
	});
});
