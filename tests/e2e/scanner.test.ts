import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderBarcode } from '../support/barcodes';
import { writeFakeCameraVideo } from '../support/fake-camera';
import { CHROMIUM_ARGS, chromiumPath } from './browser';
import { startApp, type RunningApp } from './app-server';

const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });

const TABLET = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SERIAL = '2412345678';

/** Records every camera stream the page opens, so the test can see them stopped. */
const RECORD_STREAMS = () => {
	const w = window as unknown as { __streams: MediaStream[]; __asked: number };
	w.__streams = [];
	w.__asked = 0;
	const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
	navigator.mediaDevices.getUserMedia = async (constraints) => {
		w.__asked++;
		const stream = await original(constraints);
		w.__streams.push(stream);
		return stream;
	};
};

/**
 * The scanner in Chromium with a fake rear camera that films a meter label (a Code 128 serial
 * rendered by the test), on the fitter's "Scanner test" screen (/app/scan-check).
 */
describe('scanner: reads a meter serial from the camera', () => {
	let app: RunningApp;
	let browser: Browser;
	let dir: string;
	const consoleLines: string[] = [];
	const requests: string[] = [];

	async function open(context: BrowserContext): Promise<Page> {
		await context.addInitScript(RECORD_STREAMS);
		const page = await context.newPage();
		page.on('console', (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
		page.on('pageerror', (err) => consoleLines.push(`pageerror: ${err.message}`));
		page.on('request', (req) => requests.push(req.url()));
		await page.goto(`${app.url}/app/scan-check`);
		await page.getByRole('heading', { name: 'Test skanera' }).waitFor();
		return page;
	}

	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'wymiana-scan-e2e-'));
		const label = await renderBarcode('CODE_128', SERIAL, { scale: 4, height: 15, margin: 40 });
		const video = writeFakeCameraVideo(join(dir, 'meter-label.y4m'), label, { width: 1280, height: 720, frames: 6 });
		app = await startApp();
		browser = await chromium.launch({
			executablePath: chromiumPath()!,
			args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]
		});
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	it('reads the serial, hands it to the screen and switches the camera off', async () => {
		const context = await browser.newContext({ viewport: TABLET, locale: 'pl-PL', permissions: ['camera'] });
		const page = await open(context);
		try {
			await page.getByRole('button', { name: 'Uruchom test skanera' }).click();
			await page.getByText(`Odczytano ${SERIAL} (CODE_128, aparat)`).waitFor({ timeout: 20_000 });
			const tracks = await page.evaluate(() =>
				(window as unknown as { __streams: MediaStream[] }).__streams.flatMap((s) => s.getTracks().map((t) => t.readyState))
			);
			expect(tracks.length).toBeGreaterThan(0);
			expect(tracks.every((state) => state === 'ended')).toBe(true);
			// The decoder's WebAssembly came from this server, never from a CDN.
			expect(requests.some((u) => u.startsWith(app.url) && u.endsWith('.wasm'))).toBe(true);
			expect(requests.filter((u) => !u.startsWith(app.url) && !u.startsWith('data:') && !u.startsWith('blob:'))).toEqual([]);
			// …and the service worker keeps it, with the decoder worker, for scanning without signal.
			const precached = await page.evaluate(async () => {
				await navigator.serviceWorker.ready;
				const urls: string[] = [];
				for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
				return urls;
			});
			expect(precached.some((u) => u.endsWith('.wasm'))).toBe(true);
			expect(precached.some((u) => /decoder\.worker-[^/]+\.js$/.test(u))).toBe(true);
		} catch (err) {
			throw new Error(`${String(err)}\n--- console ---\n${consoleLines.join('\n')}`);
		} finally {
			await context.close();
		}
	});

	it('refuses a serial where a seal is expected, in words, and keeps scanning; typing works', async () => {
		const context = await browser.newContext({ viewport: TABLET, locale: 'pl-PL', permissions: ['camera'] });
		const page = await open(context);
		try {
			await page.getByLabel('Numer plomby').check();
			await page.getByRole('button', { name: 'Uruchom test skanera' }).click();
			await page.getByText('To jest numer licznika, a nie numer plomby.').waitFor({ timeout: 20_000 });
			// Still scanning: the camera view and the aiming frame stay, nothing was handed over.
			expect(await page.locator('video').isVisible()).toBe(true);
			expect(await page.getByText(/^Odczytano/).count()).toBe(0);
			await page.screenshot({ path: join(shots, 'scanner-wrong-kind-1280.png') });
			// The way out to typing stays on screen on a phone too, without scrolling.
			await page.setViewportSize(PHONE);
			await page.getByText('To jest numer licznika, a nie numer plomby.').waitFor();
			expect(await page.getByRole('button', { name: 'Wpisz ręcznie' }).isVisible()).toBe(true);
			const manualBox = await page.getByRole('button', { name: 'Wpisz ręcznie' }).boundingBox();
			expect(manualBox!.y + manualBox!.height).toBeLessThanOrEqual(PHONE.height);
			expect(manualBox!.height).toBeGreaterThanOrEqual(48);
			await page.screenshot({ path: join(shots, 'scanner-wrong-kind-390.png') });
			await page.setViewportSize(TABLET);

			await page.getByRole('button', { name: 'Wpisz ręcznie' }).click();
			const field = page.getByLabel('Numer plomby — wpisz z tabliczki');
			await field.fill(SERIAL);
			await page.getByRole('button', { name: 'Zatwierdź' }).click();
			await page.getByText('To jest numer licznika, a nie numer plomby.').waitFor();
			await page.screenshot({ path: join(shots, 'scanner-manual-1280.png') });
			await field.fill('td-123 4567');
			await page.getByRole('button', { name: 'Zatwierdź' }).click();
			await page.getByText('Odczytano TD1234567 (MANUAL, wpisane ręcznie)').waitFor();
		} catch (err) {
			throw new Error(`${String(err)}\n--- console ---\n${consoleLines.join('\n')}`);
		} finally {
			await context.close();
		}
	});

	it('explains a refused camera, offers typing, and does not ask again at the next scan', async () => {
		// No camera permission granted: headless Chromium refuses the prompt.
		const context = await browser.newContext({ viewport: TABLET, locale: 'pl-PL' });
		const page = await open(context);
		try {
			await page.getByRole('button', { name: 'Uruchom test skanera' }).click();
			await page.getByText('Brak zgody na użycie aparatu.', { exact: false }).waitFor({ timeout: 20_000 });
			const field = page.getByLabel('Numer licznika — wpisz z tabliczki');
			expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
			await page.screenshot({ path: join(shots, 'scanner-camera-denied-1280.png') });
			await page.getByRole('button', { name: 'Anuluj' }).click();
			const askedBefore = await page.evaluate(() => (window as unknown as { __asked: number }).__asked);
			expect(askedBefore).toBe(1);

			await page.getByRole('button', { name: 'Uruchom test skanera' }).click();
			await page.getByText('Brak zgody na użycie aparatu.', { exact: false }).waitFor();
			expect(await page.evaluate(() => (window as unknown as { __asked: number }).__asked)).toBe(1);
			await page.getByRole('button', { name: 'Włącz aparat ponownie' }).waitFor();
		} catch (err) {
			throw new Error(`${String(err)}\n--- console ---\n${consoleLines.join('\n')}`);
		} finally {
			await context.close();
		}
	});
});

/**
 * Issue #18 in the browser, through the real worker: a generated nameplate with the serial and the
 * PPE both in the aiming frame (the PPE is asked for, the serial printed first and larger), and a
 * camera that sees no code at all (the glare/angle hint).
 */
describe('scanner on a meter nameplate', () => {
	let app: RunningApp;
	let dir: string;
	const browsers: Browser[] = [];
	let ppe = '';

	async function scannerWith(video: string, kindLabel: string): Promise<{ page: Page; context: BrowserContext }> {
		const browser = await chromium.launch({
			executablePath: chromiumPath()!,
			args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]
		});
		browsers.push(browser);
		const context = await browser.newContext({ viewport: TABLET, locale: 'pl-PL', permissions: ['camera'] });
		const page = await context.newPage();
		await page.goto(`${app.url}/app/scan-check`);
		await page.getByRole('heading', { name: 'Test skanera' }).waitFor();
		await page.getByLabel(kindLabel).check();
		await page.getByRole('button', { name: 'Uruchom test skanera' }).click();
		return { page, context };
	}

	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'wymiana-scan-label-e2e-'));
		app = await startApp();
	});
	afterAll(async () => {
		for (const b of browsers) await b.close();
		await app?.stop();
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	it('takes the PPE when the serial is printed first and larger on the same plate', async () => {
		const { labelFrame } = await import('../support/meter-label');
		const f = await labelFrame('e2e', 'two-codes', 1, { seed: 4242, ask: 'ppe', serial: '2412345678', ppe: '590543000012345676', otherFirst: true });
		ppe = f.expected;
		const video = writeFakeCameraVideo(join(dir, 'plate.y4m'), f.frame, { width: 1280, height: 720, frames: 6 });
		const { page, context } = await scannerWith(video, 'Numer PPE');
		try {
			await page.getByText(`Odczytano ${ppe}`, { exact: false }).waitFor({ timeout: 30_000 });
			expect(await page.getByText('To jest numer licznika, a nie numer PPE.').count()).toBe(0);
		} finally {
			await context.close();
		}
	});

	it('asks for another angle after a few seconds without any code', async () => {
		const plate = { data: new Uint8ClampedArray(600 * 300).fill(200), width: 600, height: 300 };
		const video = writeFakeCameraVideo(join(dir, 'blank.y4m'), plate, { width: 1280, height: 720, frames: 6 });
		const { page, context } = await scannerWith(video, 'Numer licznika');
		try {
			await page.getByText(/^Nie widać kodu\. Zmień kąt tabletu/).waitFor({ timeout: 30_000 });
			await page.screenshot({ path: join(shots, 'scanner-no-code-hint-1280.png') });
			await page.setViewportSize(PHONE);
			await page.screenshot({ path: join(shots, 'scanner-no-code-hint-390.png') });
			expect(await page.getByRole('button', { name: 'Wpisz ręcznie' }).isVisible()).toBe(true);
		} finally {
			await context.close();
		}
	});
});
