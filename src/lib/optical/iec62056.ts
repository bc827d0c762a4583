/**
 * IEC 62056-21 (formerly IEC 61107) mode C data readout: the messages and their parsing. Pure and
 * isomorphic (no DOM, no Node): the tablet reads a meter with it, the server re-checks the raw
 * telegram a reading claims to come from, tests and the simulator build telegrams with it.
 *
 * Exchange, all characters 7 data bits, even parity, 1 stop bit, starting at 300 baud:
 *   tablet → `/?!<CR><LF>`                                   sign-on request
 *   meter  → `/XXXZ<identification><CR><LF>`                 XXX maker, Z baud-rate character
 *   tablet → `<ACK>0Z0<CR><LF>`                             normal protocol, baud Z, data readout
 *   both switch to the baud rate of Z
 *   meter  → `<STX><data lines>!<CR><LF><ETX><BCC>`           BCC = XOR of the bytes after STX up to ETX
 */

export const STX = 0x02;
export const ETX = 0x03;
export const ACK = 0x06;
export const CR = 0x0d;
export const LF = 0x0a;

/** Mode C baud-rate characters. */
export const MODE_C_BAUD: Record<string, number> = { '0': 300, '1': 600, '2': 1200, '3': 2400, '4': 4800, '5': 9600, '6': 19200 };
/** Mode B: the meter switches by itself right after its identification, no acknowledgement. */
export const MODE_B_BAUD: Record<string, number> = { A: 600, B: 1200, C: 2400, D: 4800, E: 9600, F: 19200 };
export const INITIAL_BAUD = 300;

/**
 * Times from the standard (ms): a meter answers within tr = 200…1500 ms, the characters of one
 * message follow each other within 1500 ms, and a meter left without an answer returns to its
 * idle state at 300 baud (we wait a little longer before signing on again).
 */
export const TIMES = { reactionMinMs: 200, reactionMaxMs: 1500, interCharMaxMs: 1500, idleMs: 2200 } as const;

/** 7E1: start + 7 data + parity + stop. */
export const BITS_PER_CHAR = 10;
/** How long `bytes` characters take on the wire at `baud`. */
export const wireMs = (bytes: number, baud: number) => (bytes * BITS_PER_CHAR * 1000) / baud;

export const SIGN_ON = ascii('/?!\r\n');

export function ascii(text: string): Uint8Array {
	const out = new Uint8Array(text.length);
	for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0x7f;
	return out;
}

/** Bytes as text, one character per byte (windows-1252 equals ASCII on the 7-bit bytes of a readout). */
const latin1 = new TextDecoder('latin1');
export function text(bytes: Uint8Array): string {
	return latin1.decode(bytes);
}

/** The acknowledgement/option select message: normal protocol (V=0), baud Z, data readout (Y=0). */
export function ackOptionSelect(baudChar: string): Uint8Array {
	return Uint8Array.of(ACK, 0x30, baudChar.charCodeAt(0), 0x30, CR, LF);
}

/** Block check character: XOR of every byte given. */
export function bcc(bytes: Uint8Array): number {
	let x = 0;
	for (const b of bytes) x ^= b;
	return x;
}

/** Even parity over 8 bits: a received byte whose 1-bits are odd in number was damaged. */
export function parityOk(byte: number): boolean {
	let b = byte & 0xff;
	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return (b & 1) === 0;
}

/** The byte with its parity bit (bit 7) set for even parity, as it travels in 7E1. */
export function withParity(byte: number): number {
	const b = byte & 0x7f;
	return parityOk(b) ? b : b | 0x80;
}

export type OpticalErrorCode =
	| 'NO_ANSWER'
	| 'NO_ANSWER_NEW_BAUD'
	| 'BCC'
	| 'PARITY'
	| 'TRUNCATED'
	| 'FORMAT'
	| 'LOST'
	| 'NOT_SUPPORTED';

/** A read that failed, with the reason the fitter is told. */
export class OpticalError extends Error {
	constructor(
		readonly code: OpticalErrorCode,
		detail?: string
	) {
		super(detail ? `${code}: ${detail}` : code);
		this.name = 'OpticalError';
	}
}

export interface Identification {
	/** The three letters (the flag agreed with the FLAG association), upper case. */
	manufacturer: string;
	/** Third letter in lower case: the meter accepts a 20 ms reaction time. */
	fastReaction: boolean;
	mode: 'A' | 'B' | 'C';
	baudChar: string;
	/** The highest rate the meter offers. */
	baud: number;
	/** The identification text after Z, enhanced `\W` sequences included. */
	identification: string;
}

/** `/XXXZ…` without its CR LF; null when it is not an identification message. */
export function parseIdentification(line: string): Identification | null {
	const m = /^\/([A-Za-z]{2}[A-Za-z])([0-9A-Z])((?:\\[\x21-\x7e]|[\x20-\x7e])*)$/.exec(line);
	if (!m || m[3]!.length > 32 || /[/!]/.test(m[3]!)) return null;
	const [, flag, z, ident] = m as unknown as [string, string, string, string];
	const modeC = MODE_C_BAUD[z];
	const modeB = MODE_B_BAUD[z];
	return {
		manufacturer: flag.toUpperCase(),
		fastReaction: flag[2] === flag[2]!.toLowerCase(),
		mode: modeC !== undefined ? 'C' : modeB !== undefined ? 'B' : 'A',
		baudChar: z,
		baud: modeC ?? modeB ?? INITIAL_BAUD,
		identification: ident
	};
}

/** One data set: `address(value*unit)`; a line may carry several values for one address. */
export interface DataSet {
	address: string;
	value: string;
	unit: string | null;
	/** Further values in brackets after the first (a maximum demand's time stamp…). */
	more: string[];
}

/** The data lines of a readout, up to the end line `!`. A scan, not a regex: 200 lines stay cheap. */
export function parseDataLines(block: string): DataSet[] {
	const out: DataSet[] = [];
	for (const line of block.split('\r\n')) {
		if (line === '!' || line === '') continue;
		let current: DataSet | null = null;
		let at = 0;
		while (at < line.length) {
			const open = line.indexOf('(', at);
			const close = open < 0 ? -1 : line.indexOf(')', open + 1);
			const address = open < 0 ? '' : line.slice(at, open).trim();
			if (close < 0 || address.includes(')') || line.slice(open + 1, close).includes('(')) throw new OpticalError('FORMAT', line.slice(0, 40));
			const inside = line.slice(open + 1, close);
			at = close + 1;
			if (address === '' && current) {
				current.more.push(inside);
				continue;
			}
			const star = inside.indexOf('*');
			const value = star < 0 ? inside : inside.slice(0, star);
			const unit = star < 0 ? '' : inside.slice(star + 1).trim();
			current = { address, value: value.trim(), unit: unit || null, more: [] };
			out.push(current);
		}
		if (!current) throw new OpticalError('FORMAT', line.slice(0, 40));
	}
	return out;
}

/** The STX … ETX BCC data message, checked. Returns the text between STX and ETX. */
export function checkDataMessage(bytes: Uint8Array): string {
	if (bytes[0] !== STX) throw new OpticalError('FORMAT', 'no STX');
	const etx = bytes.indexOf(ETX, 1);
	if (etx < 0 || etx + 1 >= bytes.length) throw new OpticalError('TRUNCATED');
	if (bcc(bytes.subarray(1, etx + 1)) !== bytes[etx + 1]) throw new OpticalError('BCC');
	const body = text(bytes.subarray(1, etx));
	if (body !== '!\r\n' && !body.endsWith('\r\n!\r\n')) throw new OpticalError('TRUNCATED', 'no end line');
	return body;
}

/** A data message around these lines (the simulator's and the tests' way of writing one). */
export function dataMessage(lines: string[]): Uint8Array {
	const body = ascii(lines.map((l) => `${l}\r\n`).join('') + '!\r\n');
	const out = new Uint8Array(body.length + 3);
	out[0] = STX;
	out.set(body, 1);
	out[body.length + 1] = ETX;
	out[body.length + 2] = bcc(out.subarray(1, body.length + 2));
	return out;
}

/** OBIS address without medium/channel (`1-0:`) and with the billing-period suffix apart. */
export function splitAddress(address: string): { code: string; period: string | null } {
	const noPrefix = address.replace(/^\d+-\d+:/, '');
	const m = /^([0-9A-Z]+\.[0-9A-Z]+\.[0-9A-Z]+)(?:[*&](\d+))?$/.exec(noPrefix);
	if (!m) return { code: noPrefix, period: null };
	// `*255` is "the current value", the same as no suffix.
	const period = m[2] === undefined || m[2] === '255' ? null : m[2];
	return { code: m[1]!, period };
}

/** A register value as the billing stores it: kWh, decimal text, at most 3 decimals, no leading zeros. */
export function toKwh(value: string, unit: string | null): string | null {
	const m = /^(\d+)(?:[.,](\d+))?$/.exec(value.trim());
	if (!m) return null;
	const u = (unit ?? 'kWh').toLowerCase();
	const shift = u === 'kwh' ? 0 : u === 'wh' ? 3 : u === 'mwh' ? -3 : null;
	if (shift === null) return null;
	let int = m[1]!;
	let frac = m[2] ?? '';
	if (shift > 0) {
		const all = int.padStart(shift + 1, '0');
		frac = all.slice(-shift) + frac;
		int = all.slice(0, -shift);
	} else if (shift < 0) {
		const f = frac.padEnd(-shift, '0');
		int += f.slice(0, -shift);
		frac = f.slice(-shift);
	}
	// A register counts up; a digit it has not reached yet is not rounded in.
	frac = frac.slice(0, 3).replace(/0+$/, '');
	int = int.replace(/^0+(?=\d)/, '');
	if (int.length > 9) return null;
	return frac ? `${int}.${frac}` : int;
}

/** Where meters put their serial number, in the order we trust them. */
export const SERIAL_CODES = ['C.1.0', '96.1.0', '0.0.0'] as const;

export interface MeterValues {
	/** Energy registers of the current period, kWh: `1.8.0`, `1.8.1`…, `2.8.0`… */
	registers: Record<string, string>;
	/** Serial numbers the meter gave, by code (C.1.0, 96.1.0, 0.0.0). */
	serials: Partial<Record<(typeof SERIAL_CODES)[number], string>>;
	clock: string | null;
	date: string | null;
}

/** The energy registers, serial numbers, clock and date out of a readout's data sets. */
export function meterValues(sets: DataSet[]): MeterValues {
	const out: MeterValues = { registers: {}, serials: {}, clock: null, date: null };
	for (const s of sets) {
		const { code, period } = splitAddress(s.address);
		if (period !== null) continue;
		if (/^[12]\.8\.[0-9]$/.test(code)) {
			const kwh = toKwh(s.value, s.unit);
			if (kwh !== null && !(code in out.registers)) out.registers[code] = kwh;
		} else if ((SERIAL_CODES as readonly string[]).includes(code) && s.value.trim()) {
			out.serials[code as (typeof SERIAL_CODES)[number]] ??= s.value.trim();
		} else if (code === '0.9.1') out.clock ??= s.value;
		else if (code === '0.9.2') out.date ??= s.value;
	}
	return out;
}

/**
 * The serial to record: the one that matches the expected meter (meters pad with zeros or drop
 * the maker's prefix the plate prints), else the first the meter gave.
 */
export function pickSerial(serials: MeterValues['serials'], expected: string | null): { serial: string | null; matches: boolean } {
	const given = SERIAL_CODES.map((c) => serials[c]).filter((s): s is string => !!s);
	const core = (s: string) => s.replace(/[\s\-./]/g, '').toUpperCase().replace(/^[A-Z]{1,3}(?=\d)/, '').replace(/^0+(?=\d)/, '');
	if (expected) {
		const hit = given.find((s) => core(s) === core(expected));
		if (hit) return { serial: expected, matches: true };
	}
	return { serial: given[0] ?? null, matches: false };
}

/** A whole readout as received: identification line and data message. */
export interface Telegram {
	identification: Identification;
	/** The data message text between STX and ETX. */
	body: string;
	sets: DataSet[];
	values: MeterValues;
}

/**
 * Parses and checks a raw telegram (identification line, then STX … ETX BCC) as the tablet keeps
 * it; bytes before `/` and between the two messages (echo, acknowledgement) are skipped.
 */
export function parseTelegram(bytes: Uint8Array): Telegram {
	const raw = text(bytes);
	const idStart = raw.search(/\/[A-Za-z]/);
	const idEnd = idStart < 0 ? -1 : raw.indexOf('\r\n', idStart);
	if (idEnd < 0) throw new OpticalError('FORMAT', 'no identification');
	const identification = parseIdentification(raw.slice(idStart, idEnd));
	if (!identification) throw new OpticalError('FORMAT', 'identification');
	const stx = bytes.indexOf(STX, idEnd);
	if (stx < 0) throw new OpticalError('TRUNCATED', 'no data');
	const body = checkDataMessage(bytes.subarray(stx));
	const sets = parseDataLines(body);
	return { identification, body, sets, values: meterValues(sets) };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 (no Buffer, no btoa: the same in Node and the browser). */
export function toBase64(bytes: Uint8Array): string {
	let out = '';
	for (let i = 0; i < bytes.length; i += 3) {
		const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
		out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + (i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '=') + (i + 2 < bytes.length ? B64[n & 63]! : '=');
	}
	return out;
}

export function fromBase64(b64: string): Uint8Array {
	const clean = b64.replace(/=+$/, '');
	const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
	let o = 0;
	for (let i = 0; i < clean.length; i += 4) {
		const n = [0, 1, 2, 3].reduce((acc, k) => (acc << 6) | Math.max(0, B64.indexOf(clean[i + k] ?? 'A')), 0);
		if (o < out.length) out[o++] = (n >> 16) & 255;
		if (o < out.length) out[o++] = (n >> 8) & 255;
		if (o < out.length) out[o++] = n & 255;
	}
	return out;
}
