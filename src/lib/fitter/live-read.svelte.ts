import { liveQuery, type Subscription } from 'dexie';
import { currentDevice, type OfflineDevice } from '$lib/offline/device';
import { m } from '$lib/paraglide/messages.js';

/**
 * One read of the signed-in fitter's database, kept current: Dexie runs it again whenever a table
 * it read changes. A screen reads everything it shows in one go, so the parts never disagree.
 */
export class LiveRead<T> {
	value = $state.raw<T | null>(null);
	/** The first read has answered (until then "not found" would be a lie). */
	loaded = $state(false);
	/** The database could not be read (private mode, storage blocked). */
	storageError = $state<string | null>(null);
	/** The device being read, while watching: the screen's changes go to the same one. */
	device: OfflineDevice | null = null;

	constructor(private readonly read: (device: OfflineDevice) => Promise<T>) {}

	/** Call from an $effect once the fitter is signed in; returns the stop function. */
	watch(): () => void {
		const device = currentDevice();
		if (!device) return () => undefined;
		this.device = device;
		const sub: Subscription = liveQuery(() => this.read(device)).subscribe({
			next: (value) => {
				this.value = value;
				this.storageError = null;
				this.loaded = true;
			},
			error: () => {
				this.storageError = m.sync_storage_error();
				this.loaded = true;
			}
		});
		return () => {
			sub.unsubscribe();
			this.device = null;
		};
	}
}
