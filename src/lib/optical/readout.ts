/**
 * One mode C data readout over an optical probe, as a small state machine over any serial link
 * (Web Serial on the tablet, the meter simulator in tests). Pure: the link is the only way out.
 */
import {
	ackOptionSelect,
	checkDataMessage,
	CR,
	ETX,
	INITIAL_BAUD,
	LF,
	MODE_B_BAUD,
	MODE_C_BAUD,
	OpticalError,
	parityOk,
	parseDataLines,
	parseIdentification,
	meterValues,
	pickSerial,
	SIGN_ON,
	STX,
	text,
	TIMES,
	toBase64,
	wireMs,
	type DataSet,
	type Identification,
	type MeterValues
} from './iec62056';

/** A serial connection to the probe, 7 data bits, even parity, 1 stop bit. */
export interface OpticalLink {
	/** Opens the port at `baud`, or reopens it at a new rate (Web Serial cannot change it in place). */
	open(baud: number): Promise<void>;
	write(bytes: Uint8Array): Promise<void>;
	/**
	 * The bytes received since the last call, waiting up to `timeoutMs` for the first; null when
	 * nothing came. Throws OpticalError PARITY (a damaged character) or LOST (probe unplugged).
	 */
	read(timeoutMs: number): Promise<Uint8Array | null>;
	close(): Promise<void>;
}

type Times = Record<keyof typeof TIMES, number>;

export type ReadPhase = 'connecting' | 'identifying' | 'reading' | 'done';

export interface ReadOptions {
	/** Highest mode C rate to ask for (a probe or cable may not keep up with 19200). */
	maxBaud?: number;
	/** 'link': the port checks parity (Web Serial 7E1); 'check': the link delivers 8 bits, parity checked here. */
	parity?: 'link' | 'check';
	/** Whole readouts tried before giving up (the standard's data readout has no repeat request). */
	attempts?: number;
	/** Shorter times for tests; the standard's otherwise. */
	times?: Partial<Times>;
	progress?: (phase: ReadPhase, bytes: number) => void;
	/** Waits (the standard's reaction and idle times); replaceable in tests. */
	sleep?: (ms: number) => Promise<void>;
}

export interface Readout {
	identification: Identification;
	baud: number;
	/** Everything received that makes the telegram: identification line and STX … ETX BCC. */
	raw: Uint8Array;
	sets: DataSet[];
	values: MeterValues;
	/** Attempts it took (1 = first time). */
	attempts: number;
	/** The meter did not answer at its offered rate; the readout came at 300 baud. */
	fellBack: boolean;
}

const RETRYABLE = new Set(['NO_ANSWER', 'NO_ANSWER_NEW_BAUD', 'BCC', 'PARITY', 'TRUNCATED']);

/** Reads the meter in front of the probe; throws OpticalError with the last reason. */
export async function readMeter(link: OpticalLink, options: ReadOptions = {}): Promise<Readout> {
	const attempts = options.attempts ?? 3;
	const times = { ...TIMES, ...options.times };
	const sleep = options.sleep ?? ((ms: number) => new Promise<void>((ok) => setTimeout(ok, ms)));
	let fallBack = false;
	let last: OpticalError | null = null;
	try {
		for (let attempt = 1; attempt <= attempts; attempt++) {
			try {
				const out = await session(link, { ...options, times, sleep, fallBack });
				return { ...out, attempts: attempt, fellBack: fallBack };
			} catch (err) {
				if (!(err instanceof OpticalError) || !RETRYABLE.has(err.code)) throw err;
				last = err;
				if (err.code === 'NO_ANSWER_NEW_BAUD') fallBack = true;
				// Let the meter time out back to its idle state at 300 baud before signing on again.
				if (attempt < attempts) await sleep(times.idleMs);
			}
		}
		throw last ?? new OpticalError('NO_ANSWER');
	} finally {
		await link.close().catch(() => undefined);
	}
}

type SessionOptions = ReadOptions & { times: Times; sleep: (ms: number) => Promise<void>; fallBack: boolean };

async function session(link: OpticalLink, o: SessionOptions): Promise<Omit<Readout, 'attempts' | 'fellBack'>> {
	const rx = new Receiver(link, o.parity ?? 'link');
	o.progress?.('connecting', 0);
	await link.open(INITIAL_BAUD);
	await link.write(SIGN_ON);
	o.progress?.('identifying', 0);

	// The identification line: skip what comes before its '/' (noise, the probe echoing `/?!`).
	const idBytes = await rx.until((buf) => {
		for (let i = 0; i < buf.length - 1; i++) {
			if (buf[i] !== 0x2f || buf[i + 1] === 0x3f) continue;
			const end = indexOfCrLf(buf, i);
			return end < 0 ? null : { start: i, end: end + 2 };
		}
		return null;
	}, o.times.reactionMaxMs, o.times.interCharMaxMs, 'NO_ANSWER');
	const identification = parseIdentification(text(idBytes.subarray(0, -2)));
	if (!identification) throw new OpticalError('FORMAT', 'identification');
	if (identification.mode === 'A') throw new OpticalError('NOT_SUPPORTED', 'mode A');

	let baud = INITIAL_BAUD;
	if (identification.mode === 'C') {
		const maxBaud = o.maxBaud ?? 19200;
		const offered = o.fallBack ? '0' : identification.baudChar;
		const z = Object.entries(MODE_C_BAUD).filter(([c, b]) => c <= offered && b <= maxBaud).at(-1)![0];
		baud = MODE_C_BAUD[z]!;
		await o.sleep(o.times.reactionMinMs);
		const ack = ackOptionSelect(z);
		await link.write(ack);
		if (baud !== INITIAL_BAUD) {
			// The acknowledgement must leave the probe at 300 baud before the port changes rate.
			await o.sleep(wireMs(ack.length, INITIAL_BAUD) + 20);
			await link.open(baud);
			rx.clear();
		}
	} else {
		baud = MODE_B_BAUD[identification.baudChar]!;
		await link.open(baud);
		rx.clear();
	}

	o.progress?.('reading', 0);
	const switched = baud !== INITIAL_BAUD;
	const message = await rx.until(
		(buf) => {
			const stx = buf.indexOf(STX);
			if (stx < 0) return null;
			const etx = buf.indexOf(ETX, stx + 1);
			return etx < 0 || etx + 1 >= buf.length ? null : { start: stx, end: etx + 2 };
		},
		o.times.reactionMaxMs,
		o.times.interCharMaxMs,
		switched ? 'NO_ANSWER_NEW_BAUD' : 'NO_ANSWER',
		(n) => o.progress?.('reading', n),
		// Bytes before STX are the echo of our acknowledgement or noise; they do not start the block.
		(buf) => buf.indexOf(STX) >= 0
	);
	const body = checkDataMessage(message);
	const sets = parseDataLines(body);
	o.progress?.('done', idBytes.length + message.length);
	const raw = new Uint8Array(idBytes.length + message.length);
	raw.set(idBytes);
	raw.set(message, idBytes.length);
	return { identification, baud, raw, sets, values: meterValues(sets) };
}

function indexOfCrLf(buf: Uint8Array, from: number): number {
	for (let i = from; i < buf.length - 1; i++) if (buf[i] === CR && buf[i + 1] === LF) return i;
	return -1;
}

/** Bytes from the link, accumulated until a message is complete. */
class Receiver {
	#buf = new Uint8Array(0);
	constructor(
		readonly link: OpticalLink,
		readonly parity: 'link' | 'check'
	) {}

	clear() {
		this.#buf = new Uint8Array(0);
	}

	/**
	 * Reads until `complete` finds a message. Before the message has begun, `firstMs` is allowed
	 * for an answer (`silent` is thrown if none); once it has begun, a pause longer than `gapMs`
	 * means the message was cut off.
	 */
	async until(
		complete: (buf: Uint8Array) => { start: number; end: number } | null,
		firstMs: number,
		gapMs: number,
		silent: 'NO_ANSWER' | 'NO_ANSWER_NEW_BAUD',
		onBytes?: (n: number) => void,
		begun: (buf: Uint8Array) => boolean = (buf) => buf.length > 0
	): Promise<Uint8Array> {
		for (;;) {
			const found = complete(this.#buf);
			if (found) {
				const msg = this.#buf.slice(found.start, found.end);
				this.#buf = this.#buf.slice(found.end);
				return msg;
			}
			const started = begun(this.#buf);
			const chunk = await this.link.read(started ? gapMs : firstMs);
			if (!chunk) throw new OpticalError(started ? 'TRUNCATED' : silent);
			const next = new Uint8Array(this.#buf.length + chunk.length);
			next.set(this.#buf);
			for (let i = 0; i < chunk.length; i++) {
				const b = chunk[i]!;
				if (this.parity === 'check' && !parityOk(b)) throw new OpticalError('PARITY');
				next[this.#buf.length + i] = b & 0x7f;
			}
			this.#buf = next;
			onBytes?.(this.#buf.length);
		}
	}
}

/** What the tablet keeps of a readout until its readings are saved (in the exchange draft). */
export interface OpticalCapture {
	/** The raw telegram, base64 (identification line and STX … ETX BCC, as received). */
	telegram: string;
	manufacturer: string;
	identification: string;
	baud: number;
	/** The serial to record (the expected one when the meter's matches it), null when it gave none. */
	serial: string | null;
	serialMatches: boolean;
	/** Energy registers of the current period, kWh. */
	registers: Record<string, string>;
	at: string;
}

export function toCapture(r: Readout, expectedSerial: string | null, at = new Date()): OpticalCapture {
	const { serial, matches } = pickSerial(r.values.serials, expectedSerial);
	return {
		telegram: toBase64(r.raw),
		manufacturer: r.identification.manufacturer,
		identification: r.identification.identification,
		baud: r.baud,
		serial,
		serialMatches: matches,
		registers: r.values.registers,
		at: at.toISOString()
	};
}
