/**
 * The optical-port readout (IEC 62056-21 mode C): what parsing a telegram costs, and how close a
 * whole read comes to the physical limit — the bytes' transmission time at 300 baud (sign-on,
 * identification, acknowledgement) and 9600 baud (the data), plus the reaction times the standard
 * makes both sides wait (the meter 200 ms before each answer, the tablet 200 ms before its
 * acknowledgement). The meter is the simulator in tests/support, with real wire time.
 */
import { ackOptionSelect, ascii, dataMessage, parseTelegram, SIGN_ON, TIMES, wireMs } from '../../../src/lib/optical/iec62056';
import { readMeter } from '../../../src/lib/optical/readout';
import { householdLines, SimulatedMeter } from '../../support/meter-simulator';
import type { BenchRow } from '../report';

const LINES = 200;
const REACTION_MS = 200;

const REGISTERS = { '1.8.0': '12469.123', '1.8.1': '8123.456', '1.8.2': '4345.667', '2.8.0': '17.25', '2.8.1': '10', '2.8.2': '7.25' };

/** A household meter's readout padded with maximum-demand history to LINES lines. */
function lines(): string[] {
	const base = householdLines({ serial: '0012345678', registers: REGISTERS }).length;
	return householdLines({ serial: '0012345678', registers: REGISTERS, extra: LINES - base });
}

export async function run(): Promise<BenchRow[]> {
	const rows: BenchRow[] = [];
	const data = lines();
	const id = '/APA5CX2X2-120\r\n';
	const message = dataMessage(data);
	const raw = new Uint8Array([...ascii(id), ...message]);

	// Parse (identification, BCC, 200 data lines, registers and serials) per telegram.
	for (let i = 0; i < 200; i++) parseTelegram(raw);
	const n = 3000;
	const t0 = performance.now();
	for (let i = 0; i < n; i++) parseTelegram(raw);
	const perTelegram = (performance.now() - t0) / n;
	rows.push({
		bench: 'optical', case: `parse a ${LINES}-line telegram (${raw.length} B)`, value: perTelegram * 1000, unit: 'µs',
		baseline: { label: 'its wire time at 19200 baud', value: wireMs(message.length, 19200) * 1000 }, goal: '≪ 1 (parsing is never the bottleneck)'
	});

	// Whole reads at 9600 baud against wire time + reaction times.
	const physical = wireMs(SIGN_ON.length + id.length + ackOptionSelect('5').length, 300) + wireMs(message.length, 9600) + 2 * REACTION_MS + TIMES.reactionMinMs;
	const times: number[] = [];
	for (let i = 0; i < 3; i++) {
		const meter = new SimulatedMeter({ manufacturer: 'APA', baudChar: '5', identification: 'CX2X2-120', lines: data, wire: 'real', reactionMs: REACTION_MS, echo: i === 2 });
		const start = performance.now();
		const r = await readMeter(meter.port);
		times.push(performance.now() - start);
		if (r.sets.length !== LINES || r.baud !== 9600) throw new Error('optical bench: readout incomplete');
	}
	times.sort((a, b) => a - b);
	rows.push({
		bench: 'optical', case: `whole read at 9600 baud, ${LINES} lines (median of 3)`, value: times[1]!, unit: 'ms',
		baseline: { label: 'wire time + reaction times', value: physical }, goal: '≤ 1.20 of baseline'
	});
	return rows;
}
