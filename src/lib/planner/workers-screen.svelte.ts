import { trpc } from '$lib/api/client';
import { addDaysToDate, warsawDate } from '$lib/domain/time';
import type { RouterInputs, RouterOutputs } from '$lib/session/types';
import { Remote } from './remote.svelte';

type People = RouterOutputs['workers']['list'];
export type WorkerItem = People['workers'][number];
type NewAccount = RouterInputs['workers']['create'];

/** Largest photo taken from a phone before it is cropped and shrunk in the browser. */
export const PORTRAIT_SOURCE_MAX_BYTES = 25_000_000;

function blankAccount(): NewAccount {
	const today = warsawDate();
	return {
		login: '', password: '', role: 'fitter', firstName: '', lastName: '', company: '', crewId: null,
		validFrom: today, validUntil: addDaysToDate(today, 365)
	};
}

/** The admin's screen of people and badges: the list, the new-account form, and one worker's actions. */
export class WorkersScreen {
	list = new Remote<People>();
	crews = new Remote<RouterOutputs['plan']['crews']['list']>();
	detail = new Remote<RouterOutputs['workers']['detail']>();
	creating = new Remote<RouterOutputs['workers']['create']>();
	action = new Remote<unknown>();
	search = $state('');
	/** The search the list was loaded with (the field may have changed since). */
	listedSearch = $state('');
	/** The crew whose cards the batch print makes. */
	printCrewId = $state<string | null>(null);
	showCreate = $state(false);
	draft = $state<NewAccount>(blankAccount());
	selectedId = $state<string | null>(null);
	reason = $state('');
	validFrom = $state('');
	validUntil = $state('');
	/** What the last action did, for the confirmation line. */
	done = $state<string | null>(null);
	portraitError = $state<string | null>(null);

	selected = $derived(this.list.data?.workers.find((w) => w.id === this.selectedId) ?? null);

	/** Cards the batch print of the chosen crew will hold (as the server picks them), when the list is complete. */
	printableInCrew = $derived(
		this.printCrewId && this.list.data && !this.listedSearch.trim()
			? this.list.data.workers.filter((w) => w.crewId === this.printCrewId && (w.state === 'valid' || w.state === 'not_yet_valid')).length
			: null
	);

	load = async () => {
		const search = this.search;
		await Promise.all([this.list.run(async () => {
			const people = await trpc.workers.list.query({ search });
			this.listedSearch = search;
			return people;
		}), this.crews.data ? null : this.crews.run(() => trpc.plan.crews.list.query())]);
	};

	select = (worker: WorkerItem | null) => {
		this.closeCrop();
		this.selectedId = worker?.id ?? null;
		this.reason = '';
		this.done = null;
		this.portraitError = null;
		this.action.error = null;
		this.action.fields = {};
		this.validFrom = worker?.validFrom ?? warsawDate();
		this.validUntil = worker?.validUntil ?? '';
		if (worker) void this.detail.run(() => trpc.workers.detail.query({ workerId: worker.id }));
	};

	create = async () => {
		const input = { ...this.draft, crewId: this.draft.role === 'fitter' ? this.draft.crewId || null : null };
		const created = await this.creating.run(() => trpc.workers.create.mutate(input));
		if (!created) return;
		this.draft = blankAccount();
		this.showCreate = false;
		await this.load();
		const worker = this.list.data?.workers.find((w) => w.id === created.workerId);
		if (worker) this.select(worker);
	};

	/** Runs one action on the selected worker, then reloads the list (states and numbers change). */
	private async act(fn: () => Promise<unknown>, done: string) {
		this.done = null;
		this.portraitError = null;
		if ((await this.action.run(fn)) === null && this.action.error) return;
		this.done = done;
		this.reason = '';
		await this.load();
		if (this.selectedId) void this.detail.run(() => trpc.workers.detail.query({ workerId: this.selectedId! }));
	}

	badgeState = (action: 'suspend' | 'reinstate' | 'revoke', done: string) =>
		this.act(() => trpc.workers.badgeState.mutate({ workerId: this.selectedId!, action, reason: action === 'reinstate' ? null : this.reason }), done);

	reissue = (done: string) =>
		this.act(() => trpc.workers.reissue.mutate({ workerId: this.selectedId!, reason: this.reason, validUntil: this.validUntil }), done);

	saveValidity = (done: string) =>
		this.act(() => trpc.workers.validity.mutate({ workerId: this.selectedId!, validFrom: this.validFrom, validUntil: this.validUntil }), done);

	rotateSecret = (done: string) => this.act(() => trpc.workers.rotateSecret.mutate({ workerId: this.selectedId! }), done);

	setDisabled = (userId: string, disabled: boolean, done: string) => this.act(() => trpc.admin.users.setDisabled.mutate({ userId, disabled }), done);

	/** The photo being cropped (oriented and shrunk), before it is saved as the portrait. */
	cropSource = $state.raw<ImageBitmap | null>(null);
	uploading = $state(false);

	/**
	 * A photo from a phone: refused at once when far too big, else turned upright (EXIF) and shrunk
	 * to a working copy by browser-image-compression, then shown for cropping.
	 */
	choosePortrait = async (file: File, messages: { tooBig: string; notImage: string }) => {
		this.portraitError = null;
		this.done = null;
		this.closeCrop();
		if (file.size > PORTRAIT_SOURCE_MAX_BYTES) {
			this.portraitError = messages.tooBig;
			return;
		}
		try {
			if (!['image/jpeg', 'image/png'].includes(file.type)) throw new Error('type');
			const { default: imageCompression } = await import('browser-image-compression');
			// No Web Worker: the library's worker fetches its script from a CDN, which the CSP refuses.
			const working = await imageCompression(file, { maxWidthOrHeight: 2000, maxSizeMB: 8, useWebWorker: false, fileType: 'image/jpeg', initialQuality: 0.95 });
			this.cropSource = await createImageBitmap(working);
		} catch {
			this.portraitError = messages.notImage;
		}
	};

	closeCrop = () => {
		this.cropSource?.close();
		this.cropSource = null;
	};

	/** Sends the cropped portrait; the server checks it again (a real JPEG or PNG, size, dimensions). */
	savePortrait = async (jpeg: Blob, messages: { notImage: string; done: string }) => {
		this.uploading = true;
		try {
			const res = await fetch(`/plan/api/workers/${encodeURIComponent(this.selectedId!)}/portrait`, {
				method: 'POST',
				headers: { 'content-type': jpeg.type },
				body: jpeg
			});
			if (!res.ok) {
				const body = (await res.json().catch(() => ({}))) as { message?: string };
				this.portraitError = body.message ?? messages.notImage;
				return;
			}
			this.closeCrop();
			this.done = messages.done;
			await this.load();
		} finally {
			this.uploading = false;
		}
	};
}

