import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesystemBlobStore } from '$server/blobs/blob-store';
import { registersFor, type TariffGroup } from '../../src/lib/domain/tariff';
import { fromBase64, parseTelegram } from '../../src/lib/optical/iec62056';
import { householdLines, type MeterConfig } from '../support/meter-simulator';
import { CHROMIUM_ARGS, chromiumPath, launchTablet, untilServiceWorkerControls, type Tablet } from './browser';
import { startApp, type RunningApp } from './app-server';
import { signInFitter, submitSignIn } from './sign-in';
import { formatDecimalIn } from '$lib/domain/format';

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
	/** A new LZO on the fitter's stock. */
	stockSerial: string;
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
	let tablet: Tablet;
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
	/** The new LZO as its optical port answers: its serial and zero registers. */
	const newMeterConfig = (): MeterConfig => ({
		manufacturer: 'APA', baudChar: '5', identification: 'LZO-1PH', echo: false, wire: 'real',
		lines: householdLines({ serial: target.stockSerial, registers: Object.fromEntries(registersFor(target.tariff, target.prosumer).map((r) => [r, '0.000'])), extra: 4 })
	});
	/** The scanner's manual entry (always available): the fake probe gives no camera. */
	const typeCode = async (action: string, kind: string, value: string) => {
		await page.getByRole('button', { name: action }).click();
		await page.getByRole('button', { name: 'Wpisz ręcznie' }).click();
		await page.getByLabel(`${kind} — wpisz z tabliczki`).fill(value);
		await page.getByRole('button', { name: 'Zatwierdź' }).click();
	};
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
			const stock = db.prepare(`select m.serial from meters m join users u on u.id = m.holder_user_id where u.login = 'monter1' and m.state = 'in_stock' order by m.serial limit 1`).get() as { serial: string };
			target = {
				jobId: String(row.id), otherJobId: String(other.id), serial: String(row.serial), tariff: row.tariff_group as TariffGroup,
				prosumer: row.prosumer === 1, lastReadings: JSON.parse(String(row.last_readings)), seals: JSON.parse(String(row.seal_numbers)), stockSerial: stock.serial
			};
		} finally {
			db.close();
		}
		meterValues = Object.fromEntries(registersFor(target.tariff, target.prosumer).map((r) => [r, advanced(target.lastReadings[r] ?? '0')]));
		tablet = await launchTablet({ name: 'optical', viewport: TABLET, consoleLines });
		({ context, page, profile } = tablet);
		await context.addInitScript({ content: await fakeWebSerialScript() });
	}, 240_000);

	afterAll(async () => {
		await tablet?.close();
		await app?.stop();
	});

	it('signs in online, then loses the network and opens the job’s exchange', async () => {
		await signInFitter(page, app.url);
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

	it('reads the new LZO’s initial registers through the probe too, marked optical', async () => {
		await page.getByRole('button', { name: 'Wyłącz zasilanie' }).click();
		await page.getByRole('button', { name: 'Zasilanie przywrócone' }).click();
		await page.getByRole('heading', { name: 'Nowy licznik (LZO)' }).waitFor();
		await typeCode('Skanuj numer nowego licznika', 'Numer licznika', target.stockSerial);
		await page.getByText(`Na stanie: ${target.stockSerial}`).waitFor();
		await page.getByRole('button', { name: 'Zatwierdź i dalej' }).click();
		const registers = registersFor(target.tariff, target.prosumer);
		await page.locator(`#reg-new-${registers[0]!.replaceAll('.', '\\.')}`).waitFor();
		// The probe is still on the old meter: its registers are not taken for the new one.
		await configure(meterConfig());
		await page.getByRole('button', { name: 'Odczyt przez port optyczny' }).click();
		await page.getByText(`a nie nowy licznik ${target.stockSerial}`).waitFor({ timeout: 30_000 });
		expect(await page.locator(`#reg-new-${registers[0]!.replaceAll('.', '\\.')}`).inputValue()).toBe('');
		await snap(page, 'new-meter-other-meter');
		// The probe now sits on the new meter.
		await configure(newMeterConfig());
		await page.getByRole('button', { name: 'Odczyt przez port optyczny' }).click();
		await page.getByText('Odczytano licznik APA LZO-1PH').waitFor({ timeout: 30_000 });
		for (const r of registers) expect(await page.locator(`#reg-new-${r.replaceAll('.', '\\.')}`).inputValue()).toBe('0');
		expect(await page.locator('.register .chip', { hasText: 'odczyt optyczny' }).count()).toBe(registers.length);
		await snap(page, 'new-meter-readings');
		await page.getByRole('button', { name: 'Zapisz odczyty' }).click();
		await typeCode('Skanuj założoną plombę', 'Numer plomby', 'TD 7000002');
		await page.locator('.applied li', { hasText: 'TD7000002' }).waitFor();
		// A small picture is enough for the new meter's photo here (the exchange test checks compression).
		const photo = Buffer.from(await page.evaluate(async () => {
			const c = document.createElement('canvas');
			c.width = 640;
			c.height = 480;
			const g = c.getContext('2d')!;
			g.fillStyle = '#8a8';
			g.fillRect(0, 0, 640, 480);
			const blob = await new Promise<Blob>((ok) => c.toBlob((b) => ok(b!), 'image/jpeg', 0.9));
			return [...new Uint8Array(await blob.arrayBuffer())];
		}));
		await page.locator('label.take', { hasText: 'Zrób zdjęcie nowego licznika' }).locator('xpath=following-sibling::input[1]').setInputFiles({ name: 'lzo.jpg', mimeType: 'image/jpeg', buffer: photo });
		// The photo does not end the step (a second seal may follow): the fitter moves on.
		await page.getByRole('button', { name: 'Zatwierdź i dalej' }).click();
		await page.getByRole('heading', { name: 'Uruchomienie licznika' }).waitFor({ timeout: 60_000 });
		await page.getByLabel('Stycznik zamknięty').check();
		await page.getByLabel('Napięcie i kolejność faz sprawdzone').check();
		await page.getByRole('button', { name: 'Zgłoś licznik do systemu HES' }).click();
		await page.getByRole('heading', { name: 'Protokół wymiany' }).waitFor();
		await page.getByRole('button', { name: 'Utwórz protokół' }).click();
		await page.getByRole('heading', { name: 'Zakończenie wymiany' }).waitFor({ timeout: 30_000 });
		await page.getByRole('button', { name: 'Zakończ wymianę' }).click();
		await page.getByText('Zlecenie wykonane.').waitFor();
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
			const fresh = db.prepare("select register, value, source, telegram from readings where job_id = ? and meter_role = 'new' order by register").all(target.jobId) as Array<{ register: string; value: string; source: string; telegram: string }>;
			expect(fresh.map((r) => [r.register, Number(r.value), r.source])).toEqual(registersFor(target.tariff, target.prosumer).sort().map((r) => [r, 0, 'optical']));
			for (const r of fresh) expect(parseTelegram(fromBase64(r.telegram)).identification.identification).toBe('LZO-1PH');
			expect(db.prepare("select name, reason_code from mutation_log where status = 'rejected'").all()).toEqual([]);

			// The protocol PDF made on the tablet says which readings came through the optical port.
			const { protocol_sha256: sha } = db.prepare('select protocol_sha256 from exchanges where job_id = ?').get(target.jobId) as { protocol_sha256: string };
			const pdf = (await filesystemBlobStore(process.env.WYMIANA_BLOB_DIR!).read(sha))!;
			const file = join(profile, 'protocol.pdf');
			writeFileSync(file, pdf);
			const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
			// Readings print as Poles write them (38 680,9 kWh; the group separator may be a no-break space).
			const optical = text.split('\n').map((l) => l.replace(/[\u00a0\u202f]/g, ' ')).filter((l) => l.includes('odczyt optyczny'));
			// Every register of both meters, each on its own line with its value.
			expect(optical).toHaveLength(2 * registersFor(target.tariff, target.prosumer).length);
			for (const r of registersFor(target.tariff, target.prosumer)) {
				expect(optical.some((l) => l.includes(r) && l.includes(`${formatDecimalIn('pl', meterValues[r]!).replace(/[\u00a0\u202f]/g, ' ')} kWh`))).toBe(true);
				expect(optical.some((l) => l.includes(r) && /\s0(,0+)? kWh · odczyt optyczny/.test(l))).toBe(true);
			}
		} finally {
			db.close();
		}
	});

	it('does not offer the optical read where the browser has no Web Serial, except the demo mode’s simulator', async () => {
		const db = serverDb();
		const otherSerial = (db.prepare("select m.serial from jobs j join meters m on m.meter_point_id = j.meter_point_id and m.state = 'installed' where j.id = ?").get(target.otherJobId) as { serial: string }).serial;
		db.close();
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

			// Demo mode (a demo account): the diagnostics screen offers the meter simulator instead.
			await p.goto(`${app.url}/app/diagnostics`);
			await p.getByRole('heading', { name: 'Symulator licznika (tryb demonstracyjny)' }).waitFor();
			await p.getByLabel('Numer seryjny licznika na sondzie').fill('12 34');
			await p.getByRole('button', { name: 'Włącz symulator' }).click();
			await p.getByText('Numer seryjny: od 1 do 16 cyfr lub liter, bez spacji.').waitFor();
			await p.getByLabel('Numer seryjny licznika na sondzie').fill(otherSerial);
			await p.getByRole('button', { name: 'Włącz symulator' }).click();
			await p.getByText('Symulator włączony').waitFor();
			await snap(p, 'demo-simulator');
			// Into the job without reloading the page (the simulator lasts until a reload).
			await p.getByRole('link', { name: /Wróć do zleceń/ }).click();
			await p.locator(`a[href="/app/job/${encodeURIComponent(target.otherJobId)}"]`).first().click();
			await p.getByRole('link', { name: 'Przejdź do wymiany' }).click();
			await p.getByRole('button', { name: 'Odczyt przez port optyczny' }).click();
			await p.getByText(`Zgodny: ${otherSerial}`).waitFor({ timeout: 30_000 });
			await snap(p, 'demo-simulator-read');
		} finally {
			await browser?.close();
		}
	});
});
