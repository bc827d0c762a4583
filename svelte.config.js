import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	kit: {
		adapter: adapter({ out: 'build', precompress: true }),
		alias: {
			$server: 'server'
		},
		// Absolute asset paths: the service worker answers every /app/… navigation with the one
		// precached /app shell, and relative paths ("./_app" vs "../_app") would only be right for
		// the URL it was fetched from.
		paths: { relative: false },
		// src/lib/pwa/register.ts registers the Workbox service worker itself, from the fitter app
		// only (residents' phones never install it) and with a fitter-confirmed update.
		serviceWorker: { register: false }
	}
};

export default config;
