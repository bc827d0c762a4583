import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	kit: {
		// WYMIANA_BUILD_DIR: npm test builds elsewhere than the build/ a running npm start serves
		// (server/build-dir.ts).
		adapter: adapter({ out: process.env.WYMIANA_BUILD_DIR || 'build', precompress: true }),
		alias: {
			$server: 'server'
		},
		// Absolute asset paths: the service worker answers every /app/… navigation with the one
		// precached /app shell, and relative paths ("./_app" vs "../_app") would only be right for
		// the URL it was fetched from.
		paths: { relative: false },
		// src/lib/pwa/register.ts registers the Workbox service worker itself, from the fitter app
		// only (residents' phones never install it) and with a fitter-confirmed update.
		serviceWorker: { register: false },
		// Hash mode: SvelteKit adds the hash of its own inline start-up script; no other inline
		// script runs. wasm-unsafe-eval lets the scanner compile its WebAssembly decoder (nothing
		// else: no eval). Inline styles stay allowed for Svelte's style attributes and transitions.
		csp: {
			mode: 'hash',
			directives: {
				'default-src': ['self'],
				'script-src': ['self', 'wasm-unsafe-eval'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				'media-src': ['self', 'blob:', 'mediastream:'],
				'worker-src': ['self', 'blob:'],
				'frame-src': ['self', 'blob:'],
				'manifest-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
