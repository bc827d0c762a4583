import { m } from '$lib/paraglide/messages.js';
import { simulatedSerialOn, useSimulatedSerial } from '$lib/optical/web-serial';
import { rememberedFitter } from './fitter-home.svelte';

/** What the simulated meter holds: an old meter's counters (above any demo meter's last reading) or a new LZO's zeros. */
const REGISTERS: Record<'old' | 'new', Record<string, string>> = {
	old: { '1.8.1': '40512.345', '1.8.2': '40123.456', '1.8.3': '40001.234', '1.8.4': '40000.500', '2.8.1': '3456.789', '2.8.2': '3321.123', '2.8.3': '3210.001', '2.8.4': '3200.500' },
	new: { '1.8.1': '0.000', '1.8.2': '0.000', '1.8.3': '0.000', '1.8.4': '0.000', '2.8.1': '0.000', '2.8.2': '0.000', '2.8.3': '0.000', '2.8.4': '0.000' }
};

/**
 * The diagnostics screen's meter simulator: in demo mode only (a demo account signed in on this
 * tablet), a simulated mode C meter behind a simulated probe stands in for Web Serial, so a tester
 * without an optical head can try the optical read. Loaded on demand: production use never
 * fetches it. It lasts until the page reloads.
 */
export class MeterSimulator {
	readonly offered = rememberedFitter()?.user.isDemo === true;
	on = $state(simulatedSerialOn());
	serial = $state('');
	meter = $state<'old' | 'new'>('old');
	error = $state<string | null>(null);
	busy = $state(false);

	async switchOn(): Promise<void> {
		const serial = this.serial.trim().toUpperCase();
		if (!/^[0-9A-Z]{1,16}$/.test(serial)) {
			this.error = m.diag_sim_serial_invalid();
			return;
		}
		this.error = null;
		this.busy = true;
		try {
			const [{ SimulatedProbe }, { householdLines }] = await Promise.all([import('$lib/optical/simulated-serial'), import('$lib/optical/simulator')]);
			const probe = new SimulatedProbe({
				manufacturer: 'APA', baudChar: '5', identification: 'DEMO-SIM', echo: true, wire: 'real',
				lines: householdLines({ serial, registers: REGISTERS[this.meter], extra: 12 })
			});
			useSimulatedSerial(probe.serial());
			this.on = true;
		} catch {
			this.error = m.diag_sim_failed();
		} finally {
			this.busy = false;
		}
	}

	switchOff(): void {
		useSimulatedSerial(null);
		this.on = false;
	}
}
