import { existsSync } from 'node:fs';

/** Debian's Chromium; never a browser a tool downloads by itself. */
export function chromiumPath(): string | null {
	const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
	return candidates.find((p): p is string => !!p && existsSync(p)) ?? null;
}

export const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

/**
 * Waits until the service worker controls `page`, so the fitter app keeps working once the test
 * takes the network away. The first install claims the page itself (pwa.test.ts asserts that);
 * a reload is the fallback a fitter would use, and the last resort here.
 */
export async function untilServiceWorkerControls(page: import('playwright-core').Page, timeout = 20_000): Promise<void> {
	const controlled = () => page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout });
	try {
		await controlled();
	} catch {
		await page.reload();
		await controlled();
	}
}
