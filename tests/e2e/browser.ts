import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

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

/** A fitter's tablet: Chromium with a profile of its own (service worker, IndexedDB survive reloads). */
export interface Tablet {
	context: BrowserContext;
	page: Page;
	/** The profile's directory; close() removes it. */
	profile: string;
	/** Collects another page's console lines and page errors into the same list. */
	follow(page: Page): Page;
	close(): Promise<void>;
}

/**
 * Launches a tablet in Polish and Warsaw time at `viewport`. Console lines and page errors go to
 * `consoleLines`, to be quoted when a step fails: service worker and IndexedDB problems show only there.
 */
export async function launchTablet(opts: {
	name: string;
	viewport: { width: number; height: number };
	consoleLines: string[];
	args?: string[];
	options?: Omit<Parameters<typeof chromium.launchPersistentContext>[1], 'executablePath' | 'args' | 'viewport'>;
}): Promise<Tablet> {
	const profile = mkdtempSync(join(tmpdir(), `wymiana-${opts.name}-profile-`));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: chromiumPath()!,
		args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
		viewport: opts.viewport,
		locale: 'pl-PL',
		timezoneId: 'Europe/Warsaw',
		...opts.options
	});
	const follow = (page: Page) => {
		page.on('console', (msg) => opts.consoleLines.push(`${msg.type()}: ${msg.text()}`));
		page.on('pageerror', (err) => opts.consoleLines.push(`pageerror: ${err.message}`));
		return page;
	};
	return {
		context,
		page: follow(context.pages()[0] ?? (await context.newPage())),
		profile,
		follow,
		async close() {
			await context.close();
			rmSync(profile, { recursive: true, force: true });
		}
	};
}
