import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import {
	compareKwh,
	findInStock,
	isExpectedMeter,
	NO_ACCESS_TURN_BACK_ATTEMPTS,
	OUTAGE_TARGET_MINUTES,
	outageMinutes,
	outageOverrun,
	readingConcern
} from '$lib/domain/exchange';
import { parseMutation } from '$lib/domain/mutations';
import { registersFor } from '$lib/domain/tariff';
import { currentStep, type ExchangeSnapshot } from '$lib/fitter/exchange/exchange-steps';
import { openWymianaDb, type LocalJob, type WymianaDb } from '$lib/offline/db';
import { mutate } from '$lib/offline/outbox';

describe('tariff group → registers to read', () => {
	it('reads one zone for G11/C11, two for G12/G12w/C12a/C12b, three for G13, and the export registers for prosumers', () => {
		expect(registersFor('C11', true)).toEqual(['1.8.1', '2.8.1']);
		expect(registersFor('C12b', false)).toEqual(['1.8.1', '1.8.2']);
		expect(registersFor('G13', true)).toEqual(['1.8.1', '1.8.2', '1.8.3', '2.8.1', '2.8.2', '2.8.3']);
	});
});

describe('reading plausibility', () => {
	const at = '2026-06-30T10:00:00Z';
	const old = (value: string, lastKnown: string | null, lastKnownOn = '2026-06-01') => readingConcern({ value, meterRole: 'old', lastKnown, lastKnownOn, at });

	it('questions a final reading below the last known one, compared as decimals without float rounding', () => {
		expect(old('1000.09', '1000.1')).toBe('below_last');
		expect(old('1000.100', '1000.1')).toBeNull();
		expect(compareKwh('999.999', '1000')).toBe(-1);
		expect(compareKwh('123456789.001', '123456789.0')).toBe(1);
	});

	it('questions more consumption than the days since the last reading allow, and accepts a normal month', () => {
		// 29.4 days since the last reading: about 4,400 kWh at 150 kWh a day is the limit.
		expect(old('1300.0', '1000.0')).toBeNull();
		expect(old('5500.0', '1000.0')).toBe('implausibly_high');
		expect(old('5300.0', '1000.0')).toBeNull();
		expect(old('600000', null)).toBe('implausibly_high');
		expect(old('20000', null)).toBeNull();
	});

	it('expects a new meter to start near zero', () => {
		expect(readingConcern({ value: '0.4', meterRole: 'new' })).toBeNull();
		expect(readingConcern({ value: '1500', meterRole: 'new' })).toBe('new_meter_not_empty');
	});
});

describe('outage overrun', () => {
	const off = '2026-06-30T10:00:00.000Z';
	it('needs a reason only past the 15-minute target', () => {
		expect(OUTAGE_TARGET_MINUTES).toBe(15);
		expect(outageOverrun(off, '2026-06-30T10:15:00.000Z')).toBe(false);
		expect(outageOverrun(off, '2026-06-30T10:15:01.000Z')).toBe(true);
		expect(outageMinutes(off, Date.parse('2026-06-30T10:07:30.000Z'))).toBe(7.5);
	});

	it('refuses a restoration without the reason at the schema only when the reason is too short', () => {
		const base = { outageId: 'o1', jobId: 'j1', onAt: '2026-06-30T10:20:00.000Z' };
		expect(parseMutation('outage.end', { ...base, overrunReason: 'x' }).success).toBe(false);
		expect(parseMutation('outage.end', { ...base, overrunReason: 'Zapieczony zacisk' }).success).toBe(true);
	});
});

describe('stock and meter checks', () => {
	const stock = [
		{ id: 'm1', serial: '2412345678', manufacturer: 'Apator', model: 'GAMA 150' },
		{ id: 'm2', serial: '2498765432', manufacturer: 'Apator', model: 'GAMA 350' }
	];
	it('finds a scanned LZO in the fitter’s stock however the label groups the digits', () => {
		expect(findInStock('24 9876-5432', stock)?.model).toBe('GAMA 350');
		expect(findInStock('2400000000', stock)).toBeNull();
	});

	it('matches the old meter against the job’s expected serial only', () => {
		expect(isExpectedMeter('1234 5678', '12345678')).toBe(true);
		expect(isExpectedMeter('12345679', '12345678')).toBe(false);
		expect(isExpectedMeter('12345678', null)).toBe(false);
	});
});

describe('seal and serial formats in the mutations (codes.ts)', () => {
	const seal = (number: string | null, state = 'intact', meterRole = 'old') => parseMutation('seal.record', { sealId: 's1', jobId: 'j1', meterRole, number, state });

	it('stores a seal number normalised and refuses a meter serial where a seal is expected, in words', () => {
		const ok = seal('td 123-4567');
		expect(ok.success && ok.data).toMatchObject({ number: 'TD1234567' });
		const wrong = seal('12345678');
		expect(wrong.success).toBe(false);
		expect(wrong.error!.issues[0]!.message).toBe('scan_error_wrong_kind_meter_serial_seal');
	});

	it('applies seals only on the new meter and wants a number unless the seal is missing', () => {
		expect(seal('TD1234567', 'applied', 'old').success).toBe(false);
		expect(seal('TD1234567', 'intact', 'new').success).toBe(false);
		expect(seal(null, 'missing').success).toBe(true);
		expect(seal(null, 'broken').success).toBe(false);
	});

	it('refuses a PPE scanned where a meter serial is expected', () => {
		const r = parseMutation('exchange.oldMeter', { jobId: 'j1', serial: '590543560100012344', source: 'camera' });
		expect(r.success).toBe(false);
	});
});

// ----- on the tablet -----

const opened: WymianaDb[] = [];
let n = 0;
afterEach(() => {
	for (const db of opened.splice(0)) db.close();
});

function job(over: Partial<LocalJob> = {}): LocalJob {
	return {
		id: 'j1', status: 'in_progress', plannedDate: '2026-06-30', windowStart: null, windowEnd: null, sequence: 1, attempt: 1,
		location: 'stairwell', ppe: '590543560100012344', stairwell: 'I', flat: '1', tariffGroup: 'G12', prosumer: false,
		meterSerial: '12345678', meterModel: 'A52', lastReadings: { '1.8.1': '100.0', '1.8.2': '50.0' }, lastReadOn: '2026-06-01', expectedSeals: ['TD1234567'],
		estate: { id: 'e1', name: 'Osiedle' }, building: { id: 'b1', street: 'Lipowa', number: '1', postcode: '00-001', city: 'Wrocław' }, ...over
	};
}

async function tablet(j: LocalJob) {
	const db = openWymianaDb(`exchange-${++n}`, { indexedDB, IDBKeyRange });
	opened.push(db);
	await db.jobs.put(j);
	await db.stock.put({ id: 'm1', serial: '2412345678', manufacturer: 'Apator', model: 'GAMA 150' });
	return db;
}

async function snapshotOf(db: WymianaDb, jobId: string): Promise<ExchangeSnapshot> {
	return {
		job: (await db.jobs.get(jobId)) ?? null,
		exchange: (await db.exchanges.get(jobId)) ?? null,
		readings: await db.readings.where('jobId').equals(jobId).toArray(),
		outages: await db.outages.where('jobId').equals(jobId).toArray(),
		seals: await db.seals.where('jobId').equals(jobId).toArray(),
		visits: await db.visits.where('jobId').equals(jobId).toArray(),
		photos: await db.photos.where('jobId').equals(jobId).toArray(),
		stock: await db.stock.toArray(),
		usedMeterIds: [],
		draft: (await db.drafts.get(jobId)) ?? null,
		profile: null
	};
}

describe('the exchange on the tablet', () => {
	const sha = (c: string) => c.repeat(64);

	it('resumes at the first step whose facts are missing, so a reload lands where the fitter was', async () => {
		const db = await tablet(job());
		const step = async () => currentStep(await snapshotOf(db, 'j1'));
		expect(await step()).toBe('old_meter');
		await mutate(db, 'exchange.oldMeter', { jobId: 'j1', serial: '12345678', source: 'camera' });
		expect(await step()).toBe('seals');
		await mutate(db, 'seal.record', { sealId: 's1', jobId: 'j1', meterRole: 'old', number: 'TD1234567', state: 'intact' });
		await db.drafts.put({ jobId: 'j1', residentPresent: null, sealsConfirmed: true });
		expect(await step()).toBe('readings');
		await mutate(db, 'reading.record', { readingId: 'r1', jobId: 'j1', meterRole: 'old', register: '1.8.1', value: '120.5', photoSha256: sha('a') });
		expect(await step()).toBe('readings');
		await mutate(db, 'reading.record', { readingId: 'r2', jobId: 'j1', meterRole: 'old', register: '1.8.2', value: '60.0', photoSha256: sha('a') });
		expect(await step()).toBe('outage');
		await mutate(db, 'outage.start', { outageId: 'o1', jobId: 'j1', offAt: '2026-06-30T10:00:00.000Z' });
		expect(await step()).toBe('outage');
		await mutate(db, 'outage.end', { outageId: 'o1', jobId: 'j1', onAt: '2026-06-30T10:12:00.000Z' });
		expect(await step()).toBe('new_meter');
		await mutate(db, 'exchange.newMeter', { jobId: 'j1', serial: '2412345678', source: 'camera' });
		expect((await db.exchanges.get('j1'))?.newMeterModel).toBe('Apator GAMA 150');
		for (const r of ['1.8.1', '1.8.2']) await mutate(db, 'reading.record', { readingId: `n${r}`, jobId: 'j1', meterRole: 'new', register: r, value: '0.0' });
		await mutate(db, 'seal.record', { sealId: 's2', jobId: 'j1', meterRole: 'new', number: 'TD7000001', state: 'applied' });
		expect(await step()).toBe('new_meter');
		await mutate(db, 'photo.attach', { photoId: 'p1', jobId: 'j1', sha256: sha('b'), kind: 'new_meter', contentType: 'image/jpeg', size: 1000 });
		// The photo does not end the step by itself: a second seal can still be added after it.
		expect(await step()).toBe('new_meter');
		await mutate(db, 'seal.record', { sealId: 's3', jobId: 'j1', meterRole: 'new', number: 'TD7000002', state: 'applied' });
		expect(await step()).toBe('new_meter');
		await db.drafts.update('j1', { newMeterConfirmed: true });
		expect(await step()).toBe('commissioning');
		await mutate(db, 'exchange.commission', { jobId: 'j1', contactorClosed: true, tariffProgrammed: 'G12', wmbusEnabled: false, wmbusRequested: false, voltageOk: true });
		expect((await db.exchanges.get('j1'))?.commissioningState).toBe('pending');
		expect(await step()).toBe('protocol');
		await mutate(db, 'exchange.protocol', { jobId: 'j1', signatureKind: 'stairwell', protocolSha256: sha('c') });
		expect(await step()).toBe('finish');
		await mutate(db, 'exchange.complete', { jobId: 'j1' });
		expect(await step()).toBe('done');
	});

	it('asks an in-home exchange first whether the resident is there', async () => {
		const db = await tablet(job({ location: 'in_home' }));
		expect(currentStep(await snapshotOf(db, 'j1'))).toBe('arrival');
		await db.drafts.put({ jobId: 'j1', residentPresent: true, sealsConfirmed: false });
		expect(currentStep(await snapshotOf(db, 'j1'))).toBe('old_meter');
	});

	it('flags a mismatching old meter and a broken seal on the tablet at once', async () => {
		const db = await tablet(job());
		await mutate(db, 'exchange.oldMeter', { jobId: 'j1', serial: '87654321', source: 'manual', mismatchReason: 'Inny licznik', mismatchPhotoSha256: sha('d') });
		await mutate(db, 'seal.record', { sealId: 's1', jobId: 'j1', meterRole: 'old', number: 'TD1234567', state: 'broken' });
		expect(await db.exchanges.get('j1')).toMatchObject({ oldMeterMismatch: true, mismatchReason: 'Inny licznik', irregularitySuspected: true });
	});

	it('turns an in-home job back after the third no-access visit', async () => {
		const db = await tablet(job({ location: 'in_home', status: 'planned' }));
		const statuses: string[] = [];
		for (let i = 1; i <= NO_ACCESS_TURN_BACK_ATTEMPTS; i++) {
			await mutate(db, 'job.noAccess', { jobId: 'j1', noticeLeft: true, visitId: `v${i}` });
			statuses.push((await db.jobs.get('j1'))!.status);
			if (i < NO_ACCESS_TURN_BACK_ATTEMPTS) await db.jobs.update('j1', { status: 'planned' });
		}
		expect(statuses).toEqual(['no_access', 'no_access', 'turned_back']);
		expect((await db.visits.orderBy('id').toArray()).map((v) => v.attempt)).toEqual([1, 2, 3]);
	});

	it('counts "could not complete" as an attempt like a no-access visit', async () => {
		const db = await tablet(job({ location: 'in_home', status: 'planned', attempt: 2 }));
		await mutate(db, 'job.cannotComplete', { jobId: 'j1', exceptionId: 'x1', reason: 'cabinet_locked', note: null, photoSha256: sha('e') });
		expect(await db.jobs.get('j1')).toMatchObject({ status: 'no_access', attempt: 2, exceptionReason: 'cabinet_locked' });
		await db.jobs.update('j1', { status: 'planned' });
		await mutate(db, 'job.noAccess', { jobId: 'j1', noticeLeft: true, visitId: 'v1' });
		expect(await db.jobs.get('j1')).toMatchObject({ status: 'turned_back', attempt: 3, exceptionReason: null });
	});
});
