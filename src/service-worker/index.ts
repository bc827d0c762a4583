/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/// <reference types="@sveltejs/kit" />
/**
 * The fitter shell, offline. Everything the /app pages need is precached at install (hashed build
 * assets, static files and the /app HTML shell), so a tablet that opened the app once with signal
 * can start it again in a basement. Data never comes from here: jobs live in IndexedDB and /api is
 * left to the network untouched.
 *
 * Updates wait for the fitter: a new version installs in the background and stays "waiting" until
 * the page sends SKIP_WAITING (the fitter pressed reload in the update banner), so code never
 * changes under an exchange in progress.
 */
import { build, files, version } from '$service-worker';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';
import type { WorkboxPlugin } from 'workbox-core/types.js';

const sw = self as unknown as ServiceWorkerGlobalScope;

/** The /app document. It is an SSR-less SvelteKit shell, the same for every /app/… route. */
const SHELL_URL = '/app';
/** /app and everything below it; not /apple or /application. */
const APP_PATH = /^\/app(?:\/|$)/;
/** Never answered from a cache: sign-in, sync and uploads must reach the server or fail visibly. */
const API_PATH = /^\/api(?:\/|$)/;
/** Sets the language cookie and redirects; replaying a cached redirect would not change anything. */
const LANG_PATH = /^\/lang(?:\/|$)/;

precacheAndRoute([
	// Names carry a content hash, so the URL alone identifies the version.
	...build.map((url) => ({ url, revision: null })),
	// Static files keep their names between releases: tie them to the build.
	...files.map((url) => ({ url, revision: version })),
	{ url: SHELL_URL, revision: version }
]);

// Caches of earlier Workbox precache formats; the current one is versioned per entry.
cleanupOutdatedCaches();

// Any /app/… page the fitter opens (reload, start from the home screen icon) gets the shell; the
// client router then renders the route.
registerRoute(new NavigationRoute(createHandlerBoundToURL(SHELL_URL), { allowlist: [APP_PATH] }));

/** Only complete, same-origin 200s are worth showing later; never redirects or error pages. */
const onlyOk: WorkboxPlugin = {
	cacheWillUpdate: async ({ response }) => (response.ok && response.type === 'basic' ? response : null)
};

// Public pages (/, /verify, /harmonogram, …): fresh when there is a network, the last copy when not.
registerRoute(
	({ request, url }) =>
		request.mode === 'navigate' &&
		url.origin === sw.location.origin &&
		!APP_PATH.test(url.pathname) &&
		!API_PATH.test(url.pathname) &&
		!LANG_PATH.test(url.pathname),
	new NetworkFirst({ cacheName: 'wymiana-pages', networkTimeoutSeconds: 6, plugins: [onlyOk] })
);

type PageMessage = { type: 'SKIP_WAITING' } | { type: 'CLAIM_CLIENTS' } | { type: 'GET_VERSION' };

sw.addEventListener('message', (event: ExtendableMessageEvent) => {
	const data = event.data as PageMessage | null;
	switch (data?.type) {
		case 'SKIP_WAITING':
			// Sent only after the fitter chose to reload (see src/lib/pwa/register.ts).
			void sw.skipWaiting();
			break;
		case 'CLAIM_CLIENTS':
			// Sent only by a page that had no service worker at all (first install), so the page
			// works offline without a reload; an update never takes over a running page this way.
			event.waitUntil(sw.clients.claim());
			break;
		case 'GET_VERSION':
			event.ports[0]?.postMessage({ version });
			break;
	}
});
