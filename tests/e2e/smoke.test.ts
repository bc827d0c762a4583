import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumPath } from './browser';
import { startApp, type RunningApp } from './app-server';
import { enrolOnPlan, submitSignIn } from './sign-in';

const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });

const TABLET = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

describe('smoke: the app as `npm start` serves it', () => {
	let app: RunningApp;
	let browser: Browser;

	beforeAll(async () => {
		app = await startApp();
		browser = await chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_ARGS });
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	async function page(viewport: { width: number; height: number }, locale = 'pl-PL'): Promise<Page> {
		const context = await browser.newContext({ viewport, locale });
		return context.newPage();
	}

	it('prints the demo accounts at start', () => {
		expect(app.output()).toContain('monter1');
		expect(app.output()).toContain('planista-demo');
	});

	it('signs a demo fitter in on a tablet and shows the coming jobs', async () => {
		const p = await page(TABLET);
		await p.goto(`${app.url}/app`);
		await submitSignIn(p, 'monter1', 'wrong password');
		await expect.poll(() => p.getByText('Nieprawidłowy login lub hasło.').isVisible()).toBe(true);
		await p.screenshot({ path: join(shots, 'fitter-sign-in-error-1280.png') });

		await p.getByLabel('Hasło', { exact: true }).fill('monter-demo');
		await p.getByRole('button', { name: 'Zaloguj się' }).click();
		await p.getByRole('heading', { name: 'Najbliższe zlecenia' }).waitFor();
		// Demo jobs are planned estate by estate; the list names the estate and a stairwell.
		await p.getByText('Osiedle Kosmonautów').first().waitFor();
		expect(await p.locator('html').getAttribute('lang')).toBe('pl');
		await p.screenshot({ path: join(shots, 'fitter-home-1280.png'), fullPage: false });
		await p.context().close();
	});

	it('makes the planner enrol an authenticator, then shows the planner home', async () => {
		const p = await page(DESKTOP);
		await enrolOnPlan(p, app.url, 'planista', 'planista-demo', async (secret) => {
			expect(secret).toMatch(/^[A-Z2-7]{32}$/);
			await p.screenshot({ path: join(shots, 'planner-enrol-1440.png') });
		});
		await p.screenshot({ path: join(shots, 'planner-home-1440.png') });
		await p.context().close();
	});

	it('opens /verify on a phone without JavaScript, in Polish, with the safety advice', async () => {
		const context = await browser.newContext({ viewport: PHONE, locale: 'pl-PL', javaScriptEnabled: false });
		const p = await context.newPage();
		const res = await p.goto(`${app.url}/verify`);
		expect(res?.status()).toBe(200);
		await p.getByRole('heading', { name: 'Sprawdź identyfikator montera' }).waitFor();
		await p.getByLabel('Numer identyfikatora').fill('7K2-M9Q-4TD');
		await p.getByRole('button', { name: 'Sprawdź' }).click();
		await p.getByText('Wpisany numer').waitFor();
		await p.screenshot({ path: join(shots, 'verify-phone-390.png'), fullPage: true });
		await context.close();
	});

	it('answers an unknown address with a 404 page in the visitor’s language', async () => {
		const p = await page(PHONE, 'en-GB');
		const res = await p.goto(`${app.url}/no-such-page`);
		expect(res?.status()).toBe(404);
		expect(await p.locator('html').getAttribute('lang')).toBe('en');
		await p.screenshot({ path: join(shots, 'not-found-en-390.png') });
		await p.context().close();
	});
});
