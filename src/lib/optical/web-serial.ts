/**
 * The optical probe through Web Serial (Chrome/Edge on desktop, Chrome on Android from version
 * 138): USB CDC, FTDI, CP210x and CH340 heads and Bluetooth serial (RFCOMM) heads. The port runs
 * 7E1, as IEC 62056-21 requires; the rate changes by closing and reopening the port.
 */
import { OpticalError } from './iec62056';
import type { OpticalLink } from './readout';

/** The parts of the Web Serial API used here (not in TypeScript's DOM library). */
export interface SerialPortLike {
	open(options: { baudRate: number; dataBits?: 7 | 8; parity?: 'none' | 'even' | 'odd'; stopBits?: 1 | 2; bufferSize?: number }): Promise<void>;
	close(): Promise<void>;
	readonly readable: ReadableStream<Uint8Array> | null;
	readonly writable: WritableStream<Uint8Array> | null;
}
export interface SerialLike {
	getPorts(): Promise<SerialPortLike[]>;
	requestPort(options?: object): Promise<SerialPortLike>;
}

/** The demo mode's meter simulator, switched on from the diagnostics screen (until the page reloads). */
let simulated: SerialLike | null = null;

export function useSimulatedSerial(serial: SerialLike | null): void {
	simulated = serial;
}

export function simulatedSerialOn(): boolean {
	return simulated !== null;
}

export function webSerial(): SerialLike | null {
	if (simulated) return simulated;
	if (typeof navigator === 'undefined') return null;
	return (navigator as Navigator & { serial?: SerialLike }).serial ?? null;
}

/**
 * The probe the fitter chose before (Chrome remembers the permission per origin), or the
 * browser's port picker — which needs the tap that started the read.
 */
export async function choosePort(serial: SerialLike, pickAgain = false): Promise<SerialPortLike> {
	const known = pickAgain ? [] : await serial.getPorts();
	return known[0] ?? serial.requestPort();
}

/** Web Serial read errors after which the stream continues (a damaged character). */
const RECOVERABLE = new Set(['ParityError', 'FramingError', 'BreakError', 'BufferOverrunError']);

export class WebSerialLink implements OpticalLink {
	#reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
	/** A read still waiting from an earlier call that timed out: the next call takes it over. */
	#pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
	#open = false;

	constructor(readonly port: SerialPortLike) {}

	async open(baud: number): Promise<void> {
		await this.close();
		try {
			await this.port.open({ baudRate: baud, dataBits: 7, parity: 'even', stopBits: 1, bufferSize: 16_384 });
		} catch (err) {
			throw lost(err);
		}
		this.#open = true;
	}

	async write(bytes: Uint8Array): Promise<void> {
		const writer = this.port.writable?.getWriter();
		if (!writer) throw new OpticalError('LOST');
		try {
			await writer.write(bytes);
		} catch (err) {
			throw lost(err);
		} finally {
			writer.releaseLock();
		}
	}

	async read(timeoutMs: number): Promise<Uint8Array | null> {
		if (!this.#reader) {
			const readable = this.port.readable;
			if (!readable) throw new OpticalError('LOST');
			this.#reader = readable.getReader();
		}
		this.#pending ??= this.#reader.read();
		let timer: ReturnType<typeof setTimeout> | undefined;
		const timeout = new Promise<'timeout'>((ok) => (timer = setTimeout(() => ok('timeout'), timeoutMs)));
		try {
			const result = await Promise.race([this.#pending, timeout]);
			if (result === 'timeout') return null;
			this.#pending = null;
			if (result.done) throw new OpticalError('LOST');
			return result.value;
		} catch (err) {
			this.#pending = null;
			this.#reader = null;
			if (err instanceof OpticalError) throw err;
			// After a parity or framing error the port offers a new readable stream.
			if (err instanceof Error && RECOVERABLE.has(err.name)) throw new OpticalError('PARITY');
			throw lost(err);
		} finally {
			clearTimeout(timer);
		}
	}

	async close(): Promise<void> {
		if (!this.#open) return;
		this.#open = false;
		const reader = this.#reader;
		this.#reader = null;
		this.#pending = null;
		if (reader) {
			await reader.cancel().catch(() => undefined);
			reader.releaseLock();
		}
		await this.port.close().catch(() => undefined);
	}
}

function lost(err: unknown): OpticalError {
	return err instanceof OpticalError ? err : new OpticalError('LOST', err instanceof Error ? err.name : String(err));
}
