/**
 * Rules of one meter exchange, shared by the tablet (to warn before saving) and the server (to
 * refuse what breaks them). Pure: no DOM, no Node, no database.
 */

/** After this many visits with nobody home the job goes back to planning as a turn-back. */
export const NO_ACCESS_TURN_BACK_ATTEMPTS = 3;

/**
 * A visit that ended without an exchange (nobody home, or "could not complete" on site) is one
 * attempt: the job's own attempt, or one after the last already recorded on it. The job keeps that
 * number (a re-plan is the next attempt) and goes back to planning, or after the last allowed
 * attempt back to the office as a turn-back.
 */
export function visitAttempt(jobAttempt: number, previous: number[]): { attempt: number; status: 'no_access' | 'turned_back' } {
	const attempt = Math.max(jobAttempt, ...previous.map((a) => a + 1));
	return { attempt, status: attempt >= NO_ACCESS_TURN_BACK_ATTEMPTS ? 'turned_back' : 'no_access' };
}

/** The planned length of a power cut for one exchange; longer needs a reason. */
export const OUTAGE_TARGET_MINUTES = 15;

/** Above this many kWh per day since the last known reading a value is questioned. */
export const PLAUSIBLE_KWH_PER_DAY = 150;
/** With no last known reading, a register above this is questioned. */
export const PLAUSIBLE_MAX_KWH = 500_000;
/** A new meter leaves the factory with (almost) nothing on its registers. */
export const NEW_METER_MAX_KWH = 100;

export type ReadingConcern = 'below_last' | 'implausibly_high' | 'new_meter_not_empty';

/** Serials and seals are compared as the plate prints them, without spaces or dashes. */
export function normalizeSerial(text: string): string {
	return text.replace(/[\s-]/g, '').toUpperCase();
}

export function isExpectedMeter(scanned: string, expected: string | null): boolean {
	return expected !== null && normalizeSerial(scanned) === normalizeSerial(expected);
}

/** Decimal-string kWh compared without float rounding (up to 9 digits and 3 decimals). */
export function compareKwh(a: string, b: string): number {
	const milli = (v: string) => {
		const [int, frac = ''] = v.split('.');
		return BigInt(int!) * 1000n + BigInt((frac + '000').slice(0, 3));
	};
	const d = milli(a) - milli(b);
	return d < 0n ? -1 : d > 0n ? 1 : 0;
}

const kwhNumber = (v: string) => Number(v);

/**
 * Why a reading deserves a second look, or null when it looks normal. A reading below the last
 * known one (a meter does not run backwards) or far above what the time since then allows is not
 * refused — meters get swapped, estimates were wrong — but must be confirmed explicitly.
 */
export function readingConcern(input: {
	value: string;
	meterRole: 'old' | 'new';
	lastKnown?: string | null;
	lastKnownOn?: string | null;
	at?: string;
}): ReadingConcern | null {
	if (input.meterRole === 'new') return kwhNumber(input.value) > NEW_METER_MAX_KWH ? 'new_meter_not_empty' : null;
	if (input.lastKnown == null) return kwhNumber(input.value) > PLAUSIBLE_MAX_KWH ? 'implausibly_high' : null;
	if (compareKwh(input.value, input.lastKnown) < 0) return 'below_last';
	const days = input.lastKnownOn && input.at ? Math.max(1, (Date.parse(input.at) - Date.parse(`${input.lastKnownOn}T00:00:00Z`)) / 86_400_000) : 365;
	return kwhNumber(input.value) - kwhNumber(input.lastKnown) > days * PLAUSIBLE_KWH_PER_DAY ? 'implausibly_high' : null;
}

/** Whole minutes the power was (or has been) off. */
export function outageMinutes(offAt: string, onAt: string | number): number {
	const end = typeof onAt === 'number' ? onAt : Date.parse(onAt);
	return Math.max(0, (end - Date.parse(offAt)) / 60_000);
}

/** Past the target a reason is required; exactly 15:00 is still on target. */
export function outageOverrun(offAt: string, onAt: string | number): boolean {
	return outageMinutes(offAt, onAt) > OUTAGE_TARGET_MINUTES;
}

export interface StockItem {
	id: string;
	serial: string;
	manufacturer: string;
	model: string;
}

/** The fitter's stock record for a scanned LZO serial, or null: not issued to this fitter. */
export function findInStock<S extends StockItem>(serial: string, stock: readonly S[]): S | null {
	const wanted = normalizeSerial(serial);
	return stock.find((s) => normalizeSerial(s.serial) === wanted) ?? null;
}

/** Old meter seals: a broken or missing one is a suspected irregularity (tampering). */
export type OldSealState = 'intact' | 'broken' | 'missing';
export function isIrregular(state: OldSealState): boolean {
	return state !== 'intact';
}

/** The steps of an exchange on the tablet, in order. */
export const EXCHANGE_STEPS = ['arrival', 'old_meter', 'seals', 'readings', 'outage', 'new_meter', 'commissioning', 'protocol'] as const;
export type ExchangeStep = (typeof EXCHANGE_STEPS)[number];
