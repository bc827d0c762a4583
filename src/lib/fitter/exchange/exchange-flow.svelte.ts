import { v7 as uuidv7 } from 'uuid';
import type { MutationInput, MutationName } from '$lib/domain/mutations';
import type { ExchangeDraft, WymianaDb } from '$lib/offline/db';
import { mutate, MutationInputError, storeBlob } from '$lib/offline/outbox';
import { m } from '$lib/paraglide/messages.js';
import { FitterHome } from '../fitter-home.svelte';
import { LiveRead } from '../live-read.svelte';
import { currentStep, stepsFor, type ExchangeSnapshot } from './exchange-steps';

export { currentReading, registersOf } from './exchange-steps';

async function readExchange(db: WymianaDb, jobId: string): Promise<ExchangeSnapshot> {
	const [job, readings, outages, seals, visits, photos, stock, exchanges, draft, profile] = await Promise.all([
		db.jobs.get(jobId),
		db.readings.where('jobId').equals(jobId).toArray(),
		db.outages.where('jobId').equals(jobId).toArray(),
		db.seals.where('jobId').equals(jobId).toArray(),
		db.visits.where('jobId').equals(jobId).toArray(),
		db.photos.where('jobId').equals(jobId).toArray(),
		db.stock.toArray(),
		// All of them (one per job on the tablet): this job's, and the meters other jobs have used.
		db.exchanges.toArray(),
		db.drafts.get(jobId),
		db.profile.get('me')
	]);
	return {
		job: job ?? null,
		exchange: exchanges.find((x) => x.id === jobId) ?? null,
		readings: readings.sort((a, b) => a.at.localeCompare(b.at)),
		outages: outages.sort((a, b) => a.offAt.localeCompare(b.offAt)),
		seals,
		visits,
		photos,
		stock,
		usedMeterIds: exchanges.filter((x) => x.jobId !== jobId && x.newMeterId).map((x) => x.newMeterId!),
		draft: draft ?? null,
		profile: profile ?? null
	};
}

/**
 * State of the exchange screen. Every fact goes straight to the tablet's database through the
 * outbox, so a reload, a closed app or a dead battery loses nothing that was confirmed; the step
 * shown is derived from those facts.
 */
export class ExchangeFlow {
	readonly home = new FitterHome();
	readonly #live = new LiveRead((device) => readExchange(device.db, this.jobId));
	snapshot = $derived(this.#live.value);
	loaded = $derived(this.#live.loaded);
	storageError = $derived(this.#live.storageError);
	/** The last save failed (shown by the step). */
	error = $state<string | null>(null);
	busy = $state(false);

	step = $derived(this.snapshot ? currentStep(this.snapshot) : null);
	steps = $derived(stepsFor(this.snapshot?.job ?? null));

	constructor(readonly jobId: string) {}

	/** The fitter's database while the screen follows it (null before `watch` and after it stops). */
	get db(): WymianaDb | null {
		return this.#live.device?.db ?? null;
	}

	start(): void {
		void this.home.start();
	}

	watch(): () => void {
		return this.#live.watch();
	}

	destroy(): void {
		this.home.destroy();
	}

	/** Records one fact; false (with `error` set) when it was refused before being stored. */
	async record<N extends MutationName>(name: N, args: MutationInput<N>): Promise<boolean> {
		if (!this.db) return false;
		this.error = null;
		try {
			await mutate(this.db, name, args);
			return true;
		} catch (err) {
			this.error = err instanceof MutationInputError ? inputErrorMessage(err.fieldErrors) : m.fitter_save_failed();
			return false;
		}
	}

	/** Several facts in order; stops at the first refusal. */
	async recordAll(items: Array<{ [N in MutationName]: [N, MutationInput<N>] }[MutationName]>): Promise<boolean> {
		this.busy = true;
		try {
			for (const [name, args] of items) if (!(await this.record(name, args as never))) return false;
			return true;
		} finally {
			this.busy = false;
		}
	}

	async setDraft(patch: Partial<Omit<ExchangeDraft, 'jobId'>>): Promise<void> {
		if (!this.db) return;
		const db = this.db;
		await db.transaction('rw', db.drafts, async () => {
			const current = (await db.drafts.get(this.jobId)) ?? { jobId: this.jobId, residentPresent: null, sealsConfirmed: false };
			await db.drafts.put({ ...current, ...patch, inputs: { ...current.inputs, ...patch.inputs } });
		});
	}

	/** Keeps a blob (photo, signature, protocol) on the tablet and records it on the job. */
	async attach(blob: Blob, kind: MutationInput<'photo.attach'>['kind']): Promise<string | null> {
		if (!this.db) return null;
		const sha256 = await storeBlob(this.db, blob);
		const ok = await this.record('photo.attach', {
			photoId: uuidv7(), jobId: this.jobId, sha256, kind,
			contentType: blob.type as MutationInput<'photo.attach'>['contentType'], size: blob.size
		});
		return ok ? sha256 : null;
	}
}

/** zod reports message keys per field; the fitter gets one sentence about the first problem. */
function inputErrorMessage(fieldErrors: Record<string, string[]>): string {
	const first = Object.values(fieldErrors).flat()[0] ?? '';
	const known: Record<string, () => string> = {
		reason_too_short: m.fitter_error_reason_short,
		reading_value_format: m.fitter_error_reading_format,
		reading_unreadable_reason: m.fitter_error_unreadable_reason,
		seal_number_required: m.fitter_error_seal_number,
		signature_required: m.fitter_error_signature
	};
	if (known[first]) return known[first]();
	if (first.startsWith('scan_error_')) return m.fitter_error_code_format();
	return m.fitter_error_invalid();
}
