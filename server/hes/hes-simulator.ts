import type { HesAdapter, HesOutcome, HesRegistration } from './hes-adapter';

export interface HesSimulatorOptions {
	/** How long the HES takes to acknowledge (first communication). */
	delayMs?: number;
	/** Share of requests answered "no communication", 0…1. */
	failureRate?: number;
	/** A seed makes the sequence of outcomes repeatable (tests); otherwise Math.random. */
	seed?: number;
}

/** mulberry32: a small repeatable PRNG, enough to choose outcomes. */
export function seeded(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/**
 * A stand-in for the operator's HES: acknowledges after a delay and sometimes reports that the
 * meter does not communicate. Used in the demo and in tests until a real adapter is configured.
 */
export class HesSimulator implements HesAdapter {
	private readonly random: () => number;
	readonly requests: HesRegistration[] = [];

	constructor(private readonly options: HesSimulatorOptions = {}) {
		this.random = options.seed === undefined ? Math.random : seeded(options.seed);
	}

	async register(request: HesRegistration): Promise<HesOutcome> {
		this.requests.push(request);
		const fails = this.random() < (this.options.failureRate ?? 0.2);
		await new Promise((r) => setTimeout(r, this.options.delayMs ?? 2000));
		return fails ? { status: 'no_communication', detail: 'meter did not answer the HES' } : { status: 'communicating' };
	}
}
