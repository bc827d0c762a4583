import { EXCHANGE_STEPS, type ExchangeStep } from '$lib/domain/exchange';
import { isTariffGroup, registersFor } from '$lib/domain/tariff';
import type {
	ExchangeDraft,
	LocalExchange,
	LocalJob,
	LocalOutage,
	LocalPhoto,
	LocalProfile,
	LocalReading,
	LocalSeal,
	LocalStock,
	LocalVisit
} from '$lib/offline/db';

export interface ExchangeSnapshot {
	job: LocalJob | null;
	exchange: LocalExchange | null;
	readings: LocalReading[];
	outages: LocalOutage[];
	seals: LocalSeal[];
	visits: LocalVisit[];
	photos: LocalPhoto[];
	stock: LocalStock[];
	/** Meters this tablet already put into another job's exchange (not available any more). */
	usedMeterIds: string[];
	draft: ExchangeDraft | null;
	profile: LocalProfile | null;
}

/** The reading in force for a register: the latest one (a correction supersedes, never erases). */
export function currentReading(readings: LocalReading[], role: 'old' | 'new', register: string): LocalReading | null {
	return readings.filter((r) => r.meterRole === role && r.register === register).at(-1) ?? null;
}

/** The first step whose facts are not all recorded: reopening the app lands exactly there. */
export function currentStep(s: ExchangeSnapshot): ExchangeStep | 'finish' | 'done' {
	const { job, exchange: x } = s;
	if (!job) return 'arrival';
	if (job.status === 'done') return 'done';
	if (job.location === 'in_home' && s.draft?.residentPresent !== true) return 'arrival';
	if (!x?.oldMeterSerial) return 'old_meter';
	if (!s.draft?.sealsConfirmed) return 'seals';
	const registers = registersOf(job);
	if (registers.some((r) => !currentReading(s.readings, 'old', r))) return 'readings';
	if (!s.outages.some((o) => o.onAt !== null)) return 'outage';
	const newDone =
		!!x.newMeterSerial &&
		registers.every((r) => currentReading(s.readings, 'new', r)) &&
		s.seals.some((seal) => seal.meterRole === 'new') &&
		s.photos.some((p) => p.kind === 'new_meter') &&
		// The fitter moves on (a photo is not the last fact: another seal may follow), or already has.
		(s.draft?.newMeterConfirmed === true || x.commissioningState !== 'not_requested');
	if (!newDone) return 'new_meter';
	if (x.commissioningState === 'not_requested') return 'commissioning';
	if (!x.protocolSha256) return 'protocol';
	return 'finish';
}

export function registersOf(job: LocalJob): string[] {
	return isTariffGroup(job.tariffGroup) ? registersFor(job.tariffGroup, job.prosumer) : ['1.8.1'];
}

/** Step names for the progress indicator (arrival only for in-home meters). */
export function stepsFor(job: LocalJob | null): ExchangeStep[] {
	return EXCHANGE_STEPS.filter((s) => s !== 'arrival' || job?.location === 'in_home');
}

