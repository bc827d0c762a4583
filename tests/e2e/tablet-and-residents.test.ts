import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDaysToDate, warsawDate } from '../../src/lib/domain/time';
import { CHROMIUM_ARGS, chromiumPath, launchTablet, untilServiceWorkerControls, type Tablet } from './browser';
import { startApp, type RunningApp } from './app-server';
import { signInFitter } from './sign-in';

const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });
const SIZES = { '1280': { width: 1280, height: 800 }, '800': { width: 800, height: 1280 }, '390': { width: 390, height: 844 } } as const;
const PORTRAIT = SIZES['800'];

/** The operator's facts as a real deployment configures them: a paid line, not the demo number. */
const OPERATOR = { WYMIANA_OPERATOR_NAME: 'Przykładowy Operator S.A.', WYMIANA_HOTLINE: '22 123 45 67' };

async function shootAll(page: Page, name: string, fullPage = true): Promise<void> {
	const before = page.viewportSize();
	for (const [label, size] of Object.entries(SIZES)) {
		await page.setViewportSize(size);
		await page.screenshot({ path: join(shots, `${name}-${label}.png`), fullPage });
	}
	if (before) await page.setViewportSize(before);
}

/**
 * What residents are told (the operator's configured facts, the questions page, without
 * JavaScript) and the friction a fitter hit on the tablet: sign-out refused on a job screen,
 * yesterday's few leftovers folded in portrait.
 */
describe('residents: the operator’s facts and the questions page', () => {
	let app: RunningApp;
	let browser: Browser;
	let page: Page;

	beforeAll(async () => {
		app = await startApp(OPERATOR);
		browser = await chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_ARGS });
		// Residents' pages must work without JavaScript.
		const context = await browser.newContext({ javaScriptEnabled: false, locale: 'pl-PL', timezoneId: 'Europe/Warsaw', viewport: SIZES['390'] });
		page = await context.newPage();
	}, 240_000);

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('answers the residents’ questions at /pytania, server-rendered, with the configured hotline and booking address', async () => {
		const res = await page.goto(`${app.url}/pytania`);
		expect(res?.status()).toBe(200);
		await page.getByRole('heading', { name: 'Najczęstsze pytania o wymianę licznika' }).waitFor();
		const main = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
		for (const fact of [
			'Czy wymiana licznika zmienia moją umowę?',
			'nie wymaga zawarcia nowej umowy',
			'Prawo energetyczne',
			'usługą płatną',
			'samego licznika nie jest wliczana do rachunku',
			'odzież projektu',
			'wM-Bus',
			'nigdy nie prosi o podpisanie nowej umowy',
			'Operator: Przykładowy Operator S.A.'
		])
			expect(main).toContain(fact);
		expect(await page.getByRole('link', { name: 'Sprawdź identyfikator montera' }).getAttribute('href')).toBe('/verify');
		expect(await page.getByRole('link', { name: '22 123 45 67' }).first().getAttribute('href')).toBe('tel:221234567');
		expect(await page.getByRole('link', { name: `${app.url}/harmonogram/wizyta` }).count()).toBe(1);
		// A line configured as paid is never called free, and the demo number is gone.
		expect(main).not.toMatch(/bezpłatn\w* infolini/i);
		expect(main).not.toContain('800 000 000');
		await shootAll(page, 'residents-faq');
	});

	it('links the questions page from the home page and /verify, whose box says a real fitter never asks for a new contract', async () => {
		await page.goto(`${app.url}/`);
		expect(await page.locator('main a[href="/pytania"]').count()).toBeGreaterThanOrEqual(1);
		await shootAll(page, 'residents-home');
		await page.goto(`${app.url}/verify`);
		const box = page.locator('aside.visit');
		await box.getByText('nigdy nie prosi o podpisanie nowej umowy').waitFor();
		expect(await box.locator('a[href="/pytania"]').count()).toBe(1);
		expect(await box.getByRole('link', { name: '22 123 45 67' }).count()).toBe(1);
		expect(await box.locator('.hotline').innerText()).not.toMatch(/bezpłatn/i);
		await shootAll(page, 'residents-verify');
	});
});

describe('tablet: sign-out on a job screen, yesterday’s leftovers in portrait', () => {
	let app: RunningApp;
	let tablet: Tablet;
	let context: BrowserContext;
	let page: Page;
	const consoleLines: string[] = [];
	const header = () => page.getByRole('status', { name: 'Stan połączenia' });

	beforeAll(async () => {
		app = await startApp(OPERATOR);
		// The demo's crew 1 had three visits where nobody opened on the last working day; they are
		// yesterday's here whatever the weekday, and today has planned work.
		const db = new Database(app.databasePath, { fileMustExist: true });
		try {
			const today = warsawDate();
			const crew = (db.prepare("select w.crew_id from workers w join users u on u.worker_id = w.id where u.login = 'monter1'").get() as { crew_id: string }).crew_id;
			const moved = db.prepare("update jobs set planned_date = ? where crew_id = ? and status = 'no_access'").run(addDaysToDate(today, -1), crew);
			expect(moved.changes).toBe(3);
			const first = db.prepare("select min(planned_date) as d from jobs where crew_id = ? and status = 'planned'").get(crew) as { d: string };
			if (first.d !== today) db.prepare("update jobs set planned_date = ? where crew_id = ? and status = 'planned' and planned_date = ?").run(today, crew, first.d);
		} finally {
			db.close();
		}
		tablet = await launchTablet({ name: 'friction', viewport: PORTRAIT, consoleLines });
		({ context, page } = tablet);
	}, 240_000);

	afterAll(async () => {
		await tablet?.close();
		await app?.stop();
	});

	it('folds yesterday’s three unfinished jobs so today’s first job is in the first screen at 800×1280', async () => {
		await signInFitter(page, app.url);
		const folded = page.locator('details.folded');
		await folded.getByText('3 niedokończone zlecenia').waitFor();
		expect(await folded.getAttribute('open')).toBeNull();
		await page.getByRole('heading', { name: /^Dziś,/ }).waitFor();
		const todayFirst = page.locator('section.day').first().locator('a.job-link').first();
		const box = (await todayFirst.boundingBox())!;
		expect(box.y).toBeGreaterThanOrEqual(0);
		expect(box.y + box.height).toBeLessThanOrEqual(PORTRAIT.height);
		await page.screenshot({ path: join(shots, 'tablet-yesterday-folded-800.png') });
		// Unfolded, yesterday's three jobs are there to open.
		await folded.locator('summary').click();
		await expect.poll(() => folded.locator('a.job-link').count()).toBe(3);
		await shootAll(page, 'tablet-yesterday-open');
		await folded.locator('summary').click();
	});

	it('refuses a sign-out on the job and exchange screens with unsent changes, showing why and the export there', async () => {
		await untilServiceWorkerControls(page);
		await context.setOffline(true);
		const card = page.locator('section.day').first().locator('a.job-link').first();
		const href = (await card.getAttribute('href'))!;
		await card.click();
		await page.waitForURL(`**${href}`);
		await page.getByRole('button', { name: 'Rozpocznij pracę' }).click();
		await expect.poll(() => header().innerText()).toContain('czeka na wysłanie');
		await page.getByRole('button', { name: 'Wyloguj się' }).click();
		const refusal = page.getByText('Nie można się wylogować — niewysłane zmiany: 1.');
		await refusal.waitFor();
		const exportLink = page.getByRole('link', { name: 'Eksportuj do pliku' });
		expect(await exportLink.getAttribute('href')).toBe('/app/diagnostics');
		// Drawn where the fitter tapped: in the first screen, not below the job.
		const box = (await exportLink.boundingBox())!;
		expect(box.y + box.height).toBeLessThanOrEqual(PORTRAIT.height);
		await shootAll(page, 'tablet-signout-refused-job', false);
		await page.getByRole('button', { name: 'Zostań zalogowany' }).click();
		expect(await refusal.count()).toBe(0);

		await page.getByRole('link', { name: 'Przejdź do wymiany' }).click();
		await page.getByRole('button', { name: 'Wyloguj się' }).click();
		await page.getByText('Nie można się wylogować — niewysłane zmiany: 1.').waitFor();
		await shootAll(page, 'tablet-signout-refused-exchange', false);
		// Still signed in: nothing on the tablet was dropped.
		expect(await page.getByRole('button', { name: 'Wyloguj się' }).count()).toBe(1);
		await context.setOffline(false);
		await expect.poll(() => header().innerText(), { timeout: 60_000 }).toContain('Wszystko wysłane');
	});
});
