import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registersFor, type TariffGroup } from '../../src/lib/domain/tariff';
import { fromBase64, parseTelegram } from '../../src/lib/optical/iec62056';
import { householdLines, type MeterConfig } from '../support/meter-simulator';
import { CHROMIUM_ARGS, chromiumPath, untilServiceWorkerControls } from './browser';
import { startApp, type RunningApp } from './app-server';
import { submitSignIn } from './sign-in';

const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });
const TABLET = { width: 1280, height: 800 };
const PORTRAIT = { width: 800, height: 1280 };

/** The fake `navigator.serial` and its simulated meter, bundled for the page. */
async function fakeWebSerialScript(): Promise<string> {
	const entry = resolve(import.meta.dirname, '../support/fake-web-serial.ts');
	const out = await build({ configFile: false, logLevel: 'silent', build: { write: false, minify: false, lib: { entry, formats: ['iife'], name: 'fakeWebSerial', fileName: 'fake-web-serial' } } });
	const bundle = (Array.isArray(out) ? out[0] : out) as { output: Array<{ code?: string }> };
	return bundle.output[0]!.code!;
}

interface Target {
	jobId: string;
	otherJobId: string;
	serial: string;
	tariff: TariffGroup;
	prosumer: boolean;
	lastReadings: Record<string, string>;
	seals: string[];
}

/** kWh + 123.456 as decimal text (what the simulated meter holds now). */
const advanced = (v: string) => (Math.round(Number(v) * 1000) + 123_456).toString().replace(/(\d{3})$/, '.$1');

/**
 * An exchange on the tablet with no network where the old meter's serial and final readings come
 * through an optical probe (a fake Web Serial port with a simulated mode C meter behind it),
 * including a probe pulled out mid-read; then the server must hold the readings with source
 * "optical" and their raw telegram. Without Web Serial the button is not offered.
 */
describe('optical port: old meter read through the probe, offline, then synced', () => {
	let app: RunningApp;
	let profile: string;
	let context: BrowserContext;
	let page: Page;
	let target: Target;
	let meterValues: Record<string, string>;
	const consoleLines: string[] = [];

	const header = () => page.getByRole('status', { name: 'Stan połączenia' });
	const snap = async (p: Page, name: string) => {
		for (const [label, size] of [['1280x800', TABLET], ['800x1280', PORTRAIT]] as const) {
			await p.setViewportSize(size);
			await p.screenshot({ path: join(shots, `optical-${name}-${label}.png`), fullPage: true });
		}
		await p.setViewportSize(TABLET);
	};
	const serverDb = () => new Database(app.databasePath, { readonly: true, fileMustExist: true });
	const meterConfig = (extra: Partial<MeterConfig> = {}): MeterConfig => ({
		manufacturer: 'APA', baudChar: '5', identification: 'CX2X2-120', echo: true, wire: 'real',
		lines: householdLines({ serial: target.serial.padStart(12, '0'), registers: meterValues, extra: 40 }),
		...extra
	});
	const configure = (config: MeterConfig) => page.evaluate((c) => (window as unknown as { __opticalProbe: { configure(c: MeterConfig): void } }).__opticalProbe.configure(c), config);

	beforeAll(async () => {
		app = await startApp({ WYMIANA_HES: 'off' });
		const db = serverDb();
		try {
			const rows = db.prepare(`
				select j.id, m.serial, mp.tariff_group, mp.prosumer, m.last_readings, m.seal_numbers
				from jobs j join meter_points mp on mp.id = j.meter_point_id
				join meters m on m.meter_point_id = mp.id and m.state = 'installed'
				join workers w on w.crew_id = j.crew_id join users u on u.worker_id = w.id
				where u.login = 'monter1' and j.status = 'planned' and mp.location = 'stairwell'
				order by mp.prosumer desc, j.planned_date, j.sequence limit 2`).all() as Record<string, string | number>[];
			const [row, other] = rows as [Record<string, string | number>, Record<string, string | number>];
			target = {
				jobId: String(row.id), otherJobId: String(other.id), serial: String(row.serial), tariff: row.tariff_group as TariffGroup,
				prosumer: row.prosumer === 1, lastReadings: JSON.parse(String(row.last_readings)), seals: JSON.parse(String(row.seal_numbers))
			};
		} finally {
			db.close();
		}
		meterValues = Object.fromEntries(registersFor(target.tariff, target.prosumer).map((r) => [r, advanced(target.lastReadings[r] ?? '0')]));
		profile = mkdtempSync(join(tmpdir(), 'wymiana-optical-profile-'));
		context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath()!, args: CHROMIUM_ARGS, viewport: TABLET, locale: 'pl-PL', timezoneId: 'Europe/Warsaw' });
		await context.addInitScript({ content: await fakeWebSerialScript() });
		page = context.pages()[0] ?? (await context.newPage());
		page.on('console', (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
		page.on('pageerror', (err) => consoleLines.push(`pageerror: ${err.message}`));
	}, 240_000);

	afterAll(async () => {
		await context?.close();
		await app?.stop();
		if (profile) rmSync(profile, { recursive: true, force: true });
	});

	it('signs in online, then loses the network and opens the job’s exchange', async () => {
		await page.goto(`${app.url}/app`);
		await submitSignIn(page, 'monter1', 'monter-demo');
		await page.getByRole('heading', { name: 'Najbliższe zlecenia' }).waitFor();
		await expect.poll(() => header().innerText(), { timeout: 30_000 }).toContain('Wszystko wysłane');
		await untilServiceWorkerControls(page);
		await context.setOffline(true);
		await page.goto(`${app.url}/app/job/${encodeURIComponent(target.jobId)}`);
		await page.getByRole('button', { name: 'Rozpocznij pracę' }).click();
		await page.getByRole('link', { name: 'Przejdź do wymiany' }).click();
		await page.getByRole('heading', { name: 'Stary licznik' }).waitFor();
	});

	it('says so when the probe is pulled out mid-read, and nothing is recorded', async () => {
		await configure(meterConfig({ faults: { unplugAfter: 40 } }));
		await page.getByRole('button', { name: 'Odczyt przez port optyczny' }).click();
		await page.getByText('Sonda została odłączona w trakcie odczytu').waitFor({ timeout: 20_000 });
		await snap(page, 'unplugged');
		// Typing stays possible, and the step has not moved on.
		await page.getByRole('button', { name: 'Skanuj numer starego licznika' }).waitFor();
		expect(await page.getByRole('heading', { name: 'Stary licznik' }).count()).toBe(1);
	});

	it('reads the old meter’s serial through the probe (it is the expected meter)', async () => {
		await configure(meterConfig());
		await page.getByRole('button', { name: 'Odczyt przez port optyczny' }).click();
		await page.getByText(`Zgodny: ${target.serial}`).waitFor({ timeout: 30_000 });
		await snap(page, 'old-meter-read');
		await page.getByRole('button', { name: 'Zatwierdź i dalej' }).click();
		await page.getByRole('heading', { name: 'Plomby starego licznika' }).waitFor();
		for (const seal of target.seals) {
			await page.getByRole('group', { name: `Stan plomby ${seal}` }).getByRole('button', { name: 'Nienaruszona' }).click();
			await expect.poll(() => page.getByRole('group', { name: `Stan plomby ${seal}` }).getByRole('button', { name: 'Nienaruszona' }).getAttribute('aria-pressed')).toBe('true');
		}
		await page.getByRole('button', { name: 'Zatwierdź i dalej' }).click();
	});

	it('fills the tariff group’s final readings from the same readout, marked optical, with no display photo needed', async () => {
		await page.getByRole('heading', { name: 'Odczyty końcowe' }).waitFor();
		const registers = registersFor(target.tariff, target.prosumer);
		for (const r of registers) {
			expect(await page.locator(`#reg-old-${r.replaceAll('.', '\\.')}`).inputValue()).toBe(meterValues[r]!.replace('.', ','));
		}
		expect(await page.locator('.register .chip', { hasText: 'odczyt optyczny' }).count()).toBe(registers.length);
		expect(await page.locator('label.take', { hasText: 'Zdjęcie wyświetlacza' }).count()).toBe(0);
		await snap(page, 'readings-filled');
		// Typing over what the meter gave is a correction: a reason and the display photo are asked for.
		const first = page.locator(`#reg-old-${registers[0]!.replaceAll('.', '\\.')}`);
		await first.fill('1,0');
		await page.getByText('Inna wartość niż z odczytu optycznego').waitFor();
		await page.getByLabel('Powód poprawki odczytu optycznego').waitFor();
		expect(await page.locator('label.take', { hasText: 'Zdjęcie wyświetlacza' }).count()).toBe(1);
		await snap(page, 'readings-corrected');
		await first.fill(meterValues[registers[0]!]!.replace('.', ','));
		await expect.poll(() => page.locator('label.take', { hasText: 'Zdjęcie wyświetlacza' }).count()).toBe(0);
		expect(consoleLines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
		await page.getByRole('button', { name: 'Zapisz odczyty' }).click();
		await page.getByRole('heading', { name: 'Wyłączenie zasilania' }).waitFor();
	});

	it('syncs: the server holds the readings with source "optical" and the raw telegram, checksum intact', async () => {
		await context.setOffline(false);
		await expect
			.poll(() => header().innerText(), { timeout: 60_000 })
			.toContain('Wszystko wysłane')
			.catch((err) => {
				throw new Error(`${(err as Error).message}\n--- browser ---\n${consoleLines.slice(-30).join('\n')}\n--- server ---\n${app.output().slice(-3000)}`, { cause: err });
			});
		const db = serverDb();
		try {
			expect(db.prepare('select old_meter_serial from exchanges where job_id = ?').get(target.jobId)).toEqual({ old_meter_serial: target.serial });
			const rows = db.prepare("select register, value, source, telegram, photo_sha256 from readings where job_id = ? and meter_role = 'old' order by register").all(target.jobId) as Array<{ register: string; value: string; source: string; telegram: string; photo_sha256: string | null }>;
			expect(rows.map((r) => [r.register, r.value, r.source, r.photo_sha256])).toEqual(registersFor(target.tariff, target.prosumer).sort().map((r) => [r, meterValues[r], 'optical', null]));
			for (const r of rows) {
				const t = parseTelegram(fromBase64(r.telegram));
				expect(t.identification.manufacturer).toBe('APA');
				expect(t.values.registers[r.register]).toBe(r.value);
				expect(t.sets.length).toBeGreaterThan(40);
			}
			expect(db.prepare("select name, reason_code from mutation_log where status = 'rejected'").all()).toEqual([]);
		} finally {
			db.close();
		}
	});

	it('does not offer the optical read where the browser has no Web Serial', async () => {
		let browser: Browser | null = null;
		try {
			browser = await chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_ARGS });
			const plain = await browser.newContext({ viewport: TABLET, locale: 'pl-PL', timezoneId: 'Europe/Warsaw' });
			await plain.addInitScript(() => {
				delete (Navigator.prototype as { serial?: unknown }).serial;
			});
			const p = await plain.newPage();
			await p.goto(`${app.url}/app`);
			await submitSignIn(p, 'monter2', 'monter-demo');
			await p.getByRole('heading', { name: 'Najbliższe zlecenia' }).waitFor();
			expect(await p.evaluate(() => 'serial' in navigator)).toBe(false);
			await p.goto(`${app.url}/app/job/${encodeURIComponent(target.otherJobId)}`);
			await p.getByRole('button', { name: 'Rozpocznij pracę' }).click();
			await p.getByRole('link', { name: 'Przejdź do wymiany' }).click();
			await p.getByRole('button', { name: 'Skanuj numer starego licznika' }).waitFor();
			expect(await p.getByRole('button', { name: 'Odczyt przez port optyczny' }).count()).toBe(0);
			await snap(p, 'no-web-serial');
		} finally {
			await browser?.close();
		}
	});
});
