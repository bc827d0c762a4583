/**
 * Messages to residents: messages claimed from the outbox and handed to a local SMTP server per
 * second by two worker instances (two database pools), next to nodemailer sending the same
 * messages directly with the same concurrency, in the same run. Counts duplicates by Message-ID.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { openDatabase, type Database } from '../../../server/db/database';
import { migrateToLatest } from '../../../server/db/migrations';
import { SmtpChannel } from '../../../server/notify/channels';
import { DEFAULT_NOTIFY_POLICY, messageContextFromEnv, runNotifyRound } from '../../../server/notify/notify.service';
import { renderMessage } from '../../../server/notify/templates';
import { newId } from '../../../server/util/ids';
import type { BenchRow } from '../report';

const N = Number(process.env.BENCH_NOTIFY_N) || 1000;
const FROM = 'Wymiana liczników <powiadomienia@osd.example.pl>';

async function smtpSink(): Promise<{ port: number; ids: string[]; close(): Promise<void> }> {
	const ids: string[] = [];
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS'],
		logger: false,
		onData(stream, _s, done) {
			let head = '';
			stream.on('data', (c: Buffer) => {
				if (head.length < 4096) head += c.toString('utf8');
			});
			stream.on('end', () => {
				const id = /^Message-ID: <([^@>]+)@/im.exec(head)?.[1];
				if (id) ids.push(id);
				done();
			});
		}
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	return { port: (server.server.address() as AddressInfo).port, ids, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function seed(database: Database): Promise<string[]> {
	const at = new Date().toISOString();
	const db = database.db;
	await db.insertInto('estates').values({ id: newId(), name: 'Bench', city: 'Wrocław', is_demo: 0, created_at: at }).execute();
	const estate = (await db.selectFrom('estates').select('id').executeTakeFirstOrThrow()).id;
	const building = newId();
	await db.insertInto('buildings').values({ id: building, estate_id: estate, street: 'ul. Źródlana', number: '1', postcode: '50-001', city: 'Wrocław', created_at: at }).execute();
	const point = newId();
	await db.insertInto('meter_points').values({ id: point, ppe: '590543560000000017', building_id: building, stairwell: 'I', flat: '1', location: 'in_home', tariff_group: 'G11', prosumer: 0, resident_phone: null, resident_email: 'mieszkaniec@example.pl', stop_code: 'abcdefghij', created_at: at, updated_at: at }).execute();
	const params = JSON.stringify({ windowStart: '2030-03-04T08:00:00.000Z', windowEnd: '2030-03-04T09:00:00.000Z', reference: 'AB12-CD3E' });
	const ids: string[] = [];
	for (let i = 0; i < N; i += 500) {
		const rows = Array.from({ length: Math.min(500, N - i) }, () => {
			const id = newId();
			ids.push(id);
			return {
				id, job_id: null, meter_point_id: point, channel: 'email' as const, recipient: 'mieszkaniec@example.pl', template: 'booking_confirmed' as const, params, subject: null, body: null,
				state: 'pending' as const, attempts: 0, next_at: at, claim: null, claimed_until: null, provider_id: null, last_error: null, dedupe_key: null, resend_of: null,
				created_at: at, updated_at: at, sent_at: null
			};
		});
		await db.insertInto('messages').values(rows).execute();
	}
	return ids;
}

async function outbox(url: string, port: number): Promise<number> {
	const instances = [openDatabase(url), openDatabase(url)];
	const channels = instances.map(() => new SmtpChannel({ host: '127.0.0.1', port, secure: false, from: FROM }));
	const started = performance.now();
	await Promise.all(
		instances.map(async (d, i) => {
			for (;;) {
				if ((await runNotifyRound(d.db, { email: channels[i]! }, DEFAULT_NOTIFY_POLICY)).length > 0) continue;
				// The other instance may have taken this round's rows: stop when none are left.
				const left = await d.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('state', 'in', ['pending', 'claimed', 'sending']).executeTakeFirstOrThrow();
				if (Number(left.n) === 0) break;
				await new Promise((r) => setTimeout(r, 20));
			}
		})
	);
	const seconds = (performance.now() - started) / 1000;
	for (const c of channels) c.close();
	for (const d of instances) await d.close();
	return N / seconds;
}

async function direct(port: number): Promise<number> {
	const content = renderMessage('booking_confirmed', 'email', { windowStart: '2030-03-04T08:00:00.000Z', windowEnd: '2030-03-04T09:00:00.000Z', reference: 'AB12-CD3E' }, messageContextFromEnv('abcdefghij'));
	const transports = [0, 1].map(() => nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, pool: true, maxConnections: 2 }));
	const started = performance.now();
	await Promise.all(
		transports.map(async (t, k) => {
			for (let i = k; i < N; i += 2) await t.sendMail({ from: FROM, to: 'mieszkaniec@example.pl', subject: content.subject, text: content.text, messageId: `<direct-${i}@osd.example.pl>` });
		})
	);
	const seconds = (performance.now() - started) / 1000;
	for (const t of transports) t.close();
	return N / seconds;
}

async function caseFor(kind: 'SQLite' | 'PostgreSQL', url: string, cleanup: () => Promise<void>): Promise<BenchRow> {
	const database = openDatabase(url);
	try {
		await migrateToLatest(database.db, database.dialect);
		const ids = await seed(database);
		const sink = await smtpSink();
		const baseline = await direct(sink.port);
		sink.ids.length = 0;
		const rate = await outbox(url, sink.port);
		const received = sink.ids.filter((id) => ids.includes(id));
		const duplicates = received.length - new Set(received).size;
		const missing = ids.length - new Set(received).size;
		await sink.close();
		return {
			bench: 'notify',
			case: `outbox → SMTP, 2 instances, ${N} e-mails, ${kind} (duplicates ${duplicates}, missing ${missing})`,
			value: rate,
			unit: 'msg/s',
			baseline: { label: 'nodemailer direct, same concurrency', value: baseline },
			goal: '≥ 0.5, no duplicates'
		};
	} finally {
		await database.close();
		await cleanup();
	}
}

export async function run(): Promise<BenchRow[]> {
	const rows: BenchRow[] = [];
	const dir = mkdtempSync(join(tmpdir(), 'wymiana-bench-notify-'));
	rows.push(await caseFor('SQLite', `file:${join(dir, 'bench.db')}`, async () => rmSync(dir, { recursive: true, force: true })));
	const pgUrl = process.env.TEST_DATABASE_URL;
	if (pgUrl) {
		const schema = `bench_notify_${Date.now().toString(36)}`;
		const admin = new pg.Client({ connectionString: pgUrl });
		await admin.connect();
		await admin.query(`create schema ${schema}`);
		await admin.end();
		const url = new URL(pgUrl);
		url.searchParams.set('options', `-c search_path=${schema} -c timezone=UTC`);
		rows.push(await caseFor('PostgreSQL', url.toString(), async () => {
			const c = new pg.Client({ connectionString: pgUrl });
			await c.connect();
			await c.query(`drop schema if exists ${schema} cascade`);
			await c.end();
		}));
	}
	return rows;
}
