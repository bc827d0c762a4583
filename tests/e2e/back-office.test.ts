import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PNG } from 'pngjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registersFor, type TariffGroup } from '../../src/lib/domain/tariff';
import { imageInfo } from '../../server/workers/portrait';
import { CHROMIUM_ARGS, chromiumPath, untilServiceWorkerControls } from './browser';
import { startApp, type RunningApp } from './app-server';
import { enrolOnPlan, signInFitter, submitSignIn } from './sign-in';

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
		// The form's crew (the batch print above has a crew field of its own).
		await p.locator('section[aria-labelledby="create-heading"]').getByLabel('Ekipa').selectOption({ label: 'Ekipa 2' });
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
		// The admin chooses the crop: drag the photo in the frame, zoom in, then save.
		const frame = p.getByTestId('portrait-crop');
		await frame.waitFor();
		const box = (await frame.boundingBox())!;
		await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
		await p.mouse.down();
		await p.mouse.move(box.x + box.width / 2 + 30, box.y + box.height / 2 + 20, { steps: 5 });
		await p.mouse.up();
		await p.getByLabel('Przybliżenie').fill('1.5');
		await shot('office-portrait-crop-1440');
		await p.getByRole('button', { name: 'Zapisz zdjęcie' }).click();
		await p.getByText('Zdjęcie zapisane.').waitFor();
		await p.locator('.badge-card img').waitFor();
		// What is stored is the 4:5 crop, shrunk to 640 × 800, as the card and /verify show it.
		const src = (await p.locator('.badge-card img').getAttribute('src'))!;
		const stored = new Uint8Array(await (await fetch(`${app.url}${src}`)).arrayBuffer());
		expect(imageInfo(stored)).toEqual({ contentType: 'image/jpeg', width: 640, height: 800 });
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
		// The detail reloads after the change: wait for the new number to replace the old one.
		await expect.poll(async () => (await p.locator('.big-number').innerText()).trim(), { timeout: 15_000 }).not.toBe(badge);
		const renewed = (await p.locator('.big-number').innerText()).trim();
		expect(await verifyStatus(badge)).toBe('revoked');
		expect(await verifyStatus(renewed)).toBe('valid');
		// Someone checks the old number: the planners' watch flags it with the number the worker carries now.
		await p.getByRole('link', { name: 'Zgłoszenia i identyfikatory' }).click();
		const flagged = p.locator('section[aria-labelledby="revoked-heading"] tbody tr', { hasText: badge });
		await flagged.waitFor();
		expect(await flagged.innerText()).toContain(renewed);
		await shot('office-revoked-lookups-1440');
	});

	it('prints the badge cards of a crew as one PDF', async () => {
		await p.getByRole('link', { name: 'Pracownicy' }).click();
		await p.locator('section[aria-labelledby="batch-heading"]').getByLabel('Ekipa').selectOption({ label: 'Ekipa 2' });
		const link = p.getByRole('link', { name: 'Drukuj identyfikatory ekipy' });
		const res = await p.request.get(new URL((await link.getAttribute('href'))!, app.url).href);
		expect([res.status(), res.headers()['content-type']]).toEqual([200, 'application/pdf']);
		const file = join(tmp, 'crew.pdf');
		writeFileSync(file, await res.body());
		const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
		expect(text).toContain('Identyfikatory ekipy Ekipa 2');
		expect(text).toContain('Testowa');
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

	it('fits a meter from the fitter’s stock offline on the tablet; after sync the reconciliation shows it fitted', async () => {
		const conn = new Database(app.databasePath, { readonly: true, fileMustExist: true });
		const job = conn.prepare(`
			select j.id, m.serial, mp.tariff_group, mp.prosumer, m.last_readings, m.seal_numbers
			from jobs j join meter_points mp on mp.id = j.meter_point_id
			join meters m on m.meter_point_id = mp.id and m.state = 'installed'
			join workers w on w.crew_id = j.crew_id join users u on u.worker_id = w.id
			where u.login = 'monter1' and j.status = 'planned' and mp.location = 'in_home'
			order by j.planned_date, j.sequence limit 1`).get() as Record<string, string | number>;
		conn.close();
		const registers = registersFor(job.tariff_group as TariffGroup, job.prosumer === 1);
		const last = JSON.parse(String(job.last_readings)) as Record<string, string>;

		const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'pl-PL', timezoneId: 'Europe/Warsaw' });
		const t = await context.newPage();
		const header = await signInFitter(t, app.url);
		await untilServiceWorkerControls(t);
		await context.setOffline(true);

		const typeCode = async (action: string, kind: string, value: string) => {
			await t.getByRole('button', { name: action }).click();
			// This tablet has no camera: the scanner may fall back to typing by itself.
			const field = t.getByLabel(`${kind} — wpisz z tabliczki`);
			if (!(await field.isVisible())) await t.getByRole('button', { name: 'Wpisz ręcznie' }).click({ timeout: 5000 }).catch(() => undefined);
			await field.fill(value);
			await t.getByRole('button', { name: 'Zatwierdź' }).click();
		};
		const photo = async (label: string, done = t.getByText('Zdjęcie zapisane na tablecie').first()) => {
			const image = new PNG({ width: 800, height: 600 });
			for (let i = 0; i < image.data.length; i += 4) image.data.set([(i / 4) % 200, 120, 80, 255], i);
			const input = t.locator('label.take', { hasText: label }).locator('xpath=following-sibling::input[1]');
			await input.setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: PNG.sync.write(image) });
			await done.waitFor({ timeout: 90_000 });
		};

		await t.goto(`${app.url}/app/job/${encodeURIComponent(String(job.id))}`);
		await t.getByRole('button', { name: 'Rozpocznij pracę' }).click();
		await t.getByRole('link', { name: 'Przejdź do wymiany' }).click();
		await t.getByRole('button', { name: 'Tak, jest na miejscu' }).click();
		await t.getByRole('heading', { name: 'Stary licznik' }).waitFor();
		await typeCode('Skanuj numer starego licznika', 'Numer licznika', String(job.serial));
		await t.getByText(`Zgodny: ${job.serial}`).waitFor();
		await t.getByRole('button', { name: 'Zatwierdź i dalej' }).click();
		await t.getByRole('heading', { name: 'Plomby starego licznika' }).waitFor();
		for (const seal of JSON.parse(String(job.seal_numbers)) as string[]) {
			await t.getByRole('group', { name: `Stan plomby ${seal}` }).getByRole('button', { name: 'Nienaruszona' }).click();
		}
		await t.getByRole('button', { name: 'Zatwierdź i dalej' }).click();
		await t.getByRole('heading', { name: 'Odczyty końcowe' }).waitFor();
		for (const r of registers) await t.locator(`#reg-old-${r.replaceAll('.', '\\.')}`).fill((Number(last[r]) + 10).toFixed(1).replace('.', ','));
		await photo('Zdjęcie wyświetlacza');
		await t.getByRole('button', { name: 'Zapisz odczyty' }).click();
		await t.getByRole('heading', { name: 'Wyłączenie zasilania' }).waitFor();
		await t.getByRole('button', { name: 'Wyłącz zasilanie' }).click();
		await t.getByRole('button', { name: 'Zasilanie przywrócone' }).click();

		// The new LZO is the one the warehouse issued to this fitter at the desk.
		await t.getByRole('heading', { name: 'Nowy licznik (LZO)' }).waitFor();
		await typeCode('Skanuj numer nowego licznika', 'Numer licznika', '2599000001');
		await t.getByText('Na stanie: 2599000001').waitFor();
		await shot('tablet-fit-from-stock-1280', t);
		await t.getByRole('button', { name: 'Zatwierdź i dalej' }).click();
		for (const r of registers) await t.locator(`#reg-new-${r.replaceAll('.', '\\.')}`).fill('0,0');
		await t.getByRole('button', { name: 'Zapisz odczyty' }).click();
		await typeCode('Skanuj założoną plombę', 'Numer plomby', 'PL500000');
		await t.locator('.applied li', { hasText: 'PL500000' }).waitFor();
		// The photo does not end the step (a second seal may follow): the fitter moves on.
		await photo('Zrób zdjęcie nowego licznika');
		await t.getByRole('button', { name: 'Zatwierdź i dalej' }).click();
		await t.getByRole('heading', { name: 'Uruchomienie licznika' }).waitFor();
		await t.getByLabel('Stycznik zamknięty').check();
		await t.getByLabel('Napięcie i kolejność faz sprawdzone').check();
		await t.getByRole('button', { name: 'Zgłoś licznik do systemu HES' }).click();
		await t.getByRole('heading', { name: 'Protokół wymiany' }).waitFor();
		await t.getByLabel('Imię i nazwisko podpisującego').fill('Anna Testowa');
		await t.locator('canvas').scrollIntoViewIfNeeded();
		const pad = (await t.locator('canvas').boundingBox())!;
		await t.mouse.move(pad.x + 40, pad.y + pad.height * 0.6);
		await t.mouse.down();
		for (let i = 1; i <= 20; i++) await t.mouse.move(pad.x + 40 + i * 12, pad.y + pad.height * (0.6 - 0.3 * Math.sin(i / 3)));
		await t.mouse.up();
		await t.getByRole('button', { name: 'Utwórz protokół' }).click();
		await t.getByRole('heading', { name: 'Zakończenie wymiany' }).waitFor({ timeout: 30_000 });
		await t.getByRole('button', { name: 'Zakończ wymianę' }).click();
		await t.getByText('Zlecenie wykonane.').waitFor();

		await context.setOffline(false);
		await expect.poll(() => header.innerText(), { timeout: 60_000 }).toContain('Wszystko wysłane');
		await context.close();
		const after = new Database(app.databasePath, { readonly: true, fileMustExist: true });
		const meter = after.prepare("select state, holder_user_id from meters where serial = '2599000001'").get();
		after.close();
		expect(meter).toEqual({ state: 'installed', holder_user_id: null });

		// The warehouse sees it: issued 42, fitted 1, on hand 41; the old meter is due back.
		await p.getByRole('link', { name: 'Magazyn' }).click();
		const recon = p.locator('section[aria-labelledby="recon-heading"] tbody tr', { hasText: 'Jan Kowalczyk' });
		await expect.poll(async () => (await recon.innerText()).replace(/\s+/g, ' '), { timeout: 15_000 }).toContain('0 42 1 0 41');
		await p.getByText(String(job.serial)).first().waitFor();
		await shot('office-stock-after-fit-1440');
	});
});
