import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warsawDate } from '../../src/lib/domain/time';
import { CHROMIUM_ARGS, chromiumPath } from './browser';
import { startApp, type RunningApp } from './app-server';
import { enrolOnPlan, signInFitter } from './sign-in';

const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });
const TABLET = { width: 800, height: 1280 };
const DESKTOP = { width: 1280, height: 800 };

interface CrewJob {
	id: string;
	sequence: number;
	building: string;
	stairwell: string | null;
	location: string;
	phone: string | null;
	street: string;
	number: string;
	flat: string | null;
}

/**
 * "The fitter is on the way", end to end: the fitter starts a job on the tablet, the sync carries
 * the start to the server, and the resident of the crew's next visit in the same stairwell gets the
 * message, which the planner finds in the console's message log. No channel is configured, so the
 * message is rendered into the log only (the console says so).
 */
describe('"the fitter is on the way" from the tablet to the planner’s message log', () => {
	let app: RunningApp;
	let browser: Browser;
	/** The job the fitter starts, and the in-home visit after it in the same stairwell. */
	let started: CrewJob;
	let visit: CrewJob;

	beforeAll(async () => {
		app = await startApp({ NOTIFY_POLL_MS: '300', WYMIANA_HES: 'off' });
		const db = new Database(app.databasePath, { fileMustExist: true });
		try {
			// Crew 1's first planned day is today on a working day; otherwise its jobs move to today.
			const crewJobs = `select j.id, j.sequence, j.planned_date as day, mp.building_id as building, mp.stairwell, mp.location, mp.resident_phone as phone,
				b.street, b.number, mp.flat from jobs j join meter_points mp on mp.id = j.meter_point_id join buildings b on b.id = mp.building_id
				join workers w on w.crew_id = j.crew_id join users u on u.worker_id = w.id
				where u.login = 'monter1' and j.status = 'planned' and j.planned_date = (select min(planned_date) from jobs where crew_id = j.crew_id and status = 'planned')
				order by j.sequence`;
			const day = (db.prepare(crewJobs).get() as { day: string }).day;
			const today = warsawDate();
			if (day !== today) {
				const shift = Date.parse(today) - Date.parse(day);
				const move = (iso: string | null) => (iso ? new Date(Date.parse(iso) + shift).toISOString() : iso);
				const rows = db.prepare('select id, window_start, window_end from jobs where crew_id = (select w.crew_id from workers w join users u on u.worker_id = w.id where u.login = ?) and planned_date = ?').all('monter1', day) as Array<{ id: string; window_start: string | null; window_end: string | null }>;
				for (const r of rows) db.prepare('update jobs set planned_date = ?, window_start = ?, window_end = ? where id = ?').run(today, move(r.window_start), move(r.window_end), r.id);
			}
			const jobs = db.prepare(crewJobs).all() as CrewJob[];
			const k = jobs.findIndex((j, i) => {
				const next = jobs[i + 1];
				return next && next.location === 'in_home' && next.phone && next.building === j.building && next.stairwell === j.stairwell;
			});
			expect(k).toBeGreaterThanOrEqual(0);
			[started, visit] = [jobs[k]!, jobs[k + 1]!];
		} finally {
			db.close();
		}
		browser = await chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_ARGS });
	}, 240_000);

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('tells the next resident in the stairwell when the fitter starts the job before theirs, and shows it in the message log', async () => {
		const tablet = await browser.newContext({ viewport: TABLET, locale: 'pl-PL', timezoneId: 'Europe/Warsaw' });
		const tp = await tablet.newPage();
		const header = await signInFitter(tp, app.url);

		// The fitter opens the job from the list and starts it; the sync pushes the start.
		const card = tp.locator(`a[href="/app/job/${encodeURIComponent(started.id)}"]:visible`).first();
		await card.click();
		await tp.getByRole('link', { name: 'Wróć do listy zleceń' }).waitFor();
		await tp.getByRole('button', { name: 'Rozpocznij pracę' }).click();
		await expect.poll(() => tp.locator('.job-head').innerText()).toMatch(/W\strakcie/);
		await expect.poll(() => header.innerText(), { timeout: 30_000 }).toContain('Wszystko wysłane');

		// The outbox: one "on the way" message for the next visit, rendered by the worker; none for anyone else.
		const db = new Database(app.databasePath, { readonly: true, fileMustExist: true });
		const onTheWay = () => db.prepare(`select job_id, channel, state, body from messages where template = 'on_the_way'`).all() as Array<{ job_id: string; channel: string; state: string; body: string | null }>;
		try {
			await expect.poll(() => onTheWay().map((r) => [r.job_id, r.channel, r.state]), { timeout: 30_000 }).toEqual([[visit.id, 'sms', 'logged']]);
			expect(onTheWay()[0]!.body).toContain('Monter jest już w drodze');
		} finally {
			db.close();
		}

		// The planner finds it in the visit's message log, with the text the resident gets.
		const office = await browser.newContext({ viewport: DESKTOP, locale: 'pl-PL', timezoneId: 'Europe/Warsaw' });
		const pp = await office.newPage();
		await enrolOnPlan(pp, app.url, 'planista', 'planista-demo');
		await pp.goto(`${app.url}/plan/messages?job=${encodeURIComponent(visit.id)}`);
		await pp.getByRole('heading', { name: 'Wiadomości do mieszkańców' }).waitFor();
		const row = pp.locator('tbody tr', { hasText: 'Monter w drodze' });
		await row.waitFor();
		// The visit's reminders may be in the log too; "on the way" is there once.
		expect(await row.count()).toBe(1);
		const text = (await row.innerText()).replace(/\s+/g, ' ');
		expect(text).toContain('Monter w drodze · SMS');
		expect(text).toContain(`${visit.street} ${visit.number} / ${visit.flat}`);
		expect(text).toContain('tylko w dzienniku');
		await row.getByText('Pokaż treść').click();
		const body = (await row.locator('.body').innerText()).replace(/\s+/g, ' ');
		expect(body).toMatch(/Monter jest już w drodze: .* \(wizyta dziś, godz\. \d{2}:\d{2}-\d{2}:\d{2}\)/);
		expect(body).toContain('/verify');
		expect(body).toContain('nigdy nie pobiera opłat');
		expect(body).not.toContain(visit.phone!);
		await pp.screenshot({ path: join(shots, 'planner-messages-on-the-way-1280.png') });
		await tablet.close();
		await office.close();
	});
});
