import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '$server/audit';
import { bookSlot, cancelBooking } from '$server/booking/booking.service';
import { openDatabase } from '$server/db/database';
import { checkRecords } from '$server/import/import-rows';
import { purgeResidentPhones } from '$server/ops/retention';
import { SmsApiChannel, SmtpChannel, type Channel, type Channels, type OutgoingMessage } from '$server/notify/channels';
import { DEFAULT_NOTIFY_POLICY, enqueueForJob, reminderEffect, reminderTimes, resendMessage, runNotifyRound, stopByCode, stopByReply, sweepReminders } from '$server/notify/notify.service';
import { ppeWithCheckDigit } from '$lib/domain/ppe';
import { addDaysToDate, warsawInstant } from '$lib/domain/time';
import { newId } from '$server/util/ids';
import { createTestDatabase, describeEachDb, refusal, type TestDatabase } from './harness';
import { seedPublicWorld } from './public-world';

/** A channel that records what it was handed, optionally slowly, optionally never answering the first. */
class RecordingChannel implements Channel {
	sent: OutgoingMessage[] = [];
	constructor(private readonly opts: { delayMs?: number; hangOnFirst?: boolean } = {}) {}
	async send(message: OutgoingMessage) {
		this.sent.push(message);
		if (this.opts.hangOnFirst && this.sent.length === 1) return new Promise<never>(() => {});
		if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
		return { status: 'sent' as const, providerId: `p-${message.id}` };
	}
}

const messagesOf = (tdb: TestDatabase, jobId: string) => tdb.db.selectFrom('messages').selectAll().where('job_id', '=', jobId).orderBy('created_at').orderBy('channel').execute();

describeEachDb('messages to residents', (kind) => {
	let tdb: TestDatabase;
	let world: Awaited<ReturnType<typeof seedPublicWorld>>;
	const flat = (i: number) => world.flats[i]!;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		world = await seedPublicWorld(tdb.db);
		// Every resident of the test flats gave an e-mail too.
		for (const [i, f] of world.flats.entries()) {
			await tdb.db.updateTable('meter_points').set({ resident_email: `mieszkaniec${i}@example.pl` }).where('id', '=', f.id).execute();
		}
	});
	afterAll(async () => tdb?.destroy());

	it('writes a confirmation per channel with the booking, and nothing when the booking is refused', async () => {
		await bookSlot(tdb.db, { jobId: flat(0).jobId, slotId: world.slots.s1, actor: SYSTEM_ACTOR });
		const rows = await messagesOf(tdb, flat(0).jobId);
		expect(rows.map((r) => [r.channel, r.template, r.state])).toEqual([
			['email', 'booking_confirmed', 'pending'],
			['sms', 'booking_confirmed', 'pending']
		]);
		expect(rows.map((r) => r.recipient).sort()).toEqual(['+48 600 000 001', 'mieszkaniec0@example.pl']);
		expect(await refusal(bookSlot(tdb.db, { jobId: flat(1).jobId, slotId: world.slots.s1, actor: SYSTEM_ACTOR }))).toBe('SLOT_FULL');
		expect(await messagesOf(tdb, flat(1).jobId)).toHaveLength(0);
	});

	it('writes nothing for a stairwell meter, even with a phone on record', async () => {
		const job = await tdb.db.selectFrom('jobs').innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id').select('jobs.id').where('mp.location', '=', 'stairwell').executeTakeFirstOrThrow();
		await tdb.db.updateTable('meter_points').set({ resident_phone: '+48 600 000 999' }).where('location', '=', 'stairwell').execute();
		expect(await tdb.db.transaction().execute((trx) => enqueueForJob(trx, job.id, 'visit_moved'))).toBe(0);
		await tdb.db.updateTable('meter_points').set({ resident_phone: null }).where('location', '=', 'stairwell').execute();
	});

	it('without a configured channel shows the message in the log only, rendered, without the recipient', async () => {
		const settled = await runNotifyRound(tdb.db, {});
		expect(settled.map((s) => s.state)).toEqual(['logged', 'logged']);
		const rows = await messagesOf(tdb, flat(0).jobId);
		for (const r of rows) {
			expect(r).toMatchObject({ state: 'logged', recipient: null, attempts: 1 });
			expect(r.body).toContain('/verify');
			expect(r.body).toContain('nigdy nie pobiera opłat');
			expect(r.body).not.toContain('600 000 001');
		}
	});

	it('hands e-mails to a real SMTP server with the right subject, body and Polish letters', async () => {
		const received: string[] = [];
		const server = new SMTPServer({
			authOptional: true,
			disabledCommands: ['STARTTLS'],
			onData(stream, _session, done) {
				const chunks: Buffer[] = [];
				stream.on('data', (c: Buffer) => chunks.push(c));
				stream.on('end', () => {
					received.push(Buffer.concat(chunks).toString('utf8'));
					done();
				});
			}
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		const port = (server.server.address() as AddressInfo).port;
		const smtp = new SmtpChannel({ host: '127.0.0.1', port, secure: false, from: 'Wymiana liczników <powiadomienia@osd.example.pl>' });
		try {
			await bookSlot(tdb.db, { jobId: flat(2).jobId, slotId: world.slots.big, actor: SYSTEM_ACTOR });
			const settled = await runNotifyRound(tdb.db, { email: smtp });
			expect(settled.map((s) => s.state).sort()).toEqual(['logged', 'sent']);
			expect(received).toHaveLength(1);
			const mail = await simpleParser(received[0]!);
			const job = await tdb.db.selectFrom('jobs').selectAll().where('id', '=', flat(2).jobId).executeTakeFirstOrThrow();
			expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('mieszkaniec2@example.pl');
			expect(mail.subject).toMatch(/^Potwierdzenie wizyty: wymiana licznika \S+, \d{1,2} \S+ \d{4}$/);
			expect(mail.text).toContain('Szanowni Państwo,');
			expect(mail.text).toContain(`Nr rezerwacji ${job.booking_reference}.`);
			expect(mail.text).toContain('godz. 11:00–11:30');
			expect(mail.text).toContain('Monter nigdy nie pobiera opłat');
			expect(mail.text).toContain('http://localhost:3000/verify');
			expect(mail.text).toMatch(/\/stop\/[a-z2-9]{10}/);
			expect(mail.messageId).toMatch(/@osd\.example\.pl>$/);
			const row = (await messagesOf(tdb, flat(2).jobId)).find((r) => r.channel === 'email')!;
			expect(row).toMatchObject({ state: 'sent', recipient: null, subject: mail.subject });
			expect(row.body).toBe(mail.text?.trimEnd());
		} finally {
			smtp.close();
			await new Promise<void>((r) => server.close(() => r()));
		}
	});

	describe('SMS gateway adapter', () => {
		let gateway: Server;
		let url: string;
		const requests: Array<{ auth: string | undefined; form: URLSearchParams }> = [];
		let answer: { status: number; body: unknown; headers?: Record<string, string> } = { status: 200, body: {} };
		beforeAll(async () => {
			gateway = createServer(async (req: IncomingMessage, res) => {
				const chunks: Buffer[] = [];
				for await (const c of req) chunks.push(c as Buffer);
				requests.push({ auth: req.headers.authorization, form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
				res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
				res.end(JSON.stringify(answer.body));
			});
			await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
			url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms.do`;
		});
		afterAll(() => new Promise<void>((r) => gateway.close(() => r())));
		beforeEach(() => {
			requests.length = 0;
		});

		const sms = () => new SmsApiChannel({ url, token: 'test-token', from: 'OSD-Info' });
		const queue = async (i: number) => {
			await tdb.db.transaction().execute((trx) => enqueueForJob(trx, flat(i).jobId, 'visit_moved', { window: { start: '2030-03-04T08:00:00.000Z', end: '2030-03-04T09:00:00.000Z' } }));
			return (await messagesOf(tdb, flat(i).jobId)).find((r) => r.channel === 'sms' && r.state === 'pending')!;
		};

		it('sends with the bearer token, sender name, number and our id, and stores the provider id', async () => {
			const msg = await queue(3);
			answer = { status: 200, body: { count: 1, list: [{ id: 'SMSAPI-1', points: 0.16, number: '48600000001', status: 'QUEUE' }] } };
			await runNotifyRound(tdb.db, { sms: sms() });
			expect(requests).toHaveLength(1);
			const { auth, form } = requests[0]!;
			expect(auth).toBe('Bearer test-token');
			expect(form.get('to')).toBe('48600000001');
			expect(form.get('from')).toBe('OSD-Info');
			expect(form.get('idx')).toBe(msg.id);
			expect(form.get('message')).toContain('Zmiana terminu wymiany licznika energii: nowy termin poniedziałek, 4 marca 2030, godz. 09:00-10:00.');
			const row = await tdb.db.selectFrom('messages').selectAll().where('id', '=', msg.id).executeTakeFirstOrThrow();
			expect(row).toMatchObject({ state: 'sent', provider_id: 'SMSAPI-1', recipient: null, attempts: 1 });
		});

		it('retries later after a rate limit (429), keeping the message', async () => {
			const msg = await queue(4);
			answer = { status: 429, body: { error: 429, message: 'Too many requests' }, headers: { 'retry-after': '120' } };
			const before = Date.now();
			await runNotifyRound(tdb.db, { sms: sms() });
			const row = await tdb.db.selectFrom('messages').selectAll().where('id', '=', msg.id).executeTakeFirstOrThrow();
			expect(row).toMatchObject({ state: 'pending', attempts: 1, recipient: '+48 600 000 001' });
			expect(row.last_error).toContain('429');
			expect(Date.parse(row.next_at) - before).toBeGreaterThanOrEqual(120_000);
			// Nothing is due now: a second round does not call the gateway.
			await runNotifyRound(tdb.db, { sms: sms() });
			expect(requests).toHaveLength(1);
			// Once due, it goes.
			answer = { status: 200, body: { count: 1, list: [{ id: 'SMSAPI-2' }] } };
			await runNotifyRound(tdb.db, { sms: sms() }, DEFAULT_NOTIFY_POLICY, Date.parse(row.next_at) + 1);
			expect(await tdb.db.selectFrom('messages').select(['state', 'attempts']).where('id', '=', msg.id).executeTakeFirstOrThrow()).toEqual({ state: 'sent', attempts: 2 });
		});

		it('gives up on an invalid number at once, without the number in the error', async () => {
			const msg = await queue(5);
			answer = { status: 200, body: { error: 13, message: 'No correct phone numbers: 48600000001' } };
			await runNotifyRound(tdb.db, { sms: sms() });
			const row = await tdb.db.selectFrom('messages').selectAll().where('id', '=', msg.id).executeTakeFirstOrThrow();
			expect(row).toMatchObject({ state: 'failed', attempts: 1, recipient: null });
			expect(row.last_error).toContain('13');
			expect(row.last_error).not.toContain('48600000001');
		});
	});

	/** Due messages without a job (not checked against one): they stand for any change's message. */
	async function queueDueMessages(count: number): Promise<string[]> {
		const day = addDaysToDate(world.today, 20);
		const ids: string[] = [];
		for (let i = 0; i < count; i++) {
			const id = newId();
			await tdb.db.insertInto('messages').values({
				id, job_id: null, meter_point_id: flat(i % 6).id, channel: 'sms', recipient: '+48 600 000 001', template: 'visit_moved',
				params: JSON.stringify({ windowStart: warsawInstant(day, '09:00').toISOString(), windowEnd: warsawInstant(day, '10:00').toISOString(), reference: null }),
				subject: null, body: null, state: 'pending', attempts: 0, next_at: new Date(Date.now() - 1000).toISOString(), claim: null, claimed_until: null,
				provider_id: null, last_error: null, dedupe_key: null, resend_of: null, created_at: new Date().toISOString(), updated_at: new Date().toISOString(), sent_at: null
			}).execute();
			ids.push(id);
		}
		return ids;
	}

	it('claims one batch a round, leaving the rest of the queue to the other instances', async () => {
		const ids = await queueDueMessages(30);
		let taken = -1;
		const gateway: Channel = {
			async send() {
				if (taken < 0) {
					const rows = await tdb.db.selectFrom('messages').select('state').where('id', 'in', ids).execute();
					taken = rows.filter((r) => r.state !== 'pending').length;
				}
				return { status: 'sent', providerId: null };
			}
		};
		const settled = await runNotifyRound(tdb.db, { sms: gateway }, { ...DEFAULT_NOTIFY_POLICY, batch: 8 });
		expect(taken).toBe(8);
		expect(settled).toHaveLength(8);
		const left = await tdb.db.selectFrom('messages').select('id').where('id', 'in', ids).where('state', '=', 'pending').execute();
		expect(left).toHaveLength(22);
		await tdb.db.deleteFrom('messages').where('id', 'in', ids).execute();
	});

	it('claims each message once across two instances, also when one dies mid-send and restarts', async () => {
		const ids = await queueDueMessages(30);
		const policy = { ...DEFAULT_NOTIFY_POLICY, batch: 8 };
		const instanceA = openDatabase(tdb.url);
		const instanceB = openDatabase(tdb.url);
		const gatewayA = new RecordingChannel({ delayMs: 2, hangOnFirst: true });
		const gatewayB = new RecordingChannel({ delayMs: 2 });
		try {
			// A hangs on one message for ever (its process is then killed); B keeps working meanwhile.
			void runNotifyRound(instanceA.db, { sms: gatewayA }, policy);
			while (gatewayA.sent.length === 0) await new Promise((r) => setTimeout(r, 5));
			for (let round = 0; round < 6; round++) await Promise.all([runNotifyRound(instanceB.db, { sms: gatewayB }, policy)]);
			await instanceA.close().catch(() => {});
			// A restarts (a new pool) after its claim expired; both instances run rounds together.
			const restartedA = openDatabase(tdb.url);
			const later = Date.now() + policy.claimMs + 1000;
			try {
				for (let round = 0; round < 6; round++) {
					await Promise.all([runNotifyRound(restartedA.db, { sms: gatewayA }, policy, later), runNotifyRound(instanceB.db, { sms: gatewayB }, policy, later)]);
				}
			} finally {
				await restartedA.close();
			}
		} finally {
			await instanceB.close();
		}
		const dying = gatewayA.sent[0]!.id;
		const handed = [...gatewayA.sent, ...gatewayB.sent].map((m) => m.id).filter((id) => ids.includes(id));
		const counts = new Map<string, number>();
		for (const id of handed) counts.set(id, (counts.get(id) ?? 0) + 1);
		expect([...counts.values()].every((n) => n === 1)).toBe(true);
		const rows = await tdb.db.selectFrom('messages').select(['id', 'state']).where('id', 'in', ids).execute();
		const uncertain = rows.filter((r) => r.state === 'uncertain').map((r) => r.id);
		expect(uncertain).toContain(dying);
		// The dead instance had the dying message's group in hand and at most one more group marked
		// `sending` (the next, or the one before whose outcomes were not written yet: the two go in
		// one commit): those are left for a planner, never sent by themselves. Every other message
		// went exactly once.
		expect(uncertain.length).toBeLessThanOrEqual(2 * policy.markAhead);
		expect(new Set([...handed.filter((id) => id !== dying), ...uncertain])).toEqual(new Set(ids));
		expect(rows.filter((r) => r.state === 'sent')).toHaveLength(30 - uncertain.length);
		expect(gatewayA.sent.length).toBeGreaterThan(0);
		expect(gatewayB.sent.length).toBeGreaterThan(0);
	});

	it('queues the two reminders once, however many instances sweep, and drops them when the visit moves', async () => {
		const job = flat(3).jobId;
		const start = new Date(Date.now() + 20 * 3_600_000);
		start.setUTCMinutes(0, 0, 0);
		await tdb.db.updateTable('jobs').set({ window_start: start.toISOString(), window_end: new Date(start.getTime() + 3_600_000).toISOString(), booked_at: null }).where('id', '=', job).execute();
		const now = Date.now();
		const swept = await Promise.all([sweepReminders(tdb.db, now), sweepReminders(tdb.db, now)]);
		const reminders = (await messagesOf(tdb, job)).filter((r) => r.template.startsWith('reminder'));
		const times = reminderTimes(start.toISOString());
		const expected = [
			...(now <= Date.parse(times.morning) && times.dayBefore < start.toISOString() ? [['reminder_day_before', times.dayBefore]] : []),
			...(times.morning < start.toISOString() ? [['reminder_morning', times.morning]] : [])
		];
		expect(swept[0]! + swept[1]!).toBe(expected.length * 2);
		expect(reminders.map((r) => [r.template, r.next_at]).sort()).toEqual(expected.flatMap((e) => [e, e]).sort());
		// The visit moves: the old reminders are void and never go out.
		await tdb.db.updateTable('jobs').set({ window_start: new Date(start.getTime() + 86_400_000).toISOString() }).where('id', '=', job).execute();
		await runNotifyRound(tdb.db, {}, DEFAULT_NOTIFY_POLICY, start.getTime());
		const after = await tdb.db.selectFrom('messages').select('state').where('id', 'in', reminders.map((r) => r.id)).execute();
		expect(after.map((r) => r.state)).toEqual(reminders.map(() => 'cancelled'));
	});

	it('honours STOP by link and by SMS reply: nothing more is written, sent or resent', async () => {
		const job = flat(4).jobId;
		await bookSlot(tdb.db, { jobId: job, slotId: world.slots.s2, actor: SYSTEM_ACTOR });
		const point = await tdb.db.selectFrom('meter_points').select(['stop_code']).where('id', '=', flat(4).id).executeTakeFirstOrThrow();
		expect(await stopByCode(tdb.db, 'zzzzzzzzzz', SYSTEM_ACTOR)).toBe(false);
		expect(await stopByCode(tdb.db, point.stop_code!, SYSTEM_ACTOR)).toBe(true);
		const rows = await messagesOf(tdb, job);
		expect(rows.filter((r) => r.template === 'booking_confirmed').map((r) => r.state)).toEqual(['stopped', 'stopped']);
		expect(rows.every((r) => r.recipient === null || r.state !== 'pending')).toBe(true);
		const gateway = new RecordingChannel();
		await runNotifyRound(tdb.db, { sms: gateway, email: gateway });
		expect(gateway.sent.filter((m) => rows.some((r) => r.id === m.id))).toHaveLength(0);
		await cancelBooking(tdb.db, { jobId: job, actor: SYSTEM_ACTOR });
		expect((await messagesOf(tdb, job)).filter((r) => r.template === 'visit_cancelled')).toHaveLength(0);
		expect(await refusal(resendMessage(tdb.db, rows[0]!.id, SYSTEM_ACTOR))).toBe('MESSAGE_STOPPED');

		// A reply "Stop" from the same number, written differently, stops the other points with it.
		expect(await stopByReply(tdb.db, '48600000001', 'Dzień dobry', SYSTEM_ACTOR)).toBe(0);
		const stopped = await stopByReply(tdb.db, '48600000001', ' Stop.', SYSTEM_ACTOR);
		expect(stopped).toBe(5);
		expect(await tdb.db.transaction().execute((trx) => enqueueForJob(trx, flat(5).jobId, 'visit_moved', { window: { start: '2030-01-01T08:00:00Z', end: '2030-01-01T09:00:00Z' } }))).toBe(0);
	});

	it('the purge erases phone numbers and e-mails with the outbox copies, keeping sent texts', async () => {
		const job = flat(0).jobId;
		await tdb.db.updateTable('meter_points').set({ messages_stopped_at: null }).execute();
		const waiting = await tdb.db.transaction().execute((trx) => enqueueForJob(trx, job, 'visit_moved', { window: { start: '2030-01-01T08:00:00Z', end: '2030-01-01T09:00:00Z' } }));
		expect(waiting).toBe(2);
		await tdb.db.updateTable('jobs').set({ status: 'done', completed_at: new Date().toISOString() }).where('id', '=', job).execute();
		expect(await purgeResidentPhones(tdb.db)).toBe(1);
		const point = await tdb.db.selectFrom('meter_points').select(['resident_phone', 'resident_email']).where('id', '=', flat(0).id).executeTakeFirstOrThrow();
		expect(point).toEqual({ resident_phone: null, resident_email: null });
		const rows = await messagesOf(tdb, job);
		expect(rows.every((r) => r.recipient === null)).toBe(true);
		expect(rows.filter((r) => r.state === 'logged').every((r) => r.body?.includes('/verify'))).toBe(true);
		// What was waiting can no longer go, and cannot be resent.
		await runNotifyRound(tdb.db, { sms: new RecordingChannel(), email: new RecordingChannel() });
		expect((await messagesOf(tdb, job)).filter((r) => r.template === 'visit_moved').map((r) => r.state)).toEqual(['cancelled', 'cancelled']);
		expect(await refusal(resendMessage(tdb.db, rows[0]!.id, SYSTEM_ACTOR))).toBe('MESSAGE_NO_RECIPIENT');
	});

	it('counts no-access visits with and without a reminder sent before them', async () => {
		const day = addDaysToDate(world.today, -3);
		const visitAt = warsawInstant(day, '10:00').toISOString();
		const [reminded, notReminded] = [flat(1), flat(2)];
		for (const f of [reminded, notReminded]) {
			await tdb.db.insertInto('no_access_visits').values({ id: newId(), job_id: f.jobId, attempt: 1, notice_left: 1, photo_sha256: null, at: visitAt, user_id: world.workers.valid.id, created_at: visitAt }).execute();
		}
		const sentAt = warsawInstant(day, '07:00').toISOString();
		await tdb.db.insertInto('messages').values({
			id: newId(), job_id: reminded.jobId, meter_point_id: reminded.id, channel: 'sms', recipient: null, template: 'reminder_morning', params: '{}', subject: null, body: 'x',
			state: 'sent', attempts: 1, next_at: sentAt, claim: null, claimed_until: null, provider_id: null, last_error: null, dedupe_key: null, resend_of: null, created_at: sentAt, updated_at: sentAt, sent_at: sentAt
		}).execute();
		const effect = await reminderEffect(tdb.db, { from: day, to: day });
		expect(effect).toEqual({ withReminder: { visits: 1, noAccess: 1 }, withoutReminder: { visits: 1, noAccess: 1 } });
	});
});

describe('residents’ e-mail in the meter-point import', () => {
	const header = ['ppe', 'numer_licznika', 'producent', 'model', 'ulica', 'numer_budynku', 'kod_pocztowy', 'miejscowosc', 'osiedle', 'klatka', 'lokal', 'lokalizacja', 'grupa_taryfowa', 'email'];
	let n = 0;
	const row = (location: string, email: string) => [ppeWithCheckDigit(String(59054356000000100n + BigInt(++n))), `1234567${n}`, 'Apator', 'A52', 'ul. Lniana', '4', '50-001', 'Wrocław', 'Osiedle', 'I', '12', location, 'G11', email];

	it('takes an e-mail for an in-home meter and refuses a malformed one or one for a stairwell meter', async () => {
		const ok = await checkRecords(header, [row('mieszkanie', 'jan.kowalski@example.pl')]);
		expect(ok.errors).toEqual([]);
		expect(ok.rows[0]?.resident_email).toBe('jan.kowalski@example.pl');
		const bad = await checkRecords(header, [row('mieszkanie', 'jan.kowalski@'), row('klatka', 'ewa@example.pl')]);
		expect(bad.errors.map((e) => [e.row, e.column, e.code])).toEqual([
			[2, 'resident_email', 'plan_import_err_email'],
			[3, 'resident_email', 'plan_import_err_email_stairwell']
		]);
	});
});
