import { v7 as uuidv7 } from 'uuid';
import type { LocalJob, LocalNote, LocalPhoto, LocalReading, Rejection } from '$lib/offline/db';
import type { OfflineDevice } from '$lib/offline/device';
import { mutate, MutationInputError } from '$lib/offline/outbox';
import { m } from '$lib/paraglide/messages.js';
import { FitterHome } from './fitter-home.svelte';
import { LiveRead } from './live-read.svelte';

/** Same limit as the `job.note` schema; the form counts towards it. */
export const NOTE_MAX = 1000;

/** The one thing the fitter should do next, by job status. */
export type JobAction = 'start' | 'exchange_next' | 'done' | 'cancelled' | 'turned_back';

export function jobAction(status: LocalJob['status']): JobAction {
	switch (status) {
		case 'planned':
		case 'no_access':
			return 'start';
		case 'in_progress':
			return 'exchange_next';
		default:
			return status;
	}
}

/**
 * The outbox stores validated args; only these fields matter here. A name from a newer build may
 * carry anything, so every field is checked before use.
 */
function argsOf(args: unknown): { jobId?: unknown; noteId?: unknown; photoId?: unknown } {
	return typeof args === 'object' && args !== null ? args : {};
}

/** Whether a queued or refused mutation is about this job. */
export function concernsJob(args: unknown, jobId: string): boolean {
	return argsOf(args).jobId === jobId;
}

/**
 * zod's own messages are English developer text, so only *which* field failed is taken from
 * MutationInputError; the sentence is chosen here from what the fitter typed.
 */
export function noteErrorMessage(fieldErrors: Record<string, string[]>, text: string): string {
	if (!fieldErrors.text) return m.note_error_invalid();
	const trimmed = text.trim();
	if (trimmed.length === 0) return m.note_error_empty();
	if (trimmed.length > NOTE_MAX) return m.note_error_too_long({ max: NOTE_MAX });
	return m.note_error_invalid();
}

interface JobSnapshot {
	job: LocalJob | null;
	notes: LocalNote[];
	readings: LocalReading[];
	photos: LocalPhoto[];
	pendingIds: Set<string>;
	startPending: boolean;
	rejections: Rejection[];
}

/** Everything the screen shows for one job, read in one go so the parts never disagree. */
async function readJob(device: OfflineDevice, jobId: string): Promise<JobSnapshot> {
	const { db } = device;
	const [job, notes, readings, photos, outbox, rejections] = await Promise.all([
		db.jobs.get(jobId),
		db.notes.where('jobId').equals(jobId).toArray(),
		db.readings.where('jobId').equals(jobId).toArray(),
		db.photos.where('jobId').equals(jobId).toArray(),
		// The outbox is small (it empties on every sync), so reading all of it is cheap.
		db.outbox.toArray(),
		db.rejections.toArray()
	]);
	const mine = outbox.filter((e) => concernsJob(e.args, jobId));
	const pendingIds = new Set<string>();
	for (const e of mine) {
		const { noteId, photoId } = argsOf(e.args);
		if (typeof noteId === 'string') pendingIds.add(noteId);
		if (typeof photoId === 'string') pendingIds.add(photoId);
	}
	return {
		job: job ?? null,
		// Newest first: the note just written appears right under the form.
		notes: notes.sort((a, b) => b.at.localeCompare(a.at)),
		readings: readings.sort((a, b) => a.meterRole.localeCompare(b.meterRole) || a.register.localeCompare(b.register)),
		photos,
		pendingIds,
		startPending: mine.some((e) => e.name === 'job.start'),
		rejections: rejections.filter((r) => concernsJob(r.args, jobId))
	};
}

/**
 * State of the job screen. Everything comes from the tablet's database, so the screen works the
 * same in a basement as on the street; changes go through the outbox, and the auto-sync started
 * with the device pushes them shortly after each change (outbox → onLocalChange → debounced sync).
 */
export class JobScreen {
	/** Who is signed in and the sync status for the header; the same rules as the job list. */
	readonly home = new FitterHome();

	readonly #live = new LiveRead((device) => readJob(device, this.jobId));

	job = $derived(this.#live.value?.job ?? null);
	notes = $derived(this.#live.value?.notes ?? []);
	readings = $derived(this.#live.value?.readings ?? []);
	photos = $derived(this.#live.value?.photos ?? []);
	/** Ids of notes and photos whose mutation is still in the outbox. */
	pendingIds = $derived<ReadonlySet<string>>(this.#live.value?.pendingIds ?? new Set());
	startPending = $derived(this.#live.value?.startPending ?? false);
	rejections = $derived(this.#live.value?.rejections ?? []);
	/** The first read from the database has answered (until then "not found" would be a lie). */
	loaded = $derived(this.#live.loaded);
	storageError = $derived(this.#live.storageError);

	starting = $state(false);
	startError = $state<string | null>(null);
	savingNote = $state(false);
	noteError = $state<string | null>(null);
	/** Told to screen readers after a save; cleared when the fitter types again. */
	noteSaved = $state(false);

	action = $derived(this.job ? jobAction(this.job.status) : null);
	/** The very first download after sign-in is still running: wait before saying "not found". */
	waitingForFirstSync = $derived(this.job === null && this.home.sync.lastSyncAt === null && !this.home.sync.lastError);

	constructor(readonly jobId: string) {}

	/** Checks the session (or takes the remembered fitter when offline) and opens the device. */
	start(): void {
		void this.home.start();
	}

	/** Follows the job in the database; call from an $effect once the fitter is signed in. */
	watch(): () => void {
		return this.#live.watch();
	}

	destroy(): void {
		this.home.destroy();
	}

	async startWork(): Promise<void> {
		if (!this.#live.device || this.starting) return;
		this.starting = true;
		this.startError = null;
		try {
			await mutate(this.#live.device.db, 'job.start', { jobId: this.jobId });
		} catch {
			this.startError = m.job_start_failed();
		} finally {
			this.starting = false;
		}
	}

	/** Saves a note on the tablet; true when saved (the form then clears itself). */
	async addNote(text: string): Promise<boolean> {
		if (!this.#live.device || this.savingNote) return false;
		this.savingNote = true;
		this.noteError = null;
		this.noteSaved = false;
		try {
			// The id is made here, once: a resend after a lost answer must not create a second note.
			await mutate(this.#live.device.db, 'job.note', { jobId: this.jobId, noteId: uuidv7(), text });
			this.noteSaved = true;
			return true;
		} catch (err) {
			this.noteError = err instanceof MutationInputError ? noteErrorMessage(err.fieldErrors, text) : m.note_save_failed();
			return false;
		} finally {
			this.savingNote = false;
		}
	}

	clearNoteFeedback(): void {
		this.noteError = null;
		this.noteSaved = false;
	}

	async dismissRejection(id: number): Promise<void> {
		await this.#live.device?.engine.dismissRejection(id);
	}
}
