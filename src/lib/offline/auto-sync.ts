import { onLocalChange } from './local-change';
import type { SyncEngine } from './sync-engine';

export interface AutoSyncOptions {
	/** Quiet time after the last local change before pushing (a fitter often records several). */
	debounceMs?: number;
	/** Regular sync; also how a sync that failed for lack of network is retried. */
	intervalMs?: number;
}

/**
 * Decides *when* to sync: at start, when the network returns, when the app comes back to the
 * foreground, shortly after local changes, and on a timer. Background Sync is deliberately not
 * used: Safari and Firefox lack it, and the timer covers the same need while the app is open.
 * Returns the stop function.
 */
export function startAutoSync(engine: SyncEngine, options: AutoSyncOptions = {}): () => void {
	const debounceMs = options.debounceMs ?? 2_000;
	const intervalMs = options.intervalMs ?? 60_000;
	let debounce: ReturnType<typeof setTimeout> | undefined;

	const run = () => {
		// navigator.onLine === false is reliable (true is not): no point waking the radio.
		if (globalThis.navigator?.onLine === false) return;
		void engine.sync();
	};
	const onVisible = () => {
		if (document.visibilityState === 'visible') run();
	};
	const onChange = () => {
		void engine.refresh();
		clearTimeout(debounce);
		debounce = setTimeout(run, debounceMs);
	};

	const stopLocal = onLocalChange(engine.db, onChange);
	const timer = setInterval(run, intervalMs);
	const hasWindow = typeof window !== 'undefined';
	if (hasWindow) {
		window.addEventListener('online', run);
		document.addEventListener('visibilitychange', onVisible);
	}
	void engine.refresh().then(run);

	return () => {
		stopLocal();
		clearTimeout(debounce);
		clearInterval(timer);
		if (hasWindow) {
			window.removeEventListener('online', run);
			document.removeEventListener('visibilitychange', onVisible);
		}
	};
}
