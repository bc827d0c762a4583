import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchTablet, type Tablet } from './browser';
import { startApp, type RunningApp } from './app-server';

const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });

const TABLET = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Unique per run, so a row found in the server's database can only come from this test. */
const RUN = Date.now().toString(36);
const NOTE_A = `Klatka zamknięta, klucz u administratora (e2e ${RUN}-a)`;
const NOTE_B = `Licznik za szafką, potrzebna latarka (e2e ${RUN}-b)`;
const NOTE_C = `Dopisane po wygaśnięciu sesji (e2e ${RUN}-c)`;

/**
 * A day in a basement: the fitter signs in with signal, loses it, keeps working, closes the app,
 * opens it again still without signal, and finally comes back up — the work reaches the server
 * exactly once. The steps share one browser profile, like one tablet.
 */
describe('offline: work done without a network reaches the server once', () => {
	let app: RunningApp;
	let tablet: Tablet;
	let context: BrowserContext;
	let page: Page;
	let jobId: string;
	/** Quoted when a step fails: service worker and IndexedDB problems show up only in the console. */
	const consoleLines: string[] = [];

	const follow = (p: Page) => tablet.follow(p);

	const header = () => page.getByRole('status', { name: 'Stan połączenia' });
	// Visible ones: yesterday's few unfinished jobs are folded away under one line.
	const jobLinks = () => page.locator('a[href^="/app/job/"]:visible');

	function serverDb() {
		return new Database(app.databasePath, { readonly: true, fileMustExist: true });
	}

	beforeAll(async () => {
		app = await startApp();
		tablet = await launchTablet({ name: 'offline', viewport: TABLET, consoleLines });
		({ context, page } = tablet);
	});
	afterAll(async () => {
		await tablet?.close();
		await app?.stop();
	});

	it('signs in online and lists the jobs', async () => {
		await page.goto(`${app.url}/app`);
		await page.getByLabel('Login').fill('monter1');
		await page.getByLabel('Hasło', { exact: true }).fill('monter-demo');
		await page.getByRole('button', { name: 'Zaloguj się' }).click();
		await page.getByRole('heading', { name: 'Najbliższe zlecenia' }).waitFor();
		await jobLinks().first().waitFor();
		await expect.poll(() => header().innerText()).toContain('Wszystko wysłane');
	});

	it('gets the service worker in control of the page', async () => {
		const controlled = () => page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
		try {
			await controlled();
		} catch {
			// The first install claims the page itself; a reload is the fallback a fitter would do.
			await page.reload();
			try {
				await controlled();
			} catch (err) {
				throw new Error(`no service worker controls /app:\n${consoleLines.join('\n')}`, { cause: err });
			}
		}
	});

	it('reloads offline from the service worker and still lists the jobs', async () => {
		await context.setOffline(true);
		const res = await page.reload();
		expect(res?.fromServiceWorker()).toBe(true);
		await page.getByRole('heading', { name: 'Najbliższe zlecenia' }).waitFor();
		await jobLinks().first().waitFor();
		await expect.poll(() => header().innerText()).toContain('Brak sieci');
		await page.screenshot({ path: join(shots, 'sync-offline.png') });
	});

	it('opens a job, starts it and adds two notes while offline', async () => {
		const card = jobLinks().filter({ hasText: 'Zaplanowane' }).first();
		const href = (await card.getAttribute('href'))!;
		jobId = decodeURIComponent(href.replace('/app/job/', ''));
		await card.click();
		await page.waitForURL(`**${href}`);
		await page.getByRole('link', { name: 'Wróć do listy zleceń' }).waitFor();

		await page.getByRole('button', { name: 'Rozpocznij pracę' }).click();
		await page.getByText('Kolejne kroki wymiany').waitFor();
		// The label keeps "W" with its word by a no-break space (Polish typesetting).
		await expect.poll(() => page.locator('.job-head').innerText()).toMatch(/W\strakcie/);

		// An empty note is refused by the same schema the server uses, with the reason at the field.
		await page.getByRole('button', { name: 'Dodaj notatkę' }).click();
		await page.getByText('Wpisz treść notatki.').waitFor();
		expect(await page.getByLabel('Treść notatki').getAttribute('aria-invalid')).toBe('true');

		for (const text of [NOTE_A, NOTE_B]) {
			await page.getByLabel('Treść notatki').fill(text);
			await page.getByRole('button', { name: 'Dodaj notatkę' }).click();
			await page.locator('.note', { hasText: text }).getByText('czeka na wysłanie').waitFor();
		}
		expect(await page.getByLabel('Treść notatki').inputValue()).toBe('');
		await expect.poll(() => header().innerText()).toContain('3 zmiany czekają na wysłanie');
		await page.screenshot({ path: join(shots, 'sync-pending-offline.png') });
		await page.screenshot({ path: join(shots, 'job-screen-1280.png'), fullPage: true });

		await page.setViewportSize(PHONE);
		await page.screenshot({ path: join(shots, 'job-screen-390.png'), fullPage: true });
		await page.setViewportSize(TABLET);
	});

	it('keeps the work after the app is closed and opened again without a network', async () => {
		await page.close();
		page = follow(await context.newPage());
		const res = await page.goto(`${app.url}/app`);
		expect(res?.fromServiceWorker()).toBe(true);
		await jobLinks().first().waitFor();
		await expect.poll(() => header().innerText()).toContain('3 zmiany czekają na wysłanie');

		await page.locator(`a[href="/app/job/${encodeURIComponent(jobId)}"]`).click();
		for (const text of [NOTE_A, NOTE_B]) {
			await page.locator('.note', { hasText: text }).getByText('czeka na wysłanie').waitFor();
		}
		await page.getByText('Kolejne kroki wymiany').waitFor();
	});

	it('sends everything when the network returns', async () => {
		await context.setOffline(false);
		await expect.poll(() => header().innerText(), { timeout: 30_000 }).toContain('Wszystko wysłane');
		await expect.poll(() => page.getByText('czeka na wysłanie').count()).toBe(0);
		await page.screenshot({ path: join(shots, 'sync-done.png') });
	});

	it('stored each change on the server exactly once', async () => {
		const clientId = await page.evaluate(readClientId);
		const db = serverDb();
		try {
			for (const text of [NOTE_A, NOTE_B]) {
				const rows = db.prepare('select job_id from job_notes where text = ?').all(text) as { job_id: string }[];
				expect(rows, text).toEqual([{ job_id: jobId }]);
			}
			const job = db.prepare('select status from jobs where id = ?').get(jobId) as { status: string };
			expect(job.status).toBe('in_progress');
			const log = db
				.prepare('select mutation_id, name, status from mutation_log where client_id = ? order by mutation_id')
				.all(clientId) as { mutation_id: number; name: string; status: string }[];
			expect(log.map((r) => r.name)).toEqual(['job.start', 'job.note', 'job.note']);
			expect(log.every((r) => r.status === 'applied')).toBe(true);
		} finally {
			db.close();
		}
	});

	it('keeps a change made after the session expired until the fitter signs in again', async () => {
		await context.clearCookies();
		await page.getByLabel('Treść notatki').fill(NOTE_C);
		await page.getByRole('button', { name: 'Dodaj notatkę' }).click();
		await expect.poll(() => header().innerText(), { timeout: 15_000 }).toContain('Sesja wygasła');
		await page.screenshot({ path: join(shots, 'sync-sign-in-required.png') });

		await page.getByRole('link', { name: 'Wróć do listy zleceń' }).click();
		await page.getByRole('heading', { name: 'Logowanie montera' }).waitFor();
		await page.getByLabel('Login').fill('monter1');
		await page.getByLabel('Hasło', { exact: true }).fill('monter-demo');
		await page.getByRole('button', { name: 'Zaloguj się' }).click();
		await expect.poll(() => header().innerText(), { timeout: 30_000 }).toContain('Wszystko wysłane');

		const db = serverDb();
		try {
			expect(db.prepare('select count(*) as n from job_notes where text = ?').get(NOTE_C)).toEqual({ n: 1 });
		} finally {
			db.close();
		}
	});
});

/** Runs in the page: the device's client id from the signed-in fitter's database. */
async function readClientId(): Promise<string> {
	const me = JSON.parse(localStorage.getItem('wymiana:fitter') ?? 'null') as { user: { id: string } } | null;
	if (!me) throw new Error('no fitter remembered on this device');
	const db = await new Promise<IDBDatabase>((ok, fail) => {
		const req = indexedDB.open(`wymiana-${me.user.id}`);
		req.onsuccess = () => ok(req.result);
		req.onerror = () => fail(req.error);
	});
	try {
		return await new Promise<string>((ok, fail) => {
			const req = db.transaction('meta').objectStore('meta').get('clientId');
			req.onsuccess = () => ok((req.result as { value: string }).value);
			req.onerror = () => fail(req.error);
		});
	} finally {
		db.close();
	}
}
