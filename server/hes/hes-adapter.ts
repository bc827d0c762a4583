/**
 * The head-end system (HES) that reads the smart meters remotely. Commissioning registers a newly
 * fitted LZO there and waits for its first communication. Real HES products differ; the rest of
 * the server talks to this interface only.
 */
export interface HesRegistration {
	/** Ours, stable across retries, so a repeated request is recognised by the HES. */
	requestId: string;
	meterSerial: string;
	ppe: string;
	tariffGroup: string;
}

export type HesOutcome =
	| { status: 'communicating' }
	/** Registered, but the meter did not answer (no signal in the basement, a PLC problem…). */
	| { status: 'no_communication'; detail: string };

export interface HesAdapter {
	register(request: HesRegistration): Promise<HesOutcome>;
}
