import { describe, expect, it } from 'vitest';
import {
	ackOptionSelect,
	ascii,
	bcc,
	checkDataMessage,
	dataMessage,
	fromBase64,
	meterValues,
	OpticalError,
	parseDataLines,
	parseIdentification,
	parseTelegram,
	pickSerial,
	toBase64,
	toKwh
} from '$lib/optical/iec62056';
import { readMeter, type ReadOptions } from '$lib/optical/readout';
import { householdLines, SimulatedMeter, type MeterConfig } from '../support/meter-simulator';

/** Short times so a failing meter does not keep the suite waiting; the meter still reacts in 200 ms. */
const FAST: ReadOptions = { times: { reactionMaxMs: 600, interCharMaxMs: 400, idleMs: 1100 } };
const REGISTERS = { '1.8.0': '12469.000', '1.8.1': '8123.456', '1.8.2': '4345.544', '2.8.0': '17.25' };

function meter(config: Partial<MeterConfig> = {}) {
	return new SimulatedMeter({ wire: 'fast', idleMs: 1000, lines: householdLines({ serial: '12345678', registers: REGISTERS }), ...config });
}

async function failure(p: Promise<unknown>): Promise<OpticalError> {
	const err = await p.then(() => null, (e: unknown) => e);
	expect(err).toBeInstanceOf(OpticalError);
	return err as OpticalError;
}

describe('IEC 62056-21 messages', () => {
	it('reads identification messages of several manufacturers’ styles', () => {
		expect(parseIdentification('/APA5CX2X2-120')).toMatchObject({ manufacturer: 'APA', mode: 'C', baudChar: '5', baud: 9600, identification: 'CX2X2-120', fastReaction: false });
		// Landis+Gyr: lower-case third letter (20 ms reaction) and an enhanced `\2` sequence.
		expect(parseIdentification('/LGZ4\\2ZMD3104407.B32')).toMatchObject({ manufacturer: 'LGZ', baud: 4800, identification: '\\2ZMD3104407.B32' });
		expect(parseIdentification('/ISk5MT174-0001')).toMatchObject({ manufacturer: 'ISK', fastReaction: true, baud: 9600 });
		expect(parseIdentification('/ZPA4ZE110.v10')).toMatchObject({ manufacturer: 'ZPA', baud: 4800 });
		expect(parseIdentification('/PAF6EQABP')).toMatchObject({ manufacturer: 'PAF', baud: 19200 });
		// Mode B letters: the meter switches by itself.
		expect(parseIdentification('/ELS E1234')).toBeNull();
		expect(parseIdentification('/ABCEmeter')).toMatchObject({ mode: 'B', baud: 9600 });
		expect(parseIdentification('/?!')).toBeNull();
		expect(parseIdentification('garbage')).toBeNull();
	});

	it('writes the acknowledgement for the chosen rate (normal protocol, data readout)', () => {
		expect([...ackOptionSelect('5')]).toEqual([0x06, 0x30, 0x35, 0x30, 0x0d, 0x0a]);
	});

	it('checks the block check character over the bytes after STX up to ETX', () => {
		const msg = dataMessage(['1.8.0(000123.456*kWh)']);
		expect(msg[msg.length - 1]).toBe(bcc(msg.subarray(1, msg.length - 1)));
		expect(checkDataMessage(msg)).toBe('1.8.0(000123.456*kWh)\r\n!\r\n');
		const bad = msg.slice();
		bad[5] = 0x39;
		expect(() => checkDataMessage(bad)).toThrow(/BCC/);
		expect(() => checkDataMessage(msg.subarray(0, msg.length - 1))).toThrow(/TRUNCATED/);
	});

	it('parses data lines into OBIS codes, values and units; historical values are not current registers', () => {
		const sets = parseDataLines('1-0:1.8.1*255(008123.456*kWh)\r\n1.8.1*01(007000.000*kWh)\r\n1.6.0(01.234*kW)(2611011215)\r\n0-0:96.1.0(A12345678)\r\n1.8.2(4345544*Wh)2.8.0(000017.25*kWh)\r\n!\r\n');
		expect(sets[0]).toEqual({ address: '1-0:1.8.1*255', value: '008123.456', unit: 'kWh', more: [] });
		expect(sets[2]).toEqual({ address: '1.6.0', value: '01.234', unit: 'kW', more: ['2611011215'] });
		const v = meterValues(sets);
		expect(v.registers).toEqual({ '1.8.1': '8123.456', '1.8.2': '4345.544', '2.8.0': '17.25' });
		expect(v.serials).toEqual({ '96.1.0': 'A12345678' });
	});

	it('turns register values into billing kWh without rounding up', () => {
		expect(toKwh('0012345.6789', 'kWh')).toBe('12345.678');
		expect(toKwh('000000', 'kWh')).toBe('0');
		expect(toKwh('12345678', 'Wh')).toBe('12345.678');
		expect(toKwh('5', 'Wh')).toBe('0.005');
		expect(toKwh('12.5', 'MWh')).toBe('12500');
		expect(toKwh('12,5', null)).toBe('12.5');
		expect(toKwh('1.2.3', 'kWh')).toBeNull();
		expect(toKwh('12', 'kvarh')).toBeNull();
	});

	it('finds the expected serial among the codes a meter gives, padded or without the maker’s prefix', () => {
		expect(pickSerial({ '0.0.0': '00000001', 'C.1.0': '0012345678' }, 'APA 12345678')).toEqual({ serial: 'APA 12345678', matches: true });
		expect(pickSerial({ '0.0.0': '12345678' }, '12345678')).toEqual({ serial: '12345678', matches: true });
		expect(pickSerial({ 'C.1.0': '99999999' }, '12345678')).toEqual({ serial: '99999999', matches: false });
		expect(pickSerial({}, '12345678')).toEqual({ serial: null, matches: false });
	});

	it('round-trips a raw telegram through base64 and parses it back with its checksum checked', () => {
		const raw = new Uint8Array([...ascii('\x00\x7f/?!\r\n/APA5X\r\n'), 0x06, ...ascii('050\r\n'), ...dataMessage(['1.8.1(000001.000*kWh)'])]);
		const back = fromBase64(toBase64(raw));
		expect([...back]).toEqual([...raw]);
		const t = parseTelegram(back);
		expect(t.identification.manufacturer).toBe('APA');
		expect(t.values.registers).toEqual({ '1.8.1': '1' });
		const tampered = back.slice();
		tampered[tampered.length - 8] = 0x39;
		expect(() => parseTelegram(tampered)).toThrow(/BCC/);
	});
});

describe('mode C readout through the simulated probe', () => {
	it('signs on at 300 baud, switches to the offered 9600 and reads every register', async () => {
		const m = meter();
		const phases: string[] = [];
		const r = await readMeter(m.port, { ...FAST, progress: (p) => phases.push(p) });
		expect(r.baud).toBe(9600);
		expect(m.port.opened).toEqual([300, 9600]);
		expect(r.values.registers).toEqual({ '1.8.0': '12469', '1.8.1': '8123.456', '1.8.2': '4345.544', '2.8.0': '17.25' });
		expect(r.values.serials['C.1.0']).toBe('12345678');
		expect(r.values.clock).toBe('123456');
		expect([...new Set(phases)]).toEqual(['connecting', 'identifying', 'reading', 'done']);
		expect(parseTelegram(r.raw).values.registers).toEqual(r.values.registers);
	});

	it.each([
		['Apator', 'APA', '5', 'CX2X2'],
		['Landis+Gyr', 'LGZ', '4', '\\2ZMD3104407.B32'],
		['Iskra (20 ms reaction)', 'ISk', '6', 'MT174'],
		['ZPA', 'ZPA', '3', 'ZE110'],
		['Pafal, 300 baud only', 'PAF', '0', 'EQABP']
	])('reads a %s meter at the rate it offers', async (_name, maker, z, ident) => {
		const m = meter({ manufacturer: maker, baudChar: z, identification: ident });
		const r = await readMeter(m.port, FAST);
		expect(r.identification.manufacturer).toBe(maker.toUpperCase());
		expect(r.baud).toBe([300, 600, 1200, 2400, 4800, 9600, 19200][Number(z)]);
		expect(r.values.registers['1.8.1']).toBe('8123.456');
	});

	it('asks for no more than the probe manages', async () => {
		const r = await readMeter(meter({ baudChar: '6' }).port, { ...FAST, maxBaud: 4800 });
		expect(r.baud).toBe(4800);
	});

	it('ignores an optical head echoing what the tablet sends', async () => {
		const r = await readMeter(meter({ echo: true }).port, FAST);
		expect(r.values.registers['1.8.2']).toBe('4345.544');
		expect(r.attempts).toBe(1);
	});

	it('skips garbage before the identification’s "/"', async () => {
		const r = await readMeter(meter({ garbage: '\x7f\x00x?!\r\n', echo: true }).port, FAST);
		expect(r.identification.manufacturer).toBe('APA');
		expect(r.attempts).toBe(1);
	});

	it('reads again after a wrong block check character, and keeps only the good telegram', async () => {
		const m = meter({ faults: { badBcc: 1 } });
		const r = await readMeter(m.port, FAST);
		expect(m.readouts).toBe(2);
		expect(r.attempts).toBe(2);
		expect(() => parseTelegram(r.raw)).not.toThrow();
	});

	it('gives up with BCC when the checksum is wrong every time', async () => {
		const m = meter({ faults: { badBcc: 9 } });
		expect((await failure(readMeter(m.port, { ...FAST, attempts: 2 }))).code).toBe('BCC');
		expect(m.readouts).toBe(2);
	});

	it('treats a parity error reported by the port as a failed readout', async () => {
		const m = meter({ faults: { parity: 5 } });
		expect((await failure(readMeter(m.port, { ...FAST, attempts: 2 }))).code).toBe('PARITY');
	});

	it('checks parity itself on a probe that delivers 8 bits, and recovers on the next readout', async () => {
		const m = meter({ parity: 'raw', faults: { parity: 1 } });
		const r = await readMeter(m.port, { ...FAST, parity: 'check' });
		expect(r.attempts).toBe(2);
		expect(r.values.registers['1.8.1']).toBe('8123.456');
	});

	it('reports a block cut off in the middle as truncated', async () => {
		const m = meter({ faults: { truncate: 5 } });
		expect((await failure(readMeter(m.port, { ...FAST, attempts: 1 }))).code).toBe('TRUNCATED');
	});

	it('falls back to 300 baud when the meter is silent at the new rate', async () => {
		const m = meter({ faults: { silentAtNewBaud: true } });
		const r = await readMeter(m.port, FAST);
		expect(r.fellBack).toBe(true);
		expect(r.baud).toBe(300);
		expect(m.port.opened).toEqual([300, 9600, 300]);
		expect(r.values.registers['1.8.1']).toBe('8123.456');
	});

	it('says NO_ANSWER when nothing answers the sign-on, after the retries', async () => {
		const m = meter({ faults: { noAnswer: true } });
		expect((await failure(readMeter(m.port, { ...FAST, attempts: 2 }))).code).toBe('NO_ANSWER');
		expect(m.port.opened.length).toBe(2);
	});

	it('stops at once with LOST when the probe is unplugged mid-read (no retry)', async () => {
		const m = meter({ faults: { unplugAfter: 60 } });
		expect((await failure(readMeter(m.port, FAST))).code).toBe('LOST');
		expect(m.readouts).toBe(1);
	});

	it('reads a mode B meter, which switches rate without an acknowledgement', async () => {
		const r = await readMeter(meter({ baudChar: 'E', identification: 'B' }).port, FAST);
		expect(r.identification.mode).toBe('B');
		expect(r.baud).toBe(9600);
	});

	it('converts a meter’s Wh registers and finds its serial under 0.0.0', async () => {
		const m = meter({ lines: householdLines({ serial: '87654321', serialCode: '0.0.0', registers: { '1.8.1': '123.4' }, wh: true }) });
		const r = await readMeter(m.port, FAST);
		expect(r.values.registers).toEqual({ '1.8.1': '123.4' });
		expect(pickSerial(r.values.serials, '87654321').matches).toBe(true);
	});
});
