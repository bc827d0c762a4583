import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { simpleParser, type ParsedMail } from 'mailparser';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumPath } from './browser';
import { startApp, type RunningApp } from './app-server';
import { enrolOnPlan } from './sign-in';

const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

async function until<T>(fn: () => T | undefined | null | false, what: string, ms = 30_000): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const v = fn();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 200));
	}
}

describe('messages to residents (built app, real SMTP server, local SMS gateway)', () => {
	let app: RunningApp;
	let browser: Browser;
	let smtp: SMTPServer;
	let gateway: Server;
	const mails: ParsedMail[] = [];
	const sms: URLSearchParams[] = [];
	/** The planner's console, signed in by the first test. */
	let pp: Page;

	beforeAll(async () => {
		smtp = new SMTPServer({
			authOptional: true,
			disabledCommands: ['STARTTLS'],
			onData(stream, _s, done) {
				void simpleParser(stream).then((mail) => {
					mails.push(mail);
					done();
				}, done);
			}
		});
		await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
		// The gateway refuses the first booking confirmation as sent to an invalid number, then takes everything.
		gateway = createServer(async (req, res) => {
			const chunks: Buffer[] = [];
			for await (const c of req) chunks.push(c as Buffer);
			const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
			const refuse = /potwierdzamy/.test(form.get('message') ?? '') && !sms.some((f) => /potwierdzamy/.test(f.get('message') ?? ''));
			sms.push(form);
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify(refuse ? { error: 13, message: 'No correct phone numbers' } : { count: 1, list: [{ id: `SMS-${sms.length}` }] }));
		});
		await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
		app = await startApp({
			SMTP_HOST: '127.0.0.1',
			SMTP_PORT: String((smtp.server.address() as AddressInfo).port),
			MAIL_FROM: 'Wymiana liczników <powiadomienia@osd.example.pl>',
			SMS_API_URL: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms.do`,
			SMS_API_TOKEN: 'e2e-token',
			SMS_FROM: 'OSD-Info',
			NOTIFY_POLL_MS: '300',
			WYMIANA_HES: 'off'
		});
		browser = await chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_ARGS });
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
		await new Promise<void>((r) => (gateway ? gateway.close(() => r()) : r()));
	});

	it('confirms a resident’s booking by e-mail and SMS, shows it in the planner’s log, resends, and stops on request', async () => {
		const db = new SQLite(app.databasePath);
		const flat = db
			.prepare(`select j.id as job, mp.id as point, mp.ppe, mp.flat, b.id as building from jobs j join meter_points mp on mp.id = j.meter_point_id
				join buildings b on b.id = mp.building_id where mp.location = 'in_home' and j.status = 'planned' and j.slot_id is not null
				and mp.resident_phone is not null and j.window_start > ? order by j.window_start desc limit 1`)
			.get(new Date(Date.now() + 86_400_000).toISOString()) as { job: string; point: string; ppe: string; flat: string; building: string };
		db.prepare('update meter_points set resident_email = ? where id = ?').run('mieszkanka@example.pl', flat.point);

		// The resident books another slot on the public pages (no JavaScript).
		const phone = await browser.newContext({ viewport: PHONE, locale: 'pl-PL', javaScriptEnabled: false });
		const rp = await phone.newPage();
		await rp.goto(`${app.url}/harmonogram/wizyta?b=${flat.building}`);
		await rp.getByLabel('Numer mieszkania').fill(flat.flat);
		await rp.getByLabel('Ostatnie 6 cyfr kodu PPE').fill(flat.ppe.slice(-6));
		await rp.getByRole('button', { name: 'Dalej' }).first().click();
		await rp.getByRole('heading', { name: 'Umówiona wizyta' }).waitFor();
		await rp.locator('input[name="slot"]').first().check();
		await rp.getByRole('button', { name: 'Przenieś wizytę na ten termin' }).click();
		await rp.getByText('Wizyta przeniesiona').waitFor();
		const reference = (await rp.locator('.reference').innerText()).trim();

		// The worker on the server hands the e-mail to the SMTP server and the SMS to the gateway.
		const mail = await until(() => mails.find((m) => m.text?.includes(reference)), 'the confirmation e-mail');
		expect(mail.subject).toMatch(/^Potwierdzenie wizyty: wymiana licznika /);
		expect(mail.text).toContain('Monter nigdy nie pobiera opłat');
		expect(mail.text).toContain(`${app.url}/verify`);
		const toResident = () => sms.filter((f) => f.get('message')?.includes(reference));
		await until(() => toResident().length >= 1, 'the SMS');
		expect(toResident()[0]!.get('from')).toBe('OSD-Info');
		const states = () => db.prepare(`select channel, state from messages where job_id = ? and template = 'booking_confirmed' order by channel`).all(flat.job) as Array<{ channel: string; state: string }>;
		await until(() => states().every((s) => s.state !== 'pending' && s.state !== 'sending') && states().length === 2, 'settled messages');
		expect(states()).toEqual([{ channel: 'email', state: 'sent' }, { channel: 'sms', state: 'failed' }]);

		// The planner's message log: states, attempts, errors; the failed SMS is sent again.
		const office = await browser.newContext({ viewport: DESKTOP, locale: 'pl-PL' });
		pp = await office.newPage();
		await enrolOnPlan(pp, app.url, 'planista', 'planista-demo');
		await pp.getByRole('link', { name: 'Wiadomości' }).click();
		await pp.getByRole('heading', { name: 'Wiadomości do mieszkańców' }).waitFor();
		await pp.getByText('Kanały: SMS — skonfigurowany, e-mail — skonfigurowany').waitFor();
		const failedRow = pp.locator('tbody tr', { hasText: 'nieudana' });
		await expect(failedRow.innerText()).resolves.toMatch(/Potwierdzenie rezerwacji · SMS[\s\S]*nieudana\s+HTTP 200, błąd 13.*\s+1\s/);
		await pp.screenshot({ path: join(shots, 'planner-messages-1440.png') });
		await pp.locator('tbody tr', { hasText: 'wysłana' }).first().getByText('Pokaż treść').click();
		await pp.screenshot({ path: join(shots, 'planner-messages-body-1440.png') });
		expect(await pp.locator('main').innerText()).not.toContain('mieszkanka@example.pl');
		await failedRow.getByRole('button', { name: 'Wyślij ponownie' }).click();
		await pp.getByText('Wiadomość dodana do wysłania ponownie.').waitFor();
		await until(() => (db.prepare(`select state from messages where job_id = ? and resend_of is not null`).get(flat.job) as { state: string } | undefined)?.state === 'sent', 'the resent SMS');
		expect(toResident()).toHaveLength(2);

		// The resident follows the stop link from the e-mail: nothing more about this point.
		const stopLink = /https?:\/\/\S+\/stop\/[a-z2-9]{10}/.exec(mail.text ?? '')![0];
		await rp.goto(stopLink);
		await rp.getByRole('button', { name: 'Nie wysyłajcie mi więcej wiadomości' }).click();
		await rp.getByText('Gotowe. Nie wyślemy więcej wiadomości').waitFor();
		expect(db.prepare('select messages_stopped_at is not null as stopped from meter_points where id = ?').get(flat.point)).toEqual({ stopped: 1 });
		await pp.getByRole('button', { name: 'Wyślij ponownie' }).first().click();
		await pp.getByText('Mieszkaniec zrezygnował z wiadomości o tym punkcie').waitFor();

		// The dashboard shows the no-access share with and without a reminder.
		await pp.getByRole('link', { name: 'Pulpit' }).click();
		await pp.getByRole('heading', { name: 'Brak dostępu a przypomnienia' }).waitFor();
		await pp.getByText('z przypomnieniem', { exact: true }).waitFor();
		await pp.getByRole('heading', { name: 'Brak dostępu a przypomnienia' }).scrollIntoViewIfNeeded();
		await pp.screenshot({ path: join(shots, 'planner-dashboard-reminders-1440.png') });
		await phone.close();
		db.close();
	});

	it('a planner cancels a booked visit: the job shows cancelled, its slot is free, the resident is told by e-mail and SMS', async () => {
		const db = new SQLite(app.databasePath);
		const visit = db
			.prepare(`select j.id as job, j.slot_id as slot, mp.id as point, j.booking_reference as reference from jobs j join meter_points mp on mp.id = j.meter_point_id
				where mp.location = 'in_home' and j.status = 'planned' and j.slot_id is not null and mp.resident_phone is not null
				and mp.messages_stopped_at is null and j.window_start > ? order by j.window_start limit 1`)
			.get(new Date(Date.now() + 86_400_000).toISOString()) as { job: string; slot: string; point: string; reference: string | null };
		db.prepare('update meter_points set resident_email = ? where id = ?').run('lokatorka@example.pl', visit.point);
		await pp.goto(`${app.url}/plan/jobs/${visit.job}`);
		await pp.getByRole('heading', { name: 'Odwołanie wizyty' }).waitFor();
		await pp.getByRole('button', { name: 'Odwołaj wizytę' }).click();
		// The reason is required (the browser's own check, then ours).
		expect(db.prepare('select status from jobs where id = ?').get(visit.job)).toEqual({ status: 'planned' });
		await pp.getByLabel('Powód (widoczny w historii zmian)').fill('Wstrzymanie dostaw liczników');
		await pp.getByRole('button', { name: 'Odwołaj wizytę' }).click();
		await pp.getByText('Wizyta odwołana. Do mieszkańca wysyłamy 2 wiadomości.').waitFor();
		await pp.locator('.sub', { hasText: 'Anulowane' }).waitFor();
		await pp.screenshot({ path: join(shots, 'planner-job-cancelled-1440.png'), fullPage: true });
		expect(db.prepare('select status, slot_id from jobs where id = ?').get(visit.job)).toEqual({ status: 'cancelled', slot_id: null });

		const mail = await until(() => mails.find((m) => m.to && JSON.stringify(m.to).includes('lokatorka@example.pl') && m.subject?.startsWith('Odwołana wizyta')), 'the cancellation e-mail');
		expect(mail.text).toContain('została odwołana. O nowym terminie poinformujemy osobno.');
		expect(mail.text).toContain('Monter nigdy nie pobiera opłat');
		await until(() => sms.some((f) => /została odwołana\. O nowym terminie/.test(f.get('message') ?? '')), 'the cancellation SMS');
		await pp.getByRole('link', { name: 'Wiadomości do mieszkańca' }).click();
		await expect.poll(() => pp.locator('tbody tr', { hasText: 'Odwołanie wizyty' }).count(), { timeout: 15_000 }).toBe(2);
		await pp.screenshot({ path: join(shots, 'planner-messages-cancelled-1440.png') });
		db.close();
	});
});
