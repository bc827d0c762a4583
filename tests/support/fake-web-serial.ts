/**
 * A fake `navigator.serial` with one optical probe on it, for Chromium tests: bundled by
 * `fakeWebSerialScript()` and added to the page before the app loads. The probe sits on a
 * simulated meter (meter-simulator.ts) that the test sets from outside:
 *   window.__opticalProbe.configure({ manufacturer, baudChar, lines, echo, faults… })
 *   window.__opticalProbe.unplug()
 * Errors follow Web Serial: a lost device is a NetworkError, a damaged character a ParityError
 * on the readable stream, which the port then replaces.
 */
import { OpticalError } from '../../src/lib/optical/iec62056';
import { SimulatedMeter, type MeterConfig } from './meter-simulator';

class FakeSerialPort {
	readable: ReadableStream<Uint8Array> | null = null;
	writable: WritableStream<Uint8Array> | null = null;

	constructor(readonly probe: Probe) {}

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

class Probe {
	meter: SimulatedMeter;
	readonly port: FakeSerialPort;
	/** The fitter has picked the probe once: getPorts() returns it from then on, as Chrome does. */
	granted = false;
	constructor(config: MeterConfig) {
		this.meter = new SimulatedMeter(config);
		this.port = new FakeSerialPort(this);
	}

	/** Puts the probe on another meter (or the same one, plugged in again). */
	configure(config: MeterConfig): void {
		this.meter = new SimulatedMeter(config);
	}

	unplug(): void {
		this.meter.port.unplug();
	}
}

const probe = new Probe({ lines: ['1.8.1(000000.000*kWh)'] });
Object.defineProperty(window, '__opticalProbe', { value: probe });
Object.defineProperty(Navigator.prototype, 'serial', {
	configurable: true,
	get: () => ({
		async getPorts() {
			return probe.granted ? [probe.port] : [];
		},
		async requestPort() {
			probe.granted = true;
			return probe.port;
		},
		addEventListener() {},
		removeEventListener() {}
	})
});
