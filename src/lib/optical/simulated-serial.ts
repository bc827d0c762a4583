/**
 * A Web Serial look-alike with one optical probe on a simulated mode C meter (simulator.ts):
 * what Chromium tests put behind `navigator.serial`, and what the tablet's diagnostics screen
 * offers in demo mode so a tester without a probe can try the optical read. Errors follow Web
 * Serial: a lost device is a NetworkError, a damaged character a ParityError on the readable
 * stream, which the port then replaces.
 */
import { OpticalError } from './iec62056';
import { SimulatedMeter, type MeterConfig } from './simulator';
import type { SerialLike, SerialPortLike } from './web-serial';

class SimulatedSerialPort implements SerialPortLike {
	readable: ReadableStream<Uint8Array> | null = null;
	writable: WritableStream<Uint8Array> | null = null;

	constructor(readonly probe: SimulatedProbe) {}

	get link() {
		return this.probe.meter.port;
	}

	getInfo() {
		return { usbVendorId: 0x0403, usbProductId: 0x6001 };
	}

	async open(options: { baudRate: number; dataBits?: number; parity?: string }): Promise<void> {
		if (this.readable) throw new DOMException('The port is already open.', 'InvalidStateError');
		if (this.link.unplugged) throw new DOMException('The device has been lost.', 'NetworkError');
		if (options.dataBits !== 7 || options.parity !== 'even') throw new DOMException('The meter speaks 7E1.', 'InvalidStateError');
		await this.link.open(options.baudRate);
		this.readable = this.#stream();
		this.writable = new WritableStream({
			write: async (chunk) => {
				try {
					await this.link.write(chunk);
				} catch {
					throw new DOMException('The device has been lost.', 'NetworkError');
				}
			}
		});
	}

	#stream(): ReadableStream<Uint8Array> {
		let cancelled = false;
		return new ReadableStream<Uint8Array>({
			pull: async (controller) => {
				while (!cancelled) {
					try {
						const chunk = await this.link.read(100);
						if (chunk) return controller.enqueue(chunk);
					} catch (err) {
						if (err instanceof OpticalError && err.code === 'PARITY') {
							controller.error(new DOMException('Parity error.', 'ParityError'));
							this.readable = this.#stream();
						} else {
							controller.error(new DOMException('The device has been lost.', 'NetworkError'));
							this.readable = null;
						}
						return;
					}
				}
			},
			cancel: () => {
				cancelled = true;
			}
		});
	}

	async close(): Promise<void> {
		this.readable = null;
		this.writable = null;
		await this.link.close();
	}
}

/** One probe, held on a simulated meter that can be swapped (another meter) or unplugged. */
export class SimulatedProbe {
	meter: SimulatedMeter;
	readonly port: SimulatedSerialPort;
	/** The fitter has picked the probe once: getPorts() returns it from then on, as Chrome does. */
	granted = false;

	constructor(config: MeterConfig) {
		this.meter = new SimulatedMeter(config);
		this.port = new SimulatedSerialPort(this);
	}

	/** Puts the probe on another meter (or the same one, plugged in again). */
	configure(config: MeterConfig): void {
		this.meter = new SimulatedMeter(config);
	}

	unplug(): void {
		this.meter.port.unplug();
	}

	/** The `navigator.serial` this probe is the only port of. */
	serial(): SerialLike & { addEventListener(): void; removeEventListener(): void } {
		return {
			getPorts: async () => (this.granted ? [this.port] : []),
			requestPort: async () => {
				this.granted = true;
				return this.port;
			},
			addEventListener() {},
			removeEventListener() {}
		};
	}
}
