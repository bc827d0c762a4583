import { liveQuery, type Subscription } from 'dexie';
import { trpc } from '$lib/api/client';
import { errorCode, errorMessage } from '$lib/api/errors';
import { addDaysToDate, warsawDate } from '$lib/domain/time';
import type { LocalJob, LocalProfile } from '$lib/offline/db';
import { startDevice, stopDevice, type OfflineDevice } from '$lib/offline/device';
import { SyncStatus } from '$lib/offline/sync-status.svelte';
import { m } from '$lib/paraglide/messages.js';
import { requestPersistence } from '$lib/pwa/persistence';
import type { Me } from '$lib/session/types';
import { groupJobs } from './group-jobs';
import { prefetchFitterScreens } from './prefetch';

/** A job as the tablet holds it (same shape as the server's job DTO). */
export type UpcomingJob = LocalJob;

/** Which screen the fitter sees. */
export type FitterPhase = 'loading' | 'sign_in' | 'ready' | 'failed';

/** How far ahead the list reaches, like the server's upcomingJobs. */
const DAYS_AHEAD = 7;
/** The last fitter signed in on this tablet, so the app opens without a network. */
const ME_KEY = 'wymiana:fitter';

export function rememberedFitter(): Me | null {
	try {
		const raw = localStorage.getItem(ME_KEY);
		return raw ? (JSON.parse(raw) as Me) : null;
	} catch {
		return null;
	}
}

/** Yesterday's unfinished work and the coming week, in the planned order (day, sequence, id). */
export function upcomingJobs(jobs: readonly LocalJob[], today: string): LocalJob[] {
	const from = addDaysToDate(today, -1);
	const to = addDaysToDate(today, DAYS_AHEAD - 1);
	return jobs
		.filter((j) => j.plannedDate !== null && j.plannedDate >= from && j.plannedDate <= to)
		.filter((j) => j.plannedDate! >= today || j.status !== 'done')
		.sort(
			(a, b) =>
				a.plannedDate!.localeCompare(b.plannedDate!) || (a.sequence ?? Infinity) - (b.sequence ?? Infinity) || a.id.localeCompare(b.id)
		);
}

/** State of the fitter's start screen: who is signed in and the crew's next jobs, read from the tablet. */
export class FitterHome {
	phase = $state<FitterPhase>('loading');
	me = $state<Me | null>(null);
	/** A session that exists but is not a fitter's (a planner opened /app): explained on sign-in. */
	otherSession = $state<Me | null>(null);
	/** Fatal load error (auth.me failed): shown with a retry button. */
	error = $state<string | null>(null);

	today = $state<string | null>(null);
	jobs = $state.raw<UpcomingJob[]>([]);
	/** The fitter's badge and live-code secret, synced to this tablet (null until the first sync). */
	profile = $state.raw<LocalProfile | null>(null);
	/** The local database could not be read (private mode, storage blocked). */
	jobsError = $state<string | null>(null);
	signingOut = $state(false);
	/** Sign-out was asked for while changes are still on the tablet only: explained, not done. */
	signOutBlocked = $state(false);

	readonly sync = new SyncStatus();
	groups = $derived(groupJobs(this.jobs));
	/** Nothing on the tablet yet and the first download still running. */
	firstLoad = $derived(this.jobs.length === 0 && this.sync.lastSyncAt === null);

	private device: OfflineDevice | null = null;
	private stopWatching: (() => void) | null = null;

	async start(): Promise<void> {
		this.phase = 'loading';
		this.error = null;
		try {
			const me = await trpc.auth.me.query();
			if (me && me.user.role === 'fitter') return this.enter(me);
			this.leave();
			this.otherSession = me;
			this.phase = 'sign_in';
		} catch (err) {
			// Offline-first: without a network the last fitter keeps working on what the tablet holds.
			const remembered = errorCode(err) === 'NETWORK' ? rememberedFitter() : null;
			if (remembered) return this.enter(remembered);
			this.error = errorMessage(err);
			this.phase = 'failed';
		}
	}

	/** Throws server errors for the form to show; returns a message when the account is not a fitter's. */
	signIn = async (credentials: { login: string; password: string }): Promise<string | null> => {
		const result = await trpc.auth.signIn.mutate({ ...credentials, client: 'app' });
		if (result.role !== 'fitter') {
			// Do not leave a half-finished planner session behind on a shared tablet.
			await trpc.auth.signOut.mutate().catch(() => undefined);
			return m.signin_not_fitter();
		}
		// Starting the device syncs at once, so work queued while signed out goes out now.
		await this.start();
		return null;
	};

	/**
	 * Signing out with unsent changes is refused: the fitter is told how many and offered sending
	 * now or exporting to a file. Nothing on the tablet is ever dropped by a sign-out.
	 */
	async signOut(): Promise<void> {
		if (this.sync.pending > 0) {
			this.signOutBlocked = true;
			return;
		}
		this.signOutBlocked = false;
		this.signingOut = true;
		try {
			await trpc.auth.signOut.mutate();
		} catch {
			// An expired session is as good as signed out; the next screen is sign-in either way.
		} finally {
			this.signingOut = false;
		}
		this.leave();
		this.phase = 'sign_in';
	}

	/** The fitter has read a refusal; it leaves the list (it stays in the server's records). */
	dismissRejection(id: number): void {
		void this.device?.engine.dismissRejection(id);
	}

	/** "Refresh" sends and fetches now instead of waiting for the next automatic sync. */
	syncNow(): void {
		void this.device?.engine.sync();
	}

	/**
	 * Stops watching; call when the page goes away. Syncing goes on (other fitter screens use the
	 * same device) until sign-out.
	 */
	destroy(): void {
		this.stopWatching?.();
		this.stopWatching = null;
		this.device = null;
	}

	private enter(me: Me): void {
		this.me = me;
		this.otherSession = null;
		localStorage.setItem(ME_KEY, JSON.stringify(me));
		this.watch(startDevice(me.user.id));
		this.phase = 'ready';
	}

	/** Queued work stays in the fitter's database for their next sign-in; only syncing stops. */
	private leave(): void {
		localStorage.removeItem(ME_KEY);
		this.destroy();
		stopDevice();
		this.me = null;
		this.jobs = [];
		this.today = null;
	}

	private watch(device: OfflineDevice): void {
		if (this.device === device) return;
		this.stopWatching?.();
		this.device = device;
		this.today = warsawDate();
		const stopStatus = this.sync.follow(device.engine);
		// Once the fitter's data is on the tablet (a sync has finished, now or on an earlier visit),
		// the job and exchange screens' code follows, for offline use.
		const stopPrefetch = device.engine.subscribe((s) => {
			if (s.lastSyncAt !== null && !s.syncing) prefetchFitterScreens();
		});
		const jobs: Subscription = liveQuery(() => device.db.jobs.toArray()).subscribe({
			next: (rows) => {
				this.jobsError = null;
				this.jobs = upcomingJobs(rows, (this.today = warsawDate()));
			},
			error: () => (this.jobsError = m.sync_storage_error())
		});
		const profile: Subscription = liveQuery(() => device.db.profile.get('me')).subscribe({
			next: (row) => (this.profile = row ?? null),
			error: () => (this.profile = null)
		});
		this.stopWatching = () => {
			stopStatus();
			stopPrefetch();
			jobs.unsubscribe();
			profile.unsubscribe();
		};
		// Evicted storage would lose unsent work; asked at each sign-in, shown on the diagnostics screen.
		void requestPersistence();
	}
}
