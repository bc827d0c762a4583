import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateBadgeNumber } from '$lib/domain/badge';
import { addDaysToDate, warsawDate } from '$lib/domain/time';
import { newId } from '$server/util/ids';
import { AppProcess, freePort } from '../support/app-process';
import { createTestDatabase, describeEachDb, storedRateLimitPoints, type TestDatabase } from './harness';
import { seedPublicWorld } from './public-world';

/**
 * The /verify page under load is answered from memory (server/public/verify-fast-path.ts). These
 * tests run the built server and check what a resident and the operator rely on: the page is the
 * one SvelteKit rendered, in the language asked for; a suspension shows at once; every look-up is
 * logged; the limits still hold.
 */
interface Answer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
	return new Promise((ok, fail) => {
		request(url, { headers }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
		})
			.on('error', fail)
			.end();
	});
}

const text = (a: Answer) => (a.headers['content-encoding'] === 'gzip' ? gunzipSync(a.body) : a.body).toString('utf8');
const longDay = (day: string) => new Intl.DateTimeFormat('pl-PL', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeEachDb('/verify answered from memory', (kind) => {
	let tdb: TestDatabase;
	let world: Awaited<ReturnType<typeof seedPublicWorld>>;
	let app: AppProcess;
	let tight: AppProcess;

	const cachedAnswers = (p: AppProcess) =>
		p
			.output()
			.split('\n')
			.filter((l) => l.startsWith('{') && l.includes('"cached":true')).length;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		world = await seedPublicWorld(tdb.db);
		const env = { DATABASE_URL: tdb.url, WYMIANA_DEMO: '0', WYMIANA_HES: 'off', LOG_LEVEL: 'info' };
		app = new AppProcess(await freePort(), { ...env, PUBLIC_VERIFY_PER_IP: '100000', PUBLIC_VERIFY_PER_BADGE: '100000' });
		// Behind a load balancer: the client's address comes from X-Forwarded-For, as adapter-node reads it.
		tight = new AppProcess(await freePort(), { ...env, PUBLIC_VERIFY_PER_IP: '8', PUBLIC_VERIFY_PER_BADGE: '100000', ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1' });
		await Promise.all([app.start(), tight.start()]);
	});
	afterAll(async () => {
		await Promise.all([app?.stop(), tight?.stop()]);
		await tdb?.destroy();
	});

	it('serves the page SvelteKit rendered again from memory, gzipped when the browser accepts it', async () => {
		const url = `${app.url}/verify?badge=${world.workers.valid.badge_number}`;
		const first = await get(url);
		expect(first.status).toBe(200);
		expect(text(first)).toContain('WAŻNY');
		const before = cachedAnswers(app);
		const again = await get(url);
		const zipped = await get(url, { 'accept-encoding': 'gzip, deflate' });
		const refused = await get(url, { 'accept-encoding': 'gzip;q=0, identity' });
		// The child's log lines arrive through a pipe: wait for them rather than a fixed 100 ms.
		for (let waited = 0; cachedAnswers(app) - before < 3 && waited < 3000; waited += 50) await sleep(50);
		expect(cachedAnswers(app) - before).toBe(3);
		expect(again.body.equals(first.body)).toBe(true);
		expect(zipped.headers['content-encoding']).toBe('gzip');
		expect(zipped.headers.vary).toBe('Accept-Encoding');
		expect(text(zipped)).toBe(text(first));
		expect(refused.headers['content-encoding']).toBeUndefined();
		// The same security headers, and a request id of its own.
		for (const name of ['content-security-policy', 'x-content-type-options', 'referrer-policy', 'permissions-policy', 'cache-control']) {
			expect(again.headers[name], name).toBe(first.headers[name]);
		}
		expect(again.headers['x-request-id']).toBeTruthy();
		expect(again.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
	});

	it('answers in the language the browser asks for, not the one kept first', async () => {
		const url = `${app.url}/verify?badge=${world.workers.otherCrew.badge_number}`;
		expect(text(await get(url, { 'accept-language': 'pl-PL,pl;q=0.9' }))).toContain('WAŻNY');
		expect(text(await get(url, { 'accept-language': 'pl-PL,pl;q=0.9' }))).toContain('WAŻNY');
		expect(text(await get(url, { 'accept-language': 'en-GB,en;q=0.9' }))).toContain('VALID');
		expect(text(await get(url, { cookie: 'wymiana_lang=en' }))).toContain('VALID');
		expect(text(await get(url, { cookie: 'wymiana_lang=en' }))).not.toContain('WAŻNY');
	});

	it('shows a suspension made by anyone on the next request', async () => {
		const url = `${app.url}/verify?badge=${world.workers.valid.badge_number}`;
		for (let i = 0; i < 3; i++) expect(text(await get(url))).toContain('WAŻNY');
		// Another process (an admin on another instance, a script) changes the row, not this server.
		await tdb.db.updateTable('workers').set({ status: 'suspended' }).where('id', '=', world.workers.valid.id).execute();
		try {
			if (kind === 'sqlite') {
				expect(text(await get(url))).toContain('ZAWIESZONY');
			} else {
				// PostgreSQL tells every instance on commit (NOTIFY); give the message a moment to arrive.
				const started = Date.now();
				let page = text(await get(url));
				while (!page.includes('ZAWIESZONY') && Date.now() - started < 2000) page = text(await get(url));
				expect(page).toContain('ZAWIESZONY');
				expect(Date.now() - started).toBeLessThan(1000);
			}
			expect(text(await get(url))).not.toContain('WAŻNY');
		} finally {
			await tdb.db.updateTable('workers').set({ status: 'active' }).where('id', '=', world.workers.valid.id).execute();
		}
	});

	it('shows a badge whose first day is tomorrow as not yet valid, with that day, also from memory', async () => {
		const tomorrow = addDaysToDate(warsawDate(), 1);
		const badge = generateBadgeNumber((n) => randomBytes(n));
		await tdb.db
			.insertInto('workers')
			.values({
				...world.workers.valid, id: newId(), first_name: 'Zofia', badge_number: badge, valid_from: tomorrow, valid_until: addDaysToDate(tomorrow, 30)
			})
			.execute();
		const url = `${app.url}/verify?badge=${badge}`;
		const before = cachedAnswers(app);
		// On PostgreSQL the insert reaches this server's cache as a NOTIFY: until it has, pages are
		// rendered but not kept. Ask until one comes from memory.
		const pages = [text(await get(url))];
		for (let waited = 0; cachedAnswers(app) === before && waited < 3000; waited += 100) {
			pages.push(text(await get(url)));
			await sleep(100);
		}
		expect(cachedAnswers(app)).toBeGreaterThan(before);
		pages.push(text(await get(url)));
		for (const page of pages) {
			expect(page).toContain('JESZCZE NIEWAŻNY');
			expect(page).toContain(`ważny dopiero od ${longDay(tomorrow)}`);
			expect(page).toContain('data-status="not_yet_valid"');
			expect(page).not.toContain('data-status="valid"');
		}
	});

	it('logs every look-up it answers from memory, identical ones as one row with their count', async () => {
		const worker = world.workers.expired;
		const hits = async () =>
			Number(
				(await tdb.db.selectFrom('badge_lookups').select(sql<number>`coalesce(sum(hits), 0)`.as('n')).where('worker_id', '=', worker.id).executeTakeFirstOrThrow()).n
			);
		const url = `${app.url}/verify?badge=${worker.badge_number}`;
		for (let i = 0; i < 25; i++) expect(text(await get(url))).toContain('WYGASŁ');
		await sleep(600); // the log is written every 250 ms
		expect(await hits()).toBe(25);
		const rows = await tdb.db.selectFrom('badge_lookups').select(['outcome', 'source']).where('worker_id', '=', worker.id).execute();
		expect(rows.length).toBeLessThan(25);
		expect(new Set(rows.map((r) => `${r.outcome}/${r.source}`))).toEqual(new Set(['expired/form']));
	});

	it('keeps the per-address limit when answering from memory', async () => {
		const url = `${tight.url}/verify?badge=${world.workers.suspended.badge_number}`;
		const shown = async (client: string) => {
			const page = text(await get(url, { 'x-forwarded-for': `10.0.0.1, ${client}` }));
			return page.includes('ZAWIESZONY') ? 'badge' : page.includes('Zbyt wiele sprawdzeń') ? 'limited' : 'other';
		};
		const answers = [];
		for (let i = 0; i < 11; i++) answers.push(await shown('203.0.113.7'));
		expect(answers).toEqual([...Array(8).fill('badge'), ...Array(3).fill('limited')]);
		// Another resident behind the same proxy is not affected.
		expect(await shown('203.0.113.8')).toBe('badge');
		await sleep(400);
		expect(await storedRateLimitPoints(tdb.db, 'pub_verify_ip:203.0.113.7')).toBe(11);
	});
});
