/**
 * A meter that answers an IEC 62056-21 mode C readout, behind a fake serial port: for the protocol
 * tests, the benchmark, Chromium tests (see simulated-serial.ts) and the tablet's demo mode.
 * Manufacturer, offered baud rate, data lines, an echoing optical head, the reaction time and
 * faults are configurable. Bytes the meter sends at one rate are lost when the port listens at
 * another, as on the wire. No Node or DOM imports: it runs in both.
 */
import { ACK, ascii, CR, dataMessage, INITIAL_BAUD, LF, MODE_C_BAUD, OpticalError, withParity, wireMs } from './iec62056';
import type { OpticalLink } from './readout';

export interface MeterFaults {
	/** This many readouts end with a wrong block check character. */
	badBcc?: number;
	/** This many readouts carry a character with a parity error. */
	parity?: number;
	/** This many readouts stop in the middle of the data block. */
	truncate?: number;
	/** The meter never answers after switching to the acknowledged rate (a probe that cannot keep up). */
	silentAtNewBaud?: boolean;
	/** No answer at all (probe not on the meter). */
	noAnswer?: boolean;
	/** The probe is unplugged once the tablet has received this many bytes. */
	unplugAfter?: number;
}

export interface MeterConfig {
	/** Three letters; a lower-case third letter announces a 20 ms reaction time. */
	manufacturer?: string;
	/** Mode C baud-rate character offered ('0' … '6'); mode B letters 'A' … 'F'. */
	baudChar?: string;
	identification?: string;
	/** Data lines without CR LF, e.g. `1.8.1(012345.678*kWh)`. */
	lines: string[];
	/** The optical head echoes what the tablet sends. */
	echo?: boolean;
	/** The meter's reaction time (the standard allows 200 … 1500 ms). */
	reactionMs?: number;
	/** Without an acknowledgement for this long the meter returns to idle at 300 baud. */
	idleMs?: number;
	/** 'real': the meter's bytes take their transmission time; 'fast': they arrive at once (tests). */
	wire?: 'real' | 'fast';
	/** Sent before the identification (noise from ambient light, a previous session's tail). */
	garbage?: string;
	/** 'link': 7-bit characters, a parity error is reported by the port; 'raw': 8 bits with the parity bit. */
	parity?: 'link' | 'raw';
	faults?: MeterFaults;
}

type State = 'idle' | 'identified' | 'busy';

/** A meter and the fake port in front of it (the tablet's side is `port`). */
export class SimulatedMeter {
	state: State = 'idle';
	/** The meter's current rate. */
	baud = INITIAL_BAUD;
	/** Sign-on requests the meter answered. */
	signOns = 0;
	/** Readouts sent (whole or faulty). */
	readouts = 0;
	/** Bytes the meter put on the wire to the tablet (for the wire time). */
	bytesSent = 0;
	readonly port: SimulatedPort;
	readonly config: MeterConfig;
	#input: number[] = [];
	#idleTimer: ReturnType<typeof setTimeout> | null = null;
	#faults: Required<Pick<MeterFaults, 'badBcc' | 'parity' | 'truncate'>>;

	constructor(config: MeterConfig) {
		this.config = config;
		this.#faults = { badBcc: config.faults?.badBcc ?? 0, parity: config.faults?.parity ?? 0, truncate: config.faults?.truncate ?? 0 };
		this.port = new SimulatedPort(this);
	}

	get identificationLine(): string {
		return `/${this.config.manufacturer ?? 'APA'}${this.config.baudChar ?? '5'}${this.config.identification ?? 'SIM'}\r\n`;
	}

	/** The data message as a faultless meter sends it. */
	message(): Uint8Array {
		return dataMessage(this.config.lines);
	}

	/** What the meter hears (called by the port once the bytes have crossed the wire at `baud`). */
	hear(bytes: Uint8Array, baud: number): void {
		if (baud !== this.baud || this.state === 'busy' || this.config.faults?.noAnswer) return;
		this.#input.push(...bytes);
		for (let end = this.#lineEnd(); end >= 0; end = this.#lineEnd()) {
			const line = this.#input.splice(0, end + 2);
			this.#onLine(String.fromCharCode(...line.slice(0, -2)));
		}
	}

	#lineEnd(): number {
		for (let i = 0; i < this.#input.length - 1; i++) if (this.#input[i] === CR && this.#input[i + 1] === LF) return i;
		return -1;
	}

	#onLine(line: string): void {
		const reaction = this.config.reactionMs ?? 200;
		if (/\/\?[0-9A-Za-z]*!$/.test(line)) {
			if (this.state !== 'idle') return;
			this.signOns++;
			this.state = 'busy';
			setTimeout(() => {
				if (this.config.garbage) this.port.transmit(ascii(this.config.garbage), INITIAL_BAUD);
				this.port.transmit(ascii(this.identificationLine), INITIAL_BAUD, () => {
					const modeB = /^[A-F]$/.test(this.config.baudChar ?? '5');
					if (modeB) setTimeout(() => this.#send({ A: 600, B: 1200, C: 2400, D: 4800, E: 9600, F: 19200 }[this.config.baudChar!]!), reaction);
					else {
						this.state = 'identified';
						this.#armIdle();
					}
				});
			}, reaction);
			return;
		}
		const ack = line.charCodeAt(line.length - 4) === ACK ? line.slice(-4) : null;
		if (this.state === 'identified' && ack && ack[1] === '0' && ack[3] === '0') {
			const z = ack[2]!;
			const rate = MODE_C_BAUD[z];
			if (rate === undefined || z > (this.config.baudChar ?? '5')) return this.#toIdle();
			this.#disarmIdle();
			this.state = 'busy';
			this.baud = rate;
			if (this.config.faults?.silentAtNewBaud && rate !== INITIAL_BAUD) {
				this.#armIdle();
				return;
			}
			setTimeout(() => this.#send(rate), reaction);
		}
	}

	#send(rate: number): void {
		this.baud = rate;
		this.readouts++;
		let msg = this.message();
		if (this.#faults.badBcc > 0) {
			this.#faults.badBcc--;
			msg = msg.slice();
			msg[msg.length - 1] = msg[msg.length - 1]! ^ 0x11;
		}
		let parityAt = -1;
		if (this.#faults.parity > 0) {
			this.#faults.parity--;
			parityAt = msg.length >> 1;
		}
		if (this.#faults.truncate > 0) {
			this.#faults.truncate--;
			msg = msg.slice(0, msg.length >> 1);
		}
		this.port.transmit(msg, rate, () => this.#toIdle(), parityAt);
	}

	#armIdle(): void {
		this.#disarmIdle();
		this.#idleTimer = setTimeout(() => this.#toIdle(), this.config.idleMs ?? 1500);
	}

	#disarmIdle(): void {
		if (this.#idleTimer) clearTimeout(this.#idleTimer);
		this.#idleTimer = null;
	}

	#toIdle(): void {
		this.#disarmIdle();
		this.state = 'idle';
		this.baud = INITIAL_BAUD;
		this.#input = [];
	}
}

type Waiter = { resolve: (b: Uint8Array | null) => void; reject: (e: unknown) => void; timer: ReturnType<typeof setTimeout> };

/** The tablet's side of the probe. */
export class SimulatedPort implements OpticalLink {
	baud: number | null = null;
	unplugged = false;
	/** Bytes received by the tablet so far. */
	received = 0;
	/** Rates the tablet opened the port at, in order. */
	readonly opened: number[] = [];
	#queue: number[] = [];
	#error: OpticalError | null = null;
	#waiter: Waiter | null = null;

	constructor(readonly meter: SimulatedMeter) {}

	async open(baud: number): Promise<void> {
		if (this.unplugged) throw new OpticalError('LOST');
		this.baud = baud;
		this.opened.push(baud);
		this.#queue = [];
		this.#error = null;
	}

	async write(bytes: Uint8Array): Promise<void> {
		if (this.unplugged) throw new OpticalError('LOST');
		if (this.baud === null) throw new Error('port not open');
		const baud = this.baud;
		if (this.meter.config.echo) this.#deliver(bytes);
		// The tablet's few bytes always take their wire time: the meter hears them at the end.
		setTimeout(() => this.meter.hear(bytes, baud), wireMs(bytes.length, baud));
	}

	read(timeoutMs: number): Promise<Uint8Array | null> {
		if (this.unplugged) return Promise.reject(new OpticalError('LOST'));
		const ready = this.#take();
		if (ready !== undefined) return ready;
		// One reader at a time: an earlier one still waiting (a cancelled stream's) gets nothing.
		const earlier = this.#waiter;
		if (earlier) {
			clearTimeout(earlier.timer);
			earlier.resolve(null);
		}
		return new Promise((resolve, reject) => {
			const waiter: Waiter = {
				resolve,
				reject,
				timer: setTimeout(() => {
					if (this.#waiter === waiter) this.#waiter = null;
					resolve(null);
				}, timeoutMs)
			};
			this.#waiter = waiter;
		});
	}

	async close(): Promise<void> {
		this.baud = null;
		this.#queue = [];
	}

	/** Pulls the probe out: every pending and later operation fails. */
	unplug(): void {
		this.unplugged = true;
		this.baud = null;
		const w = this.#waiter;
		this.#waiter = null;
		if (w) {
			clearTimeout(w.timer);
			w.reject(new OpticalError('LOST'));
		}
	}

	/** The meter sends `bytes` at `rate`, in chunks that take their wire time; `done` after the last. */
	transmit(bytes: Uint8Array, rate: number, done?: () => void, parityAt = -1): void {
		const chunk = 64;
		const real = this.meter.config.wire !== 'fast';
		let at = 0;
		for (let i = 0; i < bytes.length; i += chunk) {
			const part = bytes.slice(i, i + chunk);
			const start = i;
			at += real ? wireMs(part.length, rate) : 0;
			setTimeout(() => {
				this.meter.bytesSent += part.length;
				// Characters sent at one rate are noise to a port listening at another: lost here.
				if (this.baud !== rate || this.unplugged) return;
				const damaged = parityAt >= start && parityAt < start + part.length ? parityAt - start : -1;
				this.#deliver(part, damaged);
			}, at);
		}
		setTimeout(() => done?.(), at);
	}

	#deliver(bytes: Uint8Array, damaged = -1): void {
		const raw = this.meter.config.parity === 'raw';
		for (let i = 0; i < bytes.length; i++) {
			if (i === damaged && !raw) {
				this.#error ??= new OpticalError('PARITY');
				continue;
			}
			const b = raw ? withParity(bytes[i]!) : bytes[i]! & 0x7f;
			this.#queue.push(i === damaged ? b ^ 0x80 : b);
		}
		const limit = this.meter.config.faults?.unplugAfter;
		if (limit !== undefined && this.received + this.#queue.length >= limit) {
			this.#queue = this.#queue.slice(0, Math.max(0, limit - this.received));
			const w = this.#waiter;
			this.#waiter = null;
			if (w) clearTimeout(w.timer);
			const give = this.#queue.length ? Uint8Array.from(this.#queue) : null;
			this.received += this.#queue.length;
			this.#queue = [];
			this.unplugged = true;
			this.baud = null;
			if (w) {
				if (give) w.resolve(give);
				else w.reject(new OpticalError('LOST'));
			}
			return;
		}
		const w = this.#waiter;
		if (w) {
			this.#waiter = null;
			clearTimeout(w.timer);
			const ready = this.#take();
			if (ready) ready.then(w.resolve, w.reject);
		}
	}

	#take(): Promise<Uint8Array | null> | undefined {
		if (this.#error && this.#queue.length === 0) {
			const e = this.#error;
			this.#error = null;
			return Promise.reject(e);
		}
		if (this.#queue.length === 0) return undefined;
		const out = Uint8Array.from(this.#queue);
		this.received += out.length;
		this.#queue = [];
		return Promise.resolve(out);
	}
}

/** Data lines of typical Polish household meters, for tests and demos. */
export function householdLines(opts: { serial: string; serialCode?: string; registers: Record<string, string>; extra?: number; wh?: boolean }): string[] {
	const code = opts.serialCode ?? 'C.1.0';
	const lines = [`0.0.0(${code === '0.0.0' ? opts.serial : '00000001'})`, ...(code !== '0.0.0' ? [`${code}(${opts.serial})`] : []), 'F.F(00000000)', '0.9.1(123456)', '0.9.2(261201)'];
	for (const [reg, v] of Object.entries(opts.registers)) {
		const [int, frac = ''] = v.split('.');
		lines.push(opts.wh ? `${reg}(${(int! + frac.padEnd(3, '0')).padStart(10, '0')}*Wh)` : `${reg}(${int!.padStart(7, '0')}.${frac.padEnd(3, '0')}*kWh)`);
	}
	for (const reg of Object.keys(opts.registers)) lines.push(`${reg}*01(${'0'.repeat(6)}1.000*kWh)`);
	for (let i = 0; i < (opts.extra ?? 0); i++) lines.push(`1.6.${i % 5}*${String((i % 99) + 1).padStart(2, '0')}(00${(i % 9) + 1}.${String(i % 1000).padStart(3, '0')}*kW)(2611${String((i % 28) + 1).padStart(2, '0')}1215)`);
	return lines;
}
