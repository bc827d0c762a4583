/**
 * Browser-only state of the installed app, shared by the /app layout (update banner) and the
 * diagnostics screen. Module-level on purpose: /app never renders on the server (ssr = false), and
 * there is exactly one service worker registration per page.
 */

export type WorkerState =
	/** The browser has no service workers (or not in a secure context). */
	| 'unsupported'
	/** `vite dev`: not registered, the dev server cannot serve a precachable build. */
	| 'disabled'
	| 'registering'
	/** Registered, the first version is still downloading the shell. */
	| 'installing'
	/** Installed and serving this page: the app opens without a network. */
	| 'controlling'
	/** Installed, but this page loaded before it (first visit): it serves the next page load. */
	| 'installed'
	| 'failed';

export class PwaState {
	worker = $state<WorkerState>('registering');
	/** A newer version finished installing and waits for the fitter's go-ahead. */
	updateReady = $state(false);
	/** The fitter pressed "later": hidden until the next version or the next start. */
	updateDismissed = $state(false);
	/** Set by register.ts: activates the waiting version and reloads. */
	applyUpdate: (() => void) | null = null;
	/** Set by register.ts: asks the active worker which build it precached. */
	workerVersion: (() => Promise<string | null>) | null = null;
}

export const pwa = new PwaState();

/**
 * Holds back the update banner while the fitter is in the middle of something (an exchange with the
 * power off, a half-typed reading). The exchange screens set `busy = true` on entry and false when
 * done; the banner appears once it is false again, and the update itself only ever runs on a tap.
 */
export class UpdateGuard {
	busy = $state(false);
}

export const updateGuard = new UpdateGuard();
