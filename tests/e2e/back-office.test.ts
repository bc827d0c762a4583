import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PNG } from 'pngjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumPath } from './browser';
import { startApp, type RunningApp } from './app-server';
import { enrolOnPlan, submitSignIn } from './sign-in';

const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });
const DESKTOP = { width: 1440, height: 900 };

describe('back office: workers, warehouse, audit (admin at 1440×900) and the tablet’s stock', () => {
	let app: RunningApp;
	let browser: Browser;
	let p: Page;
	const tmp = mkdtempSync(join(tmpdir(), 'wymiana-office-e2e-'));
	let badge = '';

	beforeAll(async () => {
		app = await startApp();
		browser = await chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_ARGS });
		const context = await browser.newContext({ viewport: DESKTOP, locale: 'pl-PL', timezoneId: 'Europe/Warsaw', acceptDownloads: true });
		p = await context.newPage();
		await enrolOnPlan(p, app.url, 'admin', 'admin-demo');
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	const shot = (name: string, page = p) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
	const verifyStatus = async (number: string) => {
		const html = await (await fetch(`${app.url}/verify?badge=${encodeURIComponent(number)}`)).text();
		return /data-status="(\w+)"/.exec(html)?.[1] ?? 'none';
	};

	it('creates a fitter with a portrait and a badge, then suspends the badge: /verify says so', async () => {
		await p.getByRole('link', { name: 'Pracownicy' }).click();
		await p.getByRole('heading', { name: 'Pracownicy i identyfikatory' }).waitFor();
		await p.getByRole('button', { name: 'Nowe konto' }).click();
		await p.getByLabel('Imię').fill('Zofia');
		await p.getByLabel('Nazwisko').fill('Testowa');
		await p.getByLabel('Firma').fill('Energo-Montaż Sp. z o.o.');
		await p.getByLabel('Ekipa').selectOption({ label: 'Ekipa 2' });
		await p.getByLabel('Ważny do').fill('2020-01-01');
		await p.getByLabel('Login', { exact: true }).fill('zofia.testowa');
		await p.getByLabel('Hasło początkowe').fill('hasło-startowe-123');
		await p.getByRole('button', { name: 'Utwórz konto' }).click();
		// An expiry in the past is refused on its field, and nothing is created.
		await p.getByText('Data ważności nie może być w przeszłości.').waitFor();
		const conn = new Database(app.databasePath, { fileMustExist: true });
		expect(conn.prepare("select count(*) n from users where login = 'zofia.testowa'").get()).toEqual({ n: 0 });
		conn.close();
		const nextYear = `${new Date().getFullYear() + 1}-12-31`;
		await p.getByLabel('Ważny do').fill(nextYear);
		await p.getByRole('button', { name: 'Utwórz konto' }).click();
		await p.getByRole('heading', { name: 'Zofia Testowa' }).waitFor();
		badge = (await p.locator('.big-number').innerText()).trim();
		expect(badge).toMatch(/^[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}$/);
		expect(await verifyStatus(badge)).toBe('valid');

		const image = new PNG({ width: 600, height: 800 });
		for (let i = 0; i < image.data.length; i += 4) image.data.set([90, 130, (i / 4) % 255, 255], i);
		const portrait = join(tmp, 'portret.png');
		writeFileSync(portrait, PNG.sync.write(image));
		await p.getByLabel('Zdjęcie na identyfikator (JPEG lub PNG)').setInputFiles(portrait);
		await p.getByText('Zdjęcie zapisane.').waitFor();
		await p.locator('.badge-card img').waitFor();
		// Not an image: refused with a clear message.
		const fake = join(tmp, 'nie-zdjecie.png');
		writeFileSync(fake, 'to nie jest obraz');
		await p.getByLabel('Zdjęcie na identyfikator (JPEG lub PNG)').setInputFiles(fake);
		await p.getByText('To nie jest zdjęcie JPEG ani PNG.').waitFor();

		await p.getByLabel('Powód').fill('postępowanie wyjaśniające');
		await p.getByRole('button', { name: 'Zawieś' }).click();
		await p.getByText('Identyfikator zawieszony.').waitFor();
		expect(await verifyStatus(badge)).toBe('suspended');
		await shot('office-workers-1440');
	});

	it('revokes and reissues: the old number reads as revoked, the new one as valid', async () => {
		await p.getByRole('button', { name: 'Przywróć' }).click();
		await p.getByText('Identyfikator znów ważny.').waitFor();
		await p.getByLabel('Powód').fill('zgubiony identyfikator');
		await p.getByRole('button', { name: 'Wydaj nowy numer' }).click();
		await p.getByText('Wydano nowy numer identyfikatora.').waitFor();
		const renewed = (await p.locator('.big-number').innerText()).trim();
		expect(renewed).not.toBe(badge);
		expect(await verifyStatus(badge)).toBe('revoked');
		expect(await verifyStatus(renewed)).toBe('valid');
	});

	it('receives a delivery, refusing a repeated serial line by line, then issues to a fitter', async () => {
		await p.getByRole('link', { name: 'Magazyn' }).click();
		await p.getByRole('heading', { name: 'Magazyn: liczniki LZO i plomby' }).waitFor();
		await p.getByLabel('Numer dokumentu dostawy (WZ)').fill('WZ 77/2026');
		await p.getByLabel('Numery seryjne (skanuj po kolei)').fill('2599000001\n2599000002\n2599000001');
		await p.getByLabel('Plomby od').first().fill('PL500000');
		await p.getByLabel('Plomby do').first().fill('PL500049');
		await p.getByRole('button', { name: 'Przyjmij dostawę' }).click();
		await p.getByText(/Wiersz 3: Numer 2599000001 powtarza się/).waitFor();
		const conn = new Database(app.databasePath, { fileMustExist: true });
		expect(conn.prepare("select count(*) n from meters where serial like '2599%'").get()).toEqual({ n: 0 });
		conn.close();
		await p.getByLabel('Numery seryjne (skanuj po kolei)').fill('2599000001\n2599000002\n2599000003');
		await p.getByRole('button', { name: 'Przyjmij dostawę' }).click();
		await p.getByText('Przyjęto: liczniki 3, plomby 50.').waitFor();

		await p.getByLabel('Monter', { exact: true }).selectOption({ label: 'Jan Kowalczyk' });
		await p.getByLabel('Numery liczników (skanuj przy biurku)').fill('2599000001\n2599000002');
		await p.getByLabel('Plomby od').nth(1).fill('PL500000');
		await p.getByLabel('Plomby do').nth(1).fill('PL500009');
		await p.getByRole('button', { name: 'Wydaj monterowi' }).click();
		await p.getByText('Wydano: liczniki 2, plomby 10.').waitFor();
		const recon = p.locator('section[aria-labelledby="recon-heading"] tbody tr', { hasText: 'Jan Kowalczyk' });
		// Demo stock (40 meters, 100 seals issued today) plus this issue; the table reloads after the issue.
		await expect.poll(async () => (await recon.innerText()).replace(/\s+/g, ' '), { timeout: 15_000 }).toContain('0 42 0 0 42 0 110 0 0 110');
		await shot('office-stock-1440');
	});

	it('shows each step in the audit log with before → after, filterable by action', async () => {
		await p.getByRole('link', { name: 'Dziennik zdarzeń' }).click();
		await p.getByRole('heading', { name: 'Dziennik zdarzeń' }).first().waitFor();
		await p.locator('tbody tr', { hasText: 'badge-reissue' }).first().waitFor();
		for (const action of ['account-create', 'portrait-set', 'badge-suspend', 'badge-reinstate', 'badge-reissue', 'delivery-receive', 'stock-issue']) {
			expect(await p.locator('tbody tr', { hasText: action }).count(), action).toBeGreaterThan(0);
		}
		expect(await p.locator('tbody tr', { hasText: 'badge-suspend' }).innerText()).toContain('status: active → suspended');
		await p.getByLabel('Działanie').selectOption('badge-reissue');
		await p.getByRole('button', { name: 'Pokaż' }).click();
		await expect.poll(() => p.locator('tbody tr').count()).toBe(1);
		expect(await p.locator('tbody tr').innerText()).toContain(`badge_number: ${badge} →`);
		await p.getByLabel('Działanie').selectOption('');
		await p.getByRole('button', { name: 'Pokaż' }).click();
		await p.locator('tbody tr', { hasText: 'stock-issue' }).first().waitFor();
		await shot('office-audit-1440');
	});

	it('shows the fitter’s meters and seals on the tablet, searchable, at 1280×800 and 800×1280', async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'pl-PL', timezoneId: 'Europe/Warsaw' });
		const tablet = await context.newPage();
		await tablet.goto(`${app.url}/app`);
		await submitSignIn(tablet, 'monter1', 'monter-demo');
		await tablet.getByRole('heading', { name: 'Najbliższe zlecenia' }).waitFor();
		await tablet.getByRole('link', { name: 'Mój stan magazynowy' }).click();
		await tablet.getByRole('heading', { name: 'Mój stan: liczniki i plomby' }).waitFor();
		await tablet.getByText('Na Twoim stanie: liczniki 42, plomby 110.', { exact: false }).waitFor();
		await shot('tablet-stock-1280', tablet);
		await tablet.getByLabel('Szukaj numeru licznika lub plomby').fill('2599000002');
		await expect.poll(() => tablet.locator('ul.items li .serial').allInnerTexts()).toEqual(['2599000002']);
		await tablet.getByLabel('Szukaj numeru licznika lub plomby').fill('PL50000');
		await expect.poll(() => tablet.locator('ul.items.seals li').count()).toBe(10);
		await tablet.getByLabel('Szukaj numeru licznika lub plomby').fill('');
		await tablet.setViewportSize({ width: 800, height: 1280 });
		await shot('tablet-stock-800', tablet);
		await context.close();
	});
});
