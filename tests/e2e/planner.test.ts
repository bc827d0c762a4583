import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noticeDate } from '$server/notices/notices.service';
import { newId } from '$server/util/ids';
import { addDaysToDate, warsawDate } from '$lib/domain/time';
import { holidaysBetween } from '$server/schedule/calendar';
import { CHROMIUM_ARGS, chromiumPath } from './browser';
import { startApp, type RunningApp } from './app-server';
import { enrolOnPlan } from './sign-in';
import { windows1250 } from '../support/windows-1250';

const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });
const DESKTOP = { width: 1440, height: 900 };
const SAMPLE = resolve(import.meta.dirname, '../../static/samples/punkty-poboru-przyklad.csv');

describe('planner console at 1440×900', () => {
	let app: RunningApp;
	let browser: Browser;
	let p: Page;
	const tmp = mkdtempSync(join(tmpdir(), 'wymiana-planner-e2e-'));

	beforeAll(async () => {
		app = await startApp();
		browser = await chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_ARGS });
		const context = await browser.newContext({ viewport: DESKTOP, locale: 'pl-PL', acceptDownloads: true });
		p = await context.newPage();
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	const db = () => new Database(app.databasePath, { fileMustExist: true });
	const shot = (name: string) => p.screenshot({ path: join(shots, `${name}-1440.png`) });

	it('refuses the planner file endpoints without a planner session', async () => {
		const notices = await fetch(`${app.url}/plan/api/notices/any`);
		expect(notices.status).toBe(401);
		const billing = await fetch(`${app.url}/plan/api/billing?date=2026-01-01&format=csv`);
		expect(billing.status).toBe(401);
		const upload = await fetch(`${app.url}/plan/api/import?mode=commit`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: readFileSync(SAMPLE) });
		expect(upload.status).toBe(401);
		expect(await upload.json()).toEqual({ appCode: 'UNAUTHORIZED' });
	});

	it('signs the planner in with an authenticator code', async () => {
		await enrolOnPlan(p, app.url, 'planista', 'planista-demo');
	});

	it('shows every bad row of a broken file with its row number and reason, and stores nothing', async () => {
		const lines = readFileSync(SAMPLE, 'utf8').trim().split('\n');
		const bad = [lines[0], lines[1]!.replace(/^(\d{17})\d/, (_, a: string) => `${a}${(Number(lines[1]![17]) + 1) % 10}`), lines[2]!.replace(';G11;', ';G99;'), lines[2]!.replace(/^\d+;\d+/, (s) => s.replace(/;\d+$/, ';99999999'))];
		const file = join(tmp, 'zly.csv');
		writeFileSync(file, bad.join('\n'));
		await p.getByRole('link', { name: 'Import' }).click();
		await p.getByRole('heading', { name: 'Import punktów poboru' }).waitFor();
		await p.getByLabel('Plik CSV').setInputFiles(file);
		await p.getByRole('button', { name: 'Sprawdź plik' }).click();
		await p.getByRole('heading', { name: /Błędy w pliku: 3/ }).waitFor();
		const rows = await p.locator('table.errors tbody tr').allInnerTexts();
		expect(rows[0]).toMatch(/^2\s+ppe\s+\d+\s+Błędna cyfra kontrolna PPE/);
		expect(rows[1]).toMatch(/^3\s+grupa_taryfowa\s+G99\s+Nieznana grupa taryfowa/);
		expect(rows[2]).toMatch(/^4\s+ppe\s+.*Ten PPE występuje już w wierszu 3/);
		expect(await p.getByRole('button', { name: 'Importuj' }).isDisabled()).toBe(true);
		await shot('planner-import-errors');
		const conn = db();
		expect(conn.prepare("select count(*) n from estates where name = 'Osiedle Słoneczne Wzgórze'").get()).toEqual({ n: 0 });
		conn.close();
	});

	it('reads a file Excel saved in Windows-1250 with its Polish letters, and warns to check them', async () => {
		const file = join(tmp, 'excel.csv');
		writeFileSync(file, windows1250(readFileSync(SAMPLE, 'utf8')));
		await p.getByLabel('Plik CSV').setInputFiles(file);
		await p.getByRole('button', { name: 'Sprawdź plik' }).click();
		await p.getByRole('heading', { name: 'Plik sprawdzony — bez błędów' }).waitFor();
		await p.getByText(/kodowaniu Windows-1250/).waitFor();
		await p.getByText('Nowe osiedla: Osiedle Słoneczne Wzgórze').waitFor();
		await shot('planner-import-windows-1250');
	});

	it('imports the sample file after a clean dry run', async () => {
		await p.getByLabel('Plik CSV').setInputFiles(SAMPLE);
		await p.getByRole('button', { name: 'Sprawdź plik' }).click();
		await p.getByRole('heading', { name: 'Plik sprawdzony — bez błędów' }).waitFor();
		await p.getByRole('button', { name: 'Importuj' }).click();
		await p.getByRole('heading', { name: 'Zaimportowano' }).waitFor();
		await p.getByRole('cell', { name: 'punkty-poboru-przyklad.csv' }).waitFor();
		await shot('planner-import');
		const conn = db();
		expect(conn.prepare("select count(*) n from meter_points where ppe like '59054399%'").get()).toEqual({ n: 200 });
		conn.close();
	});

	it('plans the unplanned demo estate: preview, then commit', async () => {
		await p.getByRole('link', { name: 'Planowanie' }).click();
		await p.getByRole('heading', { name: 'Planowanie osiedla' }).waitFor();
		const estates = p.locator('fieldset').first();
		await estates.getByText('Osiedle Różanka').waitFor();
		for (const box of await estates.getByRole('checkbox').all()) await box.uncheck();
		await estates.getByRole('checkbox', { name: /Osiedle Różanka/ }).check();
		await p.getByRole('button', { name: 'Pokaż podgląd planu' }).click();
		await p.getByRole('heading', { name: 'Podgląd planu' }).waitFor();
		await shot('planner-plan-preview');
		await p.getByRole('button', { name: 'Zatwierdź plan' }).click();
		await p.getByText(/Plan zatwierdzony: [\d\s]+ zlece(nie|nia|ń),/).waitFor();
		await shot('planner-plan-committed');
		const conn = db();
		const unplanned = conn.prepare(`select count(*) n from meter_points mp join buildings b on b.id = mp.building_id join estates e on e.id = b.estate_id
			where e.name = 'Osiedle Różanka' and not exists (select 1 from jobs j where j.meter_point_id = mp.id and j.status = 'planned')`).get() as { n: number };
		expect(unplanned.n).toBe(0);
		conn.close();
	});

	it('downloads the estate’s stairwell notices as a PDF that shows each stairwell’s date', async () => {
		await p.getByRole('link', { name: 'Osiedla' }).click();
		await p.getByRole('button', { name: 'Osiedle Różanka' }).click();
		await p.getByRole('heading', { name: /Osiedle Różanka, Wrocław/ }).waitFor();
		await p.locator('tbody tr td', { hasText: 'ul. Płatkowa 3' }).first().waitFor();
		await shot('planner-estate');
		const [download] = await Promise.all([p.waitForEvent('download'), p.getByRole('link', { name: 'Ogłoszenia na klatki (PDF)' }).click()]);
		const file = join(tmp, 'ogloszenia.pdf');
		await download.saveAs(file);
		const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
		const conn = db();
		const first = conn.prepare(`select j.planned_date d from jobs j join meter_points mp on mp.id = j.meter_point_id join buildings b on b.id = mp.building_id
			where b.street = 'ul. Płatkowa' and b.number = '3' and mp.stairwell = 'I' and mp.location = 'stairwell' and j.status = 'planned'`).get() as { d: string };
		conn.close();
		expect(text).toContain('Wymiana liczników energii elektrycznej');
		expect(text).toContain('ul. Płatkowa 3, klatka I');
		expect(text).toContain(noticeDate(first.d));
		expect(text).toContain(`${app.url}/verify`);
		expect(text).toMatch(/nigdy nie pobiera opłat/);
		const pages = execFileSync('pdfinfo', [file], { encoding: 'utf8' }).match(/Pages:\s+(\d+)/)![1];
		expect(Number(pages)).toBe(24);
		// The page is rendered too: a notice that cannot be drawn is no notice.
		execFileSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', file, join(shots, 'planner-notice-page')]);
	});

	it('shows the crews’ day as a timeline', async () => {
		const conn = db();
		const day = (conn.prepare(`select min(j.planned_date) d from jobs j join meter_points mp on mp.id = j.meter_point_id join buildings b on b.id = mp.building_id join estates e on e.id = b.estate_id where e.name = 'Osiedle Różanka' and j.status = 'planned' and j.attempt = 1`).get() as { d: string }).d;
		conn.close();
		await p.goto(`${app.url}/plan/timeline?date=${day}`);
		await p.getByRole('heading', { name: 'Plan dnia ekip' }).waitFor();
		await p.locator('.block').first().waitFor();
		await p.locator('.block').first().click();
		await p.getByRole('columnheader', { name: 'PPE' }).waitFor();
		await shot('planner-timeline');

		// Move one job to a working day far ahead, then try one inside the notice period.
		const ppe = await p.locator('.details tbody tr td.mono').first().innerText();
		let target = addDaysToDate(day, 40);
		while ([0, 6].includes(new Date(`${target}T12:00:00Z`).getUTCDay()) || holidaysBetween(target, target).length) target = addDaysToDate(target, 1);
		await p.getByRole('button', { name: 'Przenieś zlecenie' }).first().click();
		await p.getByLabel('Nowy dzień').fill(addDaysToDate(warsawDate(), 1));
		await p.getByRole('button', { name: 'Przenieś', exact: true }).click();
		await p.getByText(/Za krótki termin powiadomienia/).waitFor();
		await shot('planner-move-refused');
		await p.getByLabel('Nowy dzień').fill(target);
		await p.getByRole('button', { name: 'Przenieś', exact: true }).click();
		await expect.poll(() => {
			const c = db();
			const row = c.prepare(`select j.planned_date d from jobs j join meter_points mp on mp.id = j.meter_point_id where mp.ppe = ? and j.status = 'planned'`).get(ppe) as { d: string };
			c.close();
			return row.d;
		}).toBe(target);
	});

	it('shows the dashboard with charts from the field facts', async () => {
		// Facts as the fitters' sync would store them: a few exchanges with outages, one too long.
		const conn = db();
		const jobs = conn.prepare(`select j.id from jobs j where j.status = 'planned' order by j.planned_date, j.sequence limit 6`).all() as Array<{ id: string }>;
		const user = conn.prepare(`select id from users where login = 'monter1'`).get() as { id: string };
		const now = Date.now();
		jobs.forEach((j, i) => {
			const off = new Date(now - (i + 1) * 3_600_000);
			const on = new Date(off.getTime() + [12, 14, 25, 9, 70, 200][i]! * 60_000);
			conn.prepare(`update jobs set status = 'done', started_at = ?, completed_at = ? where id = ?`).run(off.toISOString(), on.toISOString(), j.id);
			conn.prepare(`insert into outages (id, job_id, off_at, on_at, overrun_reason, user_id, created_at) values (?, ?, ?, ?, null, ?, ?)`).run(newId(), j.id, off.toISOString(), on.toISOString(), user.id, off.toISOString());
			conn.prepare(`insert into exchanges (job_id, old_meter_serial, old_meter_mismatch, mismatch_reason, irregularity_suspected, new_meter_serial, commissioning_state, commissioning_attempts, user_id, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`)
				.run(j.id, i === 3 ? '99887766' : null, i === 3 ? 1 : 0, i === 3 ? 'Tabliczka znamionowa nieczytelna, numer z wyświetlacza' : null, i === 4 ? 1 : 0, `24000000${i}`, ['communicating', 'communicating', 'pending', 'failed', 'communicating', 'pending'][i], user.id, on.toISOString(), on.toISOString());
			for (const [role, value] of [['old', `${12000 + i * 37}.4`], ['new', '0.002']] as const) {
				conn.prepare(`insert into readings (id, job_id, meter_role, register, value, unreadable_reason, photo_sha256, at, user_id, client_id, mutation_id, created_at) values (?, ?, ?, '1.8.1', ?, null, null, ?, ?, 'e2e', ?, ?)`)
					.run(newId(), j.id, role, value, off.toISOString(), user.id, i, off.toISOString());
			}
		});
		conn.close();
		await p.getByRole('link', { name: 'Pulpit' }).click();
		await p.getByRole('heading', { name: 'Postęp według osiedli' }).waitFor();
		await p.locator('.kpis').getByText('Wymienione liczniki').waitFor();
		await expect.poll(() => p.locator('canvas').count()).toBeGreaterThanOrEqual(4);
		await p.waitForTimeout(300);
		await shot('planner-dashboard');
		await p.locator('#outages-heading').scrollIntoViewIfNeeded();
		await shot('planner-dashboard-outages');
	});

	it('shows crews, billing and review lists', async () => {
		await p.getByRole('link', { name: 'Ekipy' }).click();
		await p.getByRole('heading', { name: 'Ekipa 1' }).waitFor();
		await p.getByText(/25 grudnia/).waitFor();
		await shot('planner-crews');
		await p.getByRole('link', { name: 'Rozliczenia' }).click();
		await p.getByRole('heading', { name: 'Eksport do rozliczeń' }).waitFor();
		const conn = db();
		const completed = (conn.prepare(`select max(completed_at) at from jobs where status = 'done'`).get() as { at: string }).at;
		conn.close();
		const day = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Warsaw' }).format(new Date(completed));
		await p.getByLabel('Dzień').fill(day);
		await p.getByRole('button', { name: 'Filtruj' }).click();
		// Readings on screen are Polish numbers (the CSV/JSON keep the dot).
		await p.getByText(/1\.8\.1: 12\s000,4/).waitFor();
		await shot('planner-billing');
		await p.getByRole('link', { name: 'Do sprawdzenia' }).click();
		await p.getByRole('tab', { name: /Niezgodne liczniki/ }).click();
		await p.locator('tbody tr td.mono').first().waitFor();
		await shot('planner-review');
	});

	it('speaks English when the planner switches the language', async () => {
		await p.goto(`${app.url}/lang/en?back=/plan/import`);
		await p.getByRole('heading', { name: 'Import meter points' }).waitFor();
		await p.getByLabel('CSV file').setInputFiles(join(tmp, 'zly.csv'));
		await p.getByRole('button', { name: 'Check the file' }).click();
		await p.getByRole('heading', { name: /Errors in the file: 3/ }).waitFor();
		expect(await p.locator('table.errors tbody tr').first().innerText()).toMatch(/Wrong PPE check digit/);
		await shot('planner-import-errors-en');
		await p.goto(`${app.url}/plan/schedule`);
		await p.getByRole('heading', { name: 'Plan an estate' }).waitFor();
		await shot('planner-schedule-en');
	});
});
