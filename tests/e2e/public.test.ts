import { createPrivateKey, sign } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveCode } from '$lib/domain/live-code';
import { warsawDate } from '$lib/domain/time';
import { CHROMIUM_ARGS, chromiumPath } from './browser';
import { startApp, type RunningApp } from './app-server';
import { enrolOnPlan } from './sign-in';

const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
const AXE = readFileSync(resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');

interface DemoWorker {
	id: string;
	first_name: string;
	last_name: string;
	badge_number: string;
	status: string;
	valid_until: string;
	code_secret: string;
	crew_id: string | null;
}

/**
 * Serious and critical accessibility problems axe-core finds on what the page shows (none is the
 * goal). axe needs timers, which do not run where JavaScript is off, so the same HTML is served
 * again (same URL, same CSS and images) to a page with JavaScript and checked there.
 */
async function axeProblems(p: Page): Promise<string[]> {
	const html = await p.content();
	const url = p.url();
	const context = await p.context().browser()!.newContext({ viewport: p.viewportSize() ?? PHONE, locale: 'pl-PL' });
	const page = await context.newPage();
	await page.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
	await page.goto(url);
	await page.evaluate(`${AXE}\n;0`);
	const result = await page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
		return axe.run(document, { resultTypes: ['violations'] });
	});
	await context.close();
	return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('public pages for residents (phone, built app)', () => {
	let app: RunningApp;
	let browser: Browser;
	let db: SQLite.Database;
	let workers: DemoWorker[];
	const byStatus = (status: string, expired = false) =>
		workers.find((w) => w.status === status && (w.valid_until < warsawDate()) === expired)!;

	beforeAll(async () => {
		app = await startApp();
		browser = await chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_ARGS });
		db = new SQLite(app.databasePath, { readonly: true });
		workers = db.prepare('select * from workers order by created_at, id').all() as DemoWorker[];
	});
	afterAll(async () => {
		db?.close();
		await browser?.close();
		await app?.stop();
	});

	async function phone(opts: { js?: boolean; locale?: string } = {}): Promise<{ context: BrowserContext; p: Page }> {
		const context = await browser.newContext({ viewport: PHONE, locale: opts.locale ?? 'pl-PL', javaScriptEnabled: opts.js ?? false });
		return { context, p: await context.newPage() };
	}

	async function checkBadge(p: Page, badge: string) {
		await p.goto(`${app.url}/verify`);
		await p.getByLabel('Numer identyfikatora').fill(badge);
		await p.getByRole('button', { name: 'Sprawdź' }).click();
		await p.getByRole('heading', { name: 'Wynik sprawdzenia' }).waitFor();
	}

	it('verifies a valid badge without JavaScript: photo, name, status in big words and this minute’s live code', async () => {
		const { context, p } = await phone();
		const valid = byStatus('active');
		const before = Date.now();
		await checkBadge(p, valid.badge_number.toLowerCase());
		const after = Date.now();
		await expect.poll(() => p.locator('.word').innerText()).toBe('WAŻNY');
		await p.getByText(`${valid.first_name} ${valid.last_name}`).waitFor();
		expect(await p.getByRole('img', { name: /Zdjęcie z identyfikatora/ }).evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
		const shown = (await p.locator('.code [aria-hidden]').innerText()).replace(/\s/g, '');
		expect([liveCode(valid.code_secret, before), liveCode(valid.code_secret, after)]).toContain(shown);
		await p.getByText('Prosimy poprosić montera o pokazanie kodu').waitFor();
		await p.getByRole('heading', { name: 'Jak wygląda prawdziwa wizyta montera' }).waitFor();
		await p.screenshot({ path: join(shots, 'verify-valid-390.png'), fullPage: true });
		expect(await axeProblems(p)).toEqual([]);
		// No resident data and no other worker on the page.
		const html = await p.content();
		expect(html).not.toContain('+48');
		for (const w of workers.filter((x) => x.id !== valid.id)) expect(html).not.toContain(w.last_name);
		await context.close();
	});

	it.each([
		['suspended', 'ZAWIESZONY', false],
		['revoked', 'UNIEWAŻNIONY', false],
		['active', 'WYGASŁ', true]
	] as const)('shows a %s badge as %s, with no live code', async (status, word, expired) => {
		const { context, p } = await phone();
		await checkBadge(p, byStatus(status, expired).badge_number);
		await expect.poll(() => p.locator('.word').innerText()).toBe(word);
		expect(await p.locator('.code').count()).toBe(0);
		await p.getByText('Prosimy nie wpuszczać tej osoby i zadzwonić na infolinię.').waitFor();
		await p.screenshot({ path: join(shots, `verify-${word.toLowerCase()}-390.png`), fullPage: true });
		expect(await axeProblems(p)).toEqual([]);
		await context.close();
	});

	it('calls a mistyped number a typo and an unknown one unknown', async () => {
		const { context, p } = await phone();
		const valid = byStatus('active').badge_number.replace(/-/g, '');
		const typo = valid.slice(0, 3) + (valid[3] === 'A' ? 'B' : 'A') + valid.slice(4);
		await checkBadge(p, typo);
		await p.getByText('To nie jest poprawny numer identyfikatora.').waitFor();
		await p.screenshot({ path: join(shots, 'verify-typo-390.png'), fullPage: true });
		expect(await axeProblems(p)).toEqual([]);
		await checkBadge(p, '000-000-000');
		await p.getByText('Nie wydaliśmy identyfikatora o tym numerze.').waitFor();
		await context.close();
	});

	it('answers "is this person scheduled here today" with yes and the window, or no', async () => {
		const valid = byStatus('active');
		const today = warsawDate();
		const here = db
			.prepare(`select b.street, b.number, mp.stairwell from jobs j join meter_points mp on mp.id = j.meter_point_id join buildings b on b.id = mp.building_id
				where j.crew_id = ? and j.planned_date = ? and mp.location = 'stairwell' limit 1`)
			.get(valid.crew_id, today) as { street: string; number: string; stairwell: string } | undefined;
		const { context, p } = await phone();
		await checkBadge(p, valid.badge_number);
		await p.getByRole('link', { name: 'Czy ta osoba ma dziś wizytę pod moim adresem?' }).click();
		await p.getByRole('heading', { name: 'Czy ta osoba ma dziś wizytę pod moim adresem?' }).waitFor();
		if (here) {
			await p.getByLabel('Ulica').fill(here.street.replace('ul. ', ''));
			await p.getByLabel('Numer budynku').fill(here.number);
			await p.getByRole('button', { name: 'Sprawdź adres' }).click();
			await p.getByText('Tak — ta osoba ma dziś wizytę pod tym adresem.').waitFor();
			await p.getByText(/Wizyta zaplanowana dziś w godzinach \d\d:\d\d–\d\d:\d\d/).waitFor();
			await p.screenshot({ path: join(shots, 'verify-address-yes-390.png'), fullPage: true });
		}
		await p.getByLabel('Ulica').fill('Płatkowa');
		await p.getByLabel('Numer budynku').fill('3');
		await p.getByRole('button', { name: 'Sprawdź adres' }).click();
		await p.getByText('Nie — ta osoba nie ma dziś wizyty pod tym adresem.').waitFor();
		const text = await p.locator('.answer').innerText();
		expect(text).not.toMatch(/Orbitalna|Gwiezdna|Satelitarna/); // nothing about the crew's other addresses
		await p.screenshot({ path: join(shots, 'verify-address-no-390.png'), fullPage: true });
		expect(await axeProblems(p)).toEqual([]);
		await context.close();
	});

	it('opens a badge’s signed QR link, reminds to check the address bar, and refuses a tampered one', async () => {
		const valid = byStatus('active');
		const key = db.prepare(`select secret from signing_keys where name = 'badge-ed25519'`).get() as { secret: string };
		const n = valid.badge_number.replace(/-/g, '');
		const privateKey = createPrivateKey({ key: Buffer.from(key.secret, 'base64'), format: 'der', type: 'pkcs8' });
		const token = `1.${n}.${sign(null, Buffer.from(`wymiana-badge:1:${n}`), privateKey).toString('base64url')}`;
		const { context, p } = await phone();
		await p.goto(`${app.url}/v/${token}`);
		await p.getByText('Kod QR na tym identyfikatorze wydał operator.').waitFor();
		await p.getByText(`Na pasku adresu musi być ${new URL(app.url).host}`).waitFor();
		await expect.poll(() => p.locator('.word').innerText()).toBe('WAŻNY');
		await p.screenshot({ path: join(shots, 'qr-valid-390.png'), fullPage: true });
		expect(await axeProblems(p)).toEqual([]);
		const other = byStatus('revoked').badge_number.replace(/-/g, '');
		await p.goto(`${app.url}/v/${token.replace(n, other)}`);
		await p.getByText('Ten kod QR nie pochodzi od operatora.').waitFor();
		expect(await p.locator('.word').count()).toBe(0);
		await p.screenshot({ path: join(shots, 'qr-tampered-390.png'), fullPage: true });
		await context.close();
	});

	it('works with the keyboard alone: tab to the field, type, Enter; the live code counts down with JavaScript', async () => {
		const { context, p } = await phone({ js: true });
		await p.goto(`${app.url}/verify`);
		let reached = false;
		for (let i = 0; i < 15 && !reached; i++) {
			await p.keyboard.press('Tab');
			reached = await p.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name === 'badge');
		}
		expect(reached).toBe(true);
		await p.keyboard.type(byStatus('active').badge_number);
		await p.keyboard.press('Enter');
		await expect.poll(() => p.locator('.word').innerText()).toBe('WAŻNY');
		await p.getByText(/Zmieni się za \d+ s\./).waitFor();
		const focusVisible = await p.evaluate(() => {
			const a = document.querySelector<HTMLAnchorElement>('a.refresh')!;
			a.focus();
			return getComputedStyle(a).outlineStyle !== 'none' || getComputedStyle(a).boxShadow !== 'none';
		});
		expect(focusVisible).toBe(true);
		await context.close();
	});

	it('takes a suspicious-visit report without personal data and gives a number', async () => {
		const { context, p } = await phone();
		await p.goto(`${app.url}/zgloszenie`);
		await p.getByRole('button', { name: 'Wyślij zgłoszenie' }).click(); // HTML validation stops an empty form
		expect(p.url()).toBe(`${app.url}/zgloszenie`);
		await p.getByLabel('Adres, pod którym to się wydarzyło').fill('Orbitalna 2, klatka I');
		await p.getByLabel('Co się wydarzyło?').fill('Mężczyzna w kamizelce prosił o 200 zł za nowy licznik.');
		await p.getByLabel('Numer z identyfikatora (jeśli udało się go odczytać)').fill('000-000-000');
		await p.screenshot({ path: join(shots, 'report-form-390.png'), fullPage: true });
		expect(await axeProblems(p)).toEqual([]);
		await p.getByRole('button', { name: 'Wyślij zgłoszenie' }).click();
		await p.getByRole('heading', { name: 'Dziękujemy — zgłoszenie zostało wysłane' }).waitFor();
		await p.getByText(/Numer zgłoszenia: [0-9A-Z]{4}-[0-9A-Z]{4}/).waitFor();
		await p.screenshot({ path: join(shots, 'report-sent-390.png'), fullPage: true });
		await context.close();
	});

	it('finds a building’s stairwell dates and lets a resident book, move and cancel an in-home visit', async () => {
		const flat = db
			.prepare(`select mp.ppe, mp.flat, b.id as building, b.street, b.number from jobs j join meter_points mp on mp.id = j.meter_point_id
				join buildings b on b.id = mp.building_id where mp.location = 'in_home' and j.status = 'planned' and j.slot_id is not null
				and j.window_start > ? order by j.window_start desc limit 1`)
			.get(new Date(Date.now() + 86_400_000).toISOString()) as { ppe: string; flat: string; building: string; street: string; number: string };
		const { context, p } = await phone();
		await p.goto(`${app.url}/harmonogram`);
		await p.getByLabel('Ulica lub osiedle').fill(flat.street.replace('ul. ', ''));
		await p.getByRole('button', { name: 'Szukaj' }).click();
		await p.getByRole('link', { name: new RegExp(`${flat.street} ${flat.number}\\b`) }).click();
		await p.getByRole('heading', { name: `${flat.street} ${flat.number}` }).waitFor();
		await p.getByText('Klatka I', { exact: true }).waitFor();
		await p.screenshot({ path: join(shots, 'schedule-building-390.png'), fullPage: true });
		expect(await axeProblems(p)).toEqual([]);

		await p.getByRole('link', { name: 'Umów, przenieś lub odwołaj wizytę' }).click();
		await p.getByLabel('Numer mieszkania').fill(flat.flat);
		await p.getByLabel('Ostatnie 6 cyfr kodu PPE').fill('000000');
		await p.getByRole('button', { name: 'Dalej' }).first().click();
		await p.getByText('Nie znaleźliśmy licznika w mieszkaniu o tych danych.').waitFor();
		await p.getByLabel('Numer mieszkania').fill(flat.flat);
		await p.getByLabel('Ostatnie 6 cyfr kodu PPE').fill(flat.ppe.slice(-6));
		await p.screenshot({ path: join(shots, 'booking-identify-390.png'), fullPage: true });
		expect(await axeProblems(p)).toEqual([]);
		await p.getByRole('button', { name: 'Dalej' }).first().click();
		await p.getByRole('heading', { name: 'Umówiona wizyta' }).waitFor();
		expect(await p.locator('main').innerText()).not.toContain(flat.ppe);

		// The planner gave this flat a slot; the resident moves it to the first free one.
		await p.locator('input[name="slot"]').first().check();
		await p.screenshot({ path: join(shots, 'booking-slots-390.png'), fullPage: true });
		expect(await axeProblems(p)).toEqual([]);
		await p.getByRole('button', { name: 'Przenieś wizytę na ten termin' }).click();
		await p.getByText('Wizyta przeniesiona').waitFor();
		const reference = (await p.locator('.reference').innerText()).trim();
		expect(reference).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
		await p.screenshot({ path: join(shots, 'booking-done-390.png'), fullPage: true });
		const job = db.prepare('select j.slot_id, j.window_start, s.starts_at from jobs j join appointment_slots s on s.id = j.slot_id where j.booking_reference = ?').get(reference) as { window_start: string; starts_at: string };
		expect(job.window_start).toBe(job.starts_at);

		// Later, by reference: cancel.
		await p.getByRole('button', { name: 'Zakończ' }).click();
		await p.goto(`${app.url}/harmonogram/wizyta`);
		await p.getByLabel('Numer rezerwacji').fill(reference.toLowerCase());
		await p.getByRole('button', { name: 'Dalej' }).last().click();
		await p.getByRole('link', { name: 'Odwołaj wizytę' }).click();
		await p.getByRole('button', { name: 'Tak, odwołuję wizytę' }).click();
		await p.getByText('Wizyta odwołana').waitFor();
		await p.getByText('Nie ma jeszcze umówionej wizyty.').waitFor();
		expect(db.prepare('select count(*) as n from jobs where booking_reference = ?').get(reference)).toEqual({ n: 0 });
		await context.close();
	});

	it('shows planners the reports newest first and the badge look-up counts', async () => {
		const context = await browser.newContext({ viewport: DESKTOP, locale: 'pl-PL' });
		const p = await context.newPage();
		await enrolOnPlan(p, app.url, 'planista', 'planista-demo');
		await p.getByRole('link', { name: 'Zgłoszenia i identyfikatory' }).click();
		await p.getByRole('heading', { name: 'Zgłoszenia podejrzanych wizyt (najnowsze pierwsze)' }).waitFor();
		await p.getByText('Mężczyzna w kamizelce prosił o 200 zł').waitFor();
		await p.getByText(byStatus('active').badge_number).waitFor();
		await p.screenshot({ path: join(shots, 'planner-reports-1440.png'), fullPage: true });
		expect(await axeProblems(p)).toEqual([]);
		await context.close();
	});
});
