import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchTablet, type Tablet } from './browser';
import { startApp, type RunningApp } from './app-server';

const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });

const TABLET = { width: 1280, height: 800 };

/**
 * The steps share one browser profile on purpose: like a fitter's tablet, it keeps the service
 * worker and its caches from one step to the next (online first, then offline, then no server).
 * A real profile, not an incognito context: Chromium never offers to install from incognito.
 */
describe('pwa: the fitter app installs and opens without a network', () => {
	let app: RunningApp;
	let tablet: Tablet;
	let context: BrowserContext;
	let page: Page;
	/** The page's console, quoted when a step fails (service worker problems show up only there). */
	const consoleLines: string[] = [];

	beforeAll(async () => {
		app = await startApp();
		tablet = await launchTablet({ name: 'pwa', viewport: TABLET, consoleLines, options: { acceptDownloads: true } });
		({ context, page } = tablet);
	});
	afterAll(async () => {
		await tablet?.close();
		await app?.stop();
	});

	it('serves the web app manifest with its icons', async () => {
		const res = await fetch(`${app.url}/manifest.webmanifest`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('application/manifest+json');
		const manifest = (await res.json()) as { start_url: string; scope: string; id: string; lang: string; icons: { src: string; purpose: string }[] };
		expect(manifest).toMatchObject({ id: '/app', start_url: '/app', scope: '/app', lang: 'pl' });
		expect(manifest.icons.map((i) => i.purpose)).toContain('maskable');
		for (const icon of manifest.icons) {
			const png = await fetch(`${app.url}${icon.src}`);
			expect(png.status, icon.src).toBe(200);
			expect(png.headers.get('content-type')).toBe('image/png');
		}
	});

	it('links the manifest from the fitter app only', async () => {
		await page.goto(`${app.url}/app`);
		await page.getByRole('heading', { name: 'Logowanie montera' }).waitFor();
		expect(await page.locator('link[rel="manifest"]').getAttribute('href')).toBe('/manifest.webmanifest');
		expect(await page.locator('link[rel="apple-touch-icon"]').count()).toBe(1);

		const publicPage = await context.newPage();
		await publicPage.goto(`${app.url}/verify`);
		// A resident's browser must not offer to install the fitters' app.
		expect(await publicPage.locator('link[rel="manifest"]').count()).toBe(0);
		await publicPage.close();
	});

	it('is controlled by the service worker after the first visit, without a reload', async () => {
		try {
			await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
		} catch (err) {
			// Say why: a failed precache (a 404 in the shell's asset list) shows up only here.
			const state = await page.evaluate(async () => {
				const r = await navigator.serviceWorker.getRegistration();
				return JSON.stringify({ active: r?.active?.state, installing: r?.installing?.state, waiting: r?.waiting?.state });
			});
			throw new Error(`no controller; registration ${state}\n${consoleLines.join('\n')}\n${app.output().slice(-3000)}`, { cause: err });
		}
		const scriptURL = await page.evaluate(() => navigator.serviceWorker.controller!.scriptURL);
		expect(scriptURL).toBe(`${app.url}/service-worker.js`);
	});

	it('is installable: Chromium reports no installability errors', async () => {
		const cdp = await context.newCDPSession(page);
		const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[] };
		expect(manifest.url).toBe(`${app.url}/manifest.webmanifest`);
		expect(manifest.errors).toEqual([]);
		const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
		expect(installabilityErrors).toEqual([]);
		await cdp.detach();
	});

	it('signs in online and keeps /api and the session out of every cache', async () => {
		await page.getByLabel('Login').fill('monter1');
		await page.getByLabel('Hasło', { exact: true }).fill('monter-demo');
		await page.getByRole('button', { name: 'Zaloguj się' }).click();
		await page.getByRole('heading', { name: 'Najbliższe zlecenia' }).waitFor();
		// A public page seen once online (network-first) is there for the next time without signal.
		const publicPage = await context.newPage();
		await publicPage.goto(`${app.url}/harmonogram`);
		await publicPage.close();

		const cached = await page.evaluate(async () => {
			const urls: string[] = [];
			for (const name of await caches.keys()) {
				for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
			}
			return urls;
		});
		expect(cached).toContain('/app');
		expect(cached).toContain('/manifest.webmanifest');
		expect(cached).toContain('/harmonogram');
		expect(cached.filter((u) => u.startsWith('/api'))).toEqual([]);
		// No update is waiting on a fresh install, so no banner over the job list.
		expect(await page.getByText('Jest nowa wersja aplikacji').count()).toBe(0);
		await page.screenshot({ path: join(shots, 'pwa-home-online-1280.png') });
	});

	it('opens the app shell from the service worker when the tablet is offline', async () => {
		await context.setOffline(true);
		const res = await page.reload();
		expect(res?.fromServiceWorker()).toBe(true);
		expect(res?.status()).toBe(200);
		await page.locator('.fitter-app main#main').waitFor();
		// Which screen depends on the local session/database: the jobs, sign-in, or a retry.
		await expect
			.poll(async () =>
				(await page.getByRole('heading', { name: 'Najbliższe zlecenia' }).count()) +
				(await page.getByRole('heading', { name: 'Logowanie montera' }).count()) +
				(await page.getByRole('button', { name: 'Spróbuj ponownie' }).count())
			)
			.toBeGreaterThan(0);
		expect(await page.locator('html').getAttribute('lang')).toBe('pl');
		await page.screenshot({ path: join(shots, 'pwa-app-offline-1280.png') });
	});

	it('shows the diagnostics screen offline, with the worker in control', async () => {
		const res = await page.goto(`${app.url}/app/diagnostics`);
		expect(res?.fromServiceWorker()).toBe(true);
		await page.getByRole('heading', { name: 'Diagnostyka urządzenia' }).waitFor();
		await expect.poll(() => page.getByTestId('diag-worker').innerText(), { timeout: 10_000 }).toBe('Gotowa — aplikacja otworzy się bez sieci');
		await expect.poll(() => page.getByTestId('diag-persisted').innerText(), { timeout: 10_000 }).not.toBe('Wczytywanie…');
		await page.getByText('Zajęte miejsce').waitFor();
		await page.screenshot({ path: join(shots, 'pwa-diagnostics-offline-1280.png'), fullPage: true });
	});

	it('exports a queued change to a file named with the date and the device id', async () => {
		// A queue as src/lib/offline leaves it after work without signal (plain IndexedDB, so the
		// test does not depend on the sync engine's screens).
		const clientId = '01937c55-1111-7000-8000-000000000001';
		await page.evaluate(seedQueuedWork, clientId);
		await page.reload();
		await page.getByText(clientId).waitFor();
		const [download] = await Promise.all([
			page.waitForEvent('download'),
			page.getByRole('button', { name: 'Zapisz niewysłane dane do pliku' }).last().click()
		]);
		expect(download.suggestedFilename()).toMatch(new RegExp(`^wymiana-niewyslane-\\d{4}-\\d{2}-\\d{2}-\\d{4}-${clientId}\\.json$`));
		const body = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { clientId: string; outbox: { name: string }[] };
		expect(body.clientId).toBe(clientId);
		expect(body.outbox.map((e) => e.name)).toEqual(['job.start']);
		await page.getByText(`Zapisano plik ${download.suggestedFilename()}.`).waitFor();
		await page.screenshot({ path: join(shots, 'pwa-diagnostics-export-1280.png'), fullPage: true });
	});

	it('falls back to the last copy of a public page when offline', async () => {
		const res = await page.goto(`${app.url}/harmonogram`);
		expect(res?.fromServiceWorker()).toBe(true);
		expect(res?.status()).toBe(200);
	});

	it('still starts with the server gone entirely', async () => {
		await context.setOffline(false);
		await app.stop();
		const fresh = await context.newPage();
		const res = await fresh.goto(`${app.url}/app/diagnostics`);
		expect(res?.fromServiceWorker()).toBe(true);
		await fresh.getByRole('heading', { name: 'Diagnostyka urządzenia' }).waitFor();
		await fresh.close();
	});
});

/**
 * Runs in the page: creates a fitter database the way Dexie lays out `openWymianaDb()` (schema
 * version 1 is IndexedDB version 10) with one queued mutation.
 */
async function seedQueuedWork(clientId: string): Promise<void> {
	const stores: Record<string, { keyPath: string | string[]; indexes: [string, string | string[]][] }> = {
		jobs: { keyPath: 'id', indexes: [['plannedDate', 'plannedDate'], ['status', 'status']] },
		notes: { keyPath: 'id', indexes: [['jobId', 'jobId']] },
		readings: { keyPath: 'id', indexes: [['jobId', 'jobId']] },
		photos: { keyPath: 'id', indexes: [['jobId', 'jobId'], ['sha256', 'sha256']] },
		stock: { keyPath: 'id', indexes: [['serial', 'serial']] },
		blobs: { keyPath: 'sha256', indexes: [['uploaded', 'uploaded']] },
		outbox: { keyPath: 'id', indexes: [] },
		rejections: { keyPath: 'id', indexes: [] },
		base: { keyPath: ['entity', 'id'], indexes: [['entity', 'entity']] },
		meta: { keyPath: 'key', indexes: [] }
	};
	const db = await new Promise<IDBDatabase>((ok, fail) => {
		const req = indexedDB.open('wymiana-e2e-fitter', 10);
		req.onupgradeneeded = () => {
			for (const [name, def] of Object.entries(stores)) {
				const store = req.result.createObjectStore(name, { keyPath: def.keyPath });
				for (const [index, path] of def.indexes) store.createIndex(index, path);
			}
		};
		req.onsuccess = () => ok(req.result);
		req.onerror = () => fail(req.error);
	});
	await new Promise<void>((ok, fail) => {
		const tx = db.transaction(['meta', 'outbox'], 'readwrite');
		tx.objectStore('meta').put({ key: 'clientId', value: clientId });
		tx.objectStore('meta').put({ key: 'nextMutationId', value: 2 });
		tx.objectStore('outbox').put({ id: 1, name: 'job.start', args: { jobId: 'job-1' }, at: new Date().toISOString() });
		tx.oncomplete = () => ok();
		tx.onerror = () => fail(tx.error);
	});
	db.close();
}
