import { Workbox } from 'workbox-window';
import { dev } from '$app/environment';
import { pwa } from './pwa-state.svelte';

export { updateGuard } from './pwa-state.svelte';

/** How often a long-running app (open all day on a tablet) looks for a new version. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

let started = false;

/**
 * Registers the service worker built from src/service-worker/index.ts. Call once from the /app
 * layout in the browser; later calls do nothing.
 *
 * SvelteKit builds the worker with Vite: in production it is one self-contained file with no
 * import statements, which loads as a classic worker (the type every browser supports); `vite dev`
 * serves it as an ES module instead, with an empty precache list, so it is not registered there.
 */
export function registerServiceWorker(): void {
	if (started) return;
	started = true;
	if (!('serviceWorker' in navigator)) {
		pwa.worker = 'unsupported';
		return;
	}
	if (dev) {
		pwa.worker = 'disabled';
		return;
	}

	const wb = new Workbox('/service-worker.js', { scope: '/', type: 'classic' });
	const hadController = navigator.serviceWorker.controller !== null;

	wb.addEventListener('installing', () => {
		if (!navigator.serviceWorker.controller) pwa.worker = 'installing';
	});
	wb.addEventListener('waiting', () => {
		pwa.updateReady = true;
		pwa.updateDismissed = false;
	});
	wb.addEventListener('activated', (event) => {
		if (event.isUpdate || hadController) return;
		// First install: nothing old is running, so taking this page over is safe and lets the
		// fitter go offline right after the first sign-in without reloading.
		pwa.worker = 'installed';
		void wb.messageSW({ type: 'CLAIM_CLIENTS' }).catch(() => undefined);
	});
	navigator.serviceWorker.addEventListener('controllerchange', () => {
		pwa.worker = 'controlling';
	});

	pwa.applyUpdate = () => {
		// Reload only once the new worker controls the page, so the reload gets the new shell.
		wb.addEventListener('controlling', () => window.location.reload());
		wb.messageSkipWaiting();
	};
	pwa.workerVersion = async () => {
		if (!navigator.serviceWorker.controller) return null;
		const reply = (await Promise.race([
			wb.messageSW({ type: 'GET_VERSION' }),
			new Promise((resolve) => setTimeout(resolve, 2000, null))
		])) as { version?: string } | null;
		return reply?.version ?? null;
	};

	wb.register()
		.then((registration) => {
			if (!registration) {
				pwa.worker = 'failed';
				return;
			}
			if (navigator.serviceWorker.controller) pwa.worker = 'controlling';
			else if (registration.active) pwa.worker = 'installed';
			else pwa.worker = 'installing';

			const check = () => {
				if (navigator.onLine) void wb.update().catch(() => undefined);
			};
			setInterval(check, UPDATE_CHECK_MS);
			document.addEventListener('visibilitychange', () => {
				if (document.visibilityState === 'visible') check();
			});
		})
		.catch(() => {
			pwa.worker = 'failed';
		});
}
