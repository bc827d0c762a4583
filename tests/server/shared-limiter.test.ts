import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createServices, type Services } from '$server/services';
import { SharedLimiter, takePointsHere } from '$server/public/shared-limiter';
import { createTestDatabase, describeEachDb, storedRateLimitPoints, type TestDatabase } from './harness';

const NO_TIMER = 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeEachDb('shared limiter (database counters, written behind for busy keys)', (kind) => {
	let tdb: TestDatabase;
	let one: Services;
	let two: Services;
	let n = 0;
	/** A limiter of its own per test (prefix), as a second instance would have over the same database. */
	const limiter = (s: Services, points: number, opts: { freshMs?: number; prefix?: string; duration?: number } = {}) =>
		new SharedLimiter(s.limiters.create({ keyPrefix: opts.prefix ?? `t${n}`, points, duration: opts.duration ?? 600 }), { flushMs: NO_TIMER, freshMs: opts.freshMs });
	const stored = (prefix: string, key: string) => storedRateLimitPoints(tdb.db, `${prefix}:${key}`);

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		one = createServices(tdb);
		two = createServices(tdb);
	});
	afterAll(() => tdb?.destroy());

	it('takes the points of a busy key here and writes them to the database behind', async () => {
		const l = limiter(one, 1000, { prefix: `busy${++n}` });
		const consume = vi.spyOn(l.store, 'consume');
		for (let i = 0; i < 50; i++) expect(await l.take('k')).toBe(0);
		expect(consume).toHaveBeenCalledTimes(1);
		expect(await stored(`busy${n}`, 'k')).toBe(1);
		await l.flush();
		expect(await stored(`busy${n}`, 'k')).toBe(50);
		await l.close();
	});

	it('asks the database near the limit, so two instances together never let a key past it', async () => {
		const prefix = `near${++n}`;
		const a = limiter(one, 10, { prefix });
		const b = limiter(two, 10, { prefix });
		let allowed = 0;
		for (let i = 0; i < 15; i++) {
			if ((await a.take('k')) === 0) allowed++;
			if ((await b.take('k')) === 0) allowed++;
		}
		await Promise.all([a.flush(), b.flush()]);
		expect(allowed).toBe(10);
		expect(await stored(prefix, 'k')).toBe(30);
		await Promise.all([a.close(), b.close()]);
	});

	it('sends the points taken here along with the key’s next database take', async () => {
		const prefix = `carry${++n}`;
		const l = limiter(one, 100, { prefix, freshMs: 100 });
		for (let i = 0; i < 10; i++) await l.take('k');
		expect(await stored(prefix, 'k')).toBe(1);
		await sleep(150); // what was read is no longer fresh: the next take asks the database
		expect(await l.take('k')).toBe(0);
		expect(await stored(prefix, 'k')).toBe(11);
		await l.close();
	});

	it('answers from memory only for keys it knows fresh and with points to spare', async () => {
		const prefix = `here${++n}`;
		const ip = limiter(one, 6, { prefix: `${prefix}ip` });
		const badge = limiter(one, 1000, { prefix: `${prefix}b` });
		expect(takePointsHere([[ip, 'a'], [badge, 'x']])).toBe(false); // never seen: ask the database
		await ip.take('a');
		expect(takePointsHere([[ip, 'a'], [badge, 'x']])).toBe(false); // one key still unknown: nothing taken
		await badge.take('x');
		expect(takePointsHere([[ip, 'a'], [badge, 'x']])).toBe(true);
		expect(takePointsHere([[ip, 'a'], [badge, 'x']])).toBe(true);
		// 3 of 6 taken: past half the limit, every further point goes to the database.
		expect(takePointsHere([[ip, 'a'], [badge, 'x']])).toBe(false);
		await Promise.all([ip.flush(), badge.flush()]);
		expect(await stored(`${prefix}ip`, 'a')).toBe(3);
		expect(await stored(`${prefix}b`, 'x')).toBe(3);
		await Promise.all([ip.close(), badge.close()]);
	});

	it('refuses with the wait until the window ends, and lets the key in again after it', async () => {
		const prefix = `window${++n}`;
		const l = limiter(one, 2, { prefix, duration: 1 });
		expect(await l.take('k')).toBe(0);
		expect(await l.take('k')).toBe(0);
		const wait = await l.take('k');
		expect(wait).toBeGreaterThan(0);
		expect(wait).toBeLessThanOrEqual(1000);
		await sleep(wait + 100);
		expect(await l.take('k')).toBe(0);
		await l.close();
	});
});
