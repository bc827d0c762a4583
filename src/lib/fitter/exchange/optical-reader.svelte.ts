import { OpticalError, type OpticalErrorCode } from '$lib/optical/iec62056';
import { readMeter, toCapture, type OpticalCapture, type ReadPhase } from '$lib/optical/readout';
import { choosePort, webSerial, WebSerialLink } from '$lib/optical/web-serial';
import { m } from '$lib/paraglide/messages.js';

const ERRORS: Record<OpticalErrorCode, () => string> = {
	NO_ANSWER: m.fitter_optical_error_no_answer,
	NO_ANSWER_NEW_BAUD: m.fitter_optical_error_no_answer,
	BCC: m.fitter_optical_error_bcc,
	PARITY: m.fitter_optical_error_parity,
	TRUNCATED: m.fitter_optical_error_truncated,
	LOST: m.fitter_optical_error_lost,
	FORMAT: m.fitter_optical_error_format,
	NOT_SUPPORTED: m.fitter_optical_error_not_supported
};

/**
 * One optical-port read on the exchange screen: the probe (chosen once; the browser remembers
 * it), the progress the fitter sees and the outcome. Offered only where Web Serial exists.
 */
export class OpticalRead {
	readonly supported = webSerial() !== null;
	phase = $state<ReadPhase | 'idle'>('idle');
	bytes = $state(0);
	error = $state<string | null>(null);
	last = $state.raw<OpticalCapture | null>(null);
	busy = $derived(this.phase !== 'idle' && this.phase !== 'done');

	async read(expectedSerial: string | null, pickAgain = false): Promise<OpticalCapture | null> {
		const serial = webSerial();
		if (!serial || this.busy) return null;
		this.error = null;
		this.bytes = 0;
		this.phase = 'connecting';
		try {
			const port = await choosePort(serial, pickAgain).catch(() => null);
			if (!port) {
				this.error = m.fitter_optical_no_probe();
				return null;
			}
			const readout = await readMeter(new WebSerialLink(port), {
				progress: (phase, bytes) => {
					this.phase = phase;
					this.bytes = bytes;
				}
			});
			// Returned as a plain object: it goes into IndexedDB, which cannot store a state proxy.
			const capture = toCapture(readout, expectedSerial);
			this.last = capture;
			this.phase = 'done';
			return capture;
		} catch (err) {
			this.error = err instanceof OpticalError ? ERRORS[err.code]() : m.fitter_optical_error_lost();
			return null;
		} finally {
			if (this.phase !== 'done') this.phase = 'idle';
		}
	}
}
