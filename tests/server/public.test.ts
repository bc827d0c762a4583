import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { liveCode } from '$lib/domain/live-code';
import { signBadgeToken, verifyBadgeToken } from '$server/badges/badge-token';
import { scheduledAt, verifyBadge, type PublicDeps } from '$server/badges/badges.service';
import { bookingView, bookSlot, cancelBooking, identify } from '$server/booking/booking.service';
import { parseBookingReference } from '$server/booking/reference';
import { publicKeys } from '$server/public/keys';
import { createPublicLimiters, type PublicLimitPolicy } from '$server/public/limits';
import { listReports, lookupStats, submitReport } from '$server/reports/reports.service';
import { createServices, type Services } from '$server/services';
import { SYSTEM_ACTOR } from '$server/audit';
import { newId } from '$server/util/ids';
import { createTestDatabase, describeEachDb, refusal, type TestDatabase } from './harness';
import { seedPublicWorld } from './public-world';

const ROOMY: PublicLimitPolicy = { verifyPerIp: 1000, verifyPerBadge: 1000, addressPerIp: 1000, reportsPerIp: 1000, identifyPerIp: 1000, windowSeconds: 600 };

/** A mistyped version of a badge number: one character changed, so the check character no longer fits. */
function mistype(badge: string): string {
	const chars = badge.replace(/-/g, '').split('');
	chars[2] = chars[2] === 'A' ? 'B' : 'A';
	return chars.join('');
}

describeEachDb('public pages', (kind) => {
	let tdb: TestDatabase;
	let services: Services;
	let deps: PublicDeps;
	let world: Awaited<ReturnType<typeof seedPublicWorld>>;
	let ipCounter = 0;
	/** A fresh client address per test, so limits of one test never leak into another. */
	let ip: string;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		services = createServices(tdb);
		deps = { db: tdb.db, limits: createPublicLimiters(services.limiters, ROOMY) };
		world = await seedPublicWorld(tdb.db);
	});
	afterAll(() => tdb?.destroy());
	beforeEach(() => {
		ip = `198.51.100.${++ipCounter}`;
	});

	describe('badge verification', () => {
		it('shows a valid badge with exactly what the badge shows and the live code of this minute', async () => {
			const now = new Date();
			const answer = await verifyBadge(deps, { badge: world.workers.valid.badge_number, source: 'form', ip, now });
			expect(answer.kind).toBe('badge');
			if (answer.kind !== 'badge') return;
			expect(answer.badge).toEqual({
				badgeNumber: world.workers.valid.badge_number,
				firstName: 'Jan',
				lastName: 'Testowy',
				company: 'Test Sp. z o.o.',
				photoSha256: null,
				status: 'valid',
				// Shown only while the badge is not yet valid (a worker seeded without a start day has none).
				validFrom: null,
				validUntil: world.workers.valid.valid_until
			});
			// The tablet computes the same code offline from the same secret (src/lib/domain/live-code.ts).
			expect(answer.live?.code).toBe(liveCode(world.workers.valid.code_secret, now.getTime()));
			// It holds until the end of its minute, when the tablet's code changes too.
			const left = Date.parse(answer.live!.changesAt) - now.getTime();
			expect(left).toBeGreaterThan(0);
			expect(left).toBeLessThanOrEqual(60_000);
			expect(Date.parse(answer.live!.changesAt) % 60_000).toBe(0);
		});

		it('accepts the number typed in lower case, with spaces and O for zero', async () => {
			const typed = world.workers.valid.badge_number.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o');
			const answer = await verifyBadge(deps, { badge: typed, source: 'form', ip });
			expect(answer.kind === 'badge' && answer.badge.status).toBe('valid');
		});

		it.each([
			['suspended', 'suspended'],
			['revoked', 'revoked'],
			['expired', 'expired']
		] as const)('shows a %s badge as %s, without a live code', async (who, status) => {
			const answer = await verifyBadge(deps, { badge: world.workers[who].badge_number, source: 'form', ip });
			expect(answer.kind).toBe('badge');
			if (answer.kind !== 'badge') return;
			expect(answer.badge.status).toBe(status);
			expect(answer.live).toBeNull();
		});

		it('tells an unknown number from a mistyped one, in answers of the same shape', async () => {
			const unknown = await verifyBadge(deps, { badge: '000-000-000', source: 'form', ip });
			const typo = await verifyBadge(deps, { badge: mistype(world.workers.valid.badge_number), source: 'form', ip });
			expect(unknown).toMatchObject({ kind: 'invalid', reason: 'unknown' });
			expect(typo).toMatchObject({ kind: 'invalid', reason: 'typo' });
			expect(Object.keys(unknown).sort()).toEqual(Object.keys(typo).sort());
			const short = await verifyBadge(deps, { badge: '12', source: 'form', ip });
			expect(short).toMatchObject({ kind: 'invalid', reason: 'format' });
		});

		it('takes about as long for an unknown number as for a mistyped one', async () => {
			const time = async (badge: string) => {
				const samples: number[] = [];
				for (let i = 0; i < 25; i++) {
					const t = performance.now();
					await verifyBadge(deps, { badge, source: 'form', ip: `${ip}-${i % 5}` });
					samples.push(performance.now() - t);
				}
				return samples.sort((a, b) => a - b)[12]!;
			};
			await time('000-000-000'); // warm-up
			const unknown = await time('000-000-000');
			const typo = await time(mistype(world.workers.valid.badge_number));
			// Same limits, same query, same log write: medians within a factor of two (plus 1 ms of noise).
			expect(Math.abs(unknown - typo)).toBeLessThan(Math.max(unknown, typo) / 2 + 1);
		});

		it('logs every look-up with its outcome, without the client address in clear', async () => {
			await verifyBadge(deps, { badge: world.workers.revoked.badge_number, source: 'qr', ip: '203.0.113.99' });
			const row = await tdb.db.selectFrom('badge_lookups').selectAll().where('worker_id', '=', world.workers.revoked.id).orderBy('at', 'desc').executeTakeFirstOrThrow();
			expect(row).toMatchObject({ outcome: 'revoked', source: 'qr' });
			expect(row.client_hash).toMatch(/^[0-9a-f]{16}$/);
			expect(JSON.stringify(row)).not.toContain('203.0.113.99');
		});
	});

	describe('badge QR token', () => {
		it('accepts a token the server signed and refuses any change to it', async () => {
			const keys = await publicKeys(tdb.db);
			const badge = world.workers.valid.badge_number;
			const token = signBadgeToken(keys, badge);
			expect(verifyBadgeToken(keys, token)).toBe(badge);
			const other = world.workers.revoked.badge_number.replace(/-/g, '');
			const swapped = token.replace(badge.replace(/-/g, ''), other);
			expect(verifyBadgeToken(keys, swapped)).toBeNull();
			const sig = token.split('.')[2]!;
			const flipped = token.slice(0, -sig.length) + (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
			expect(verifyBadgeToken(keys, flipped)).toBeNull();
			expect(verifyBadgeToken(keys, 'garbage')).toBeNull();
		});

		it('uses one key for every server instance on the database', async () => {
			const a = await publicKeys(tdb.db);
			const other = createServices(tdb); // a second "instance": same database, fresh caches
			const token = signBadgeToken(a, world.workers.valid.badge_number);
			expect(verifyBadgeToken(await publicKeys(other.db), token)).toBe(world.workers.valid.badge_number);
		});
	});

	describe('rate limits', () => {
		it('stops one address after its allowance and lets it in again after the window', async () => {
			const tight = { ...deps, limits: createPublicLimiters(services.limiters, { ...ROOMY, verifyPerIp: 3, windowSeconds: 1 }) };
			const badge = world.workers.valid.badge_number;
			const kinds = [];
			for (let i = 0; i < 4; i++) kinds.push((await verifyBadge(tight, { badge, source: 'form', ip })).kind);
			expect(kinds).toEqual(['badge', 'badge', 'badge', 'limited']);
			// Another address is not affected.
			expect((await verifyBadge(tight, { badge, source: 'form', ip: `${ip}-other` })).kind).toBe('badge');
			await new Promise((r) => setTimeout(r, 1200));
			expect((await verifyBadge(tight, { badge, source: 'form', ip })).kind).toBe('badge');
		});

		it('limits one badge number across addresses, and counts unknown numbers too', async () => {
			const tight = { ...deps, limits: createPublicLimiters(services.limiters, { ...ROOMY, verifyPerBadge: 2, windowSeconds: 1 }) };
			const badge = world.workers.otherCrew.badge_number;
			const answers = [];
			for (let i = 0; i < 3; i++) answers.push(await verifyBadge(tight, { badge, source: 'form', ip: `${ip}-${i}` }));
			expect(answers.map((a) => a.kind)).toEqual(['badge', 'badge', 'limited']);
			expect(answers[2]).toMatchObject({ kind: 'limited', retryAfterSeconds: 1 });
			const unknown = [];
			for (let i = 0; i < 3; i++) unknown.push((await verifyBadge(tight, { badge: '111-111-111', source: 'form', ip: `${ip}-u${i}` })).kind);
			expect(unknown).toEqual(['invalid', 'invalid', 'limited']);
			const limited = await tdb.db.selectFrom('badge_lookups').select('id').where('outcome', '=', 'limited').where('worker_id', 'is', null).execute();
			expect(limited.length).toBeGreaterThanOrEqual(2);
		});

		it('shares the counters between instances through the database', async () => {
			const policy = { ...ROOMY, verifyPerIp: 2 };
			const one = { ...deps, limits: createPublicLimiters(services.limiters, policy) };
			const two = { ...deps, limits: createPublicLimiters(createServices(tdb).limiters, policy) };
			const badge = world.workers.valid.badge_number;
			expect((await verifyBadge(one, { badge, source: 'form', ip })).kind).toBe('badge');
			expect((await verifyBadge(two, { badge, source: 'form', ip })).kind).toBe('badge');
			expect((await verifyBadge(one, { badge, source: 'form', ip })).kind).toBe('limited');
		});
	});

	describe('is this person scheduled at my address today', () => {
		const ask = (badge: string, street: string, number: string, stairwell: string | null = null) =>
			scheduledAt(deps, { badge, street, number, stairwell, ip });

		it('says yes with the window for the right address today, however the street is typed', async () => {
			const badge = world.workers.valid.badge_number;
			for (const street of ['ul. Źródlana', 'Zrodlana', 'ŹRÓDLANA', 'ulica źródlana']) {
				const answer = await ask(badge, street, '7');
				expect(answer.kind).toBe('yes');
				if (answer.kind !== 'yes') continue;
				expect(new Date(answer.windowStart).toISOString()).toBe(answer.windowStart);
				expect(answer).toEqual({ kind: 'yes', windowStart: expect.any(String), windowEnd: expect.any(String) });
			}
			expect(await ask(badge, 'Źródlana', '7', '1')).toMatchObject({ kind: 'yes' });
			expect(await ask(badge, 'Źródlana', '7', 'klatka I')).toMatchObject({ kind: 'yes' });
		});

		it('says no for another building, another stairwell, another day or another crew — and nothing more', async () => {
			const badge = world.workers.valid.badge_number;
			const nos = [
				await ask(badge, 'Źródlana', '9'), // crew A is there tomorrow, crew B today
				await ask(badge, 'Źródlana', '7', 'II'),
				await ask(badge, 'Nieistniejąca', '1'),
				await ask(world.workers.otherCrew.badge_number, 'Źródlana', '7')
			];
			for (const answer of nos) expect(answer).toEqual({ kind: 'no' });
		});

		it('never says yes for a badge that is not valid', async () => {
			for (const who of ['suspended', 'revoked', 'expired'] as const) {
				expect(await ask(world.workers[who].badge_number, 'Źródlana', '7')).toEqual({ kind: 'badge_not_valid' });
			}
			expect(await ask('000-000-000', 'Źródlana', '7')).toEqual({ kind: 'badge_not_valid' });
		});
	});

	describe('in-home booking', () => {
		const flat = (i: number) => world.flats[i]!;
		const who = (i: number) => ({ by: 'ppe' as const, buildingId: world.buildings.one, flat: flat(i).flat, ppeDigits: flat(i).ppe.slice(-6) });

		it('identifies a flat by its PPE digits and number, never by personal data, and shows no personal data', async () => {
			expect(await identify(deps, who(0), ip)).toEqual({ kind: 'ok', jobId: flat(0).jobId });
			expect(await identify(deps, { ...who(0), ppeDigits: '000000' }, ip)).toEqual({ kind: 'not_found' });
			expect(await identify(deps, { ...who(0), buildingId: world.buildings.two }, ip)).toEqual({ kind: 'not_found' });
			const view = await bookingView(tdb.db, flat(0).jobId);
			const text = JSON.stringify(view);
			expect(text).not.toContain('+48');
			expect(text).not.toContain(flat(0).ppe);
		});

		it('offers only published, not withdrawn, future slots with room, of the flat’s building', async () => {
			const view = await bookingView(tdb.db, flat(5).jobId);
			expect(view?.slots.map((s) => s.id).sort()).toEqual([world.slots.s1, world.slots.s2, world.slots.big].sort());
			for (const bad of [world.slots.withdrawn, world.slots.unpublished, world.slots.past]) {
				expect(await refusal(bookSlot(tdb.db, { jobId: flat(5).jobId, slotId: bad, actor: SYSTEM_ACTOR }))).toBe('SLOT_UNAVAILABLE');
			}
		});

		it('books a slot with a reference, and the plan and the tablets see it', async () => {
			const { reference, moved } = await bookSlot(tdb.db, { jobId: flat(0).jobId, slotId: world.slots.s1, actor: SYSTEM_ACTOR });
			expect(moved).toBe(false);
			expect(parseBookingReference(reference)).toBe(reference);
			const job = await tdb.db.selectFrom('jobs').selectAll().where('id', '=', flat(0).jobId).executeTakeFirstOrThrow();
			const slot = await tdb.db.selectFrom('appointment_slots').selectAll().where('id', '=', world.slots.s1).executeTakeFirstOrThrow();
			expect(job).toMatchObject({ slot_id: slot.id, booking_reference: reference, planned_date: slot.date, window_start: slot.starts_at, window_end: slot.ends_at, crew_id: slot.crew_id });
			const change = await tdb.db.selectFrom('change_log').selectAll().where('entity_id', '=', flat(0).jobId).where('crew_id', '=', slot.crew_id).executeTakeFirst();
			expect(JSON.parse(change!.data!)).toMatchObject({ windowStart: slot.starts_at });
			// The same reference identifies the booking later, typed loosely.
			expect(await identify(deps, { by: 'reference', reference: reference.toLowerCase().replace('-', ' ') }, ip)).toEqual({ kind: 'ok', jobId: flat(0).jobId });
		});

		it('refuses a second booking of a full slot and leaves the loser unchanged', async () => {
			expect(await refusal(bookSlot(tdb.db, { jobId: flat(1).jobId, slotId: world.slots.s1, actor: SYSTEM_ACTOR }))).toBe('SLOT_FULL');
			const loser = await tdb.db.selectFrom('jobs').selectAll().where('id', '=', flat(1).jobId).executeTakeFirstOrThrow();
			expect(loser).toMatchObject({ slot_id: null, booking_reference: null, window_start: null });
			expect((await bookingView(tdb.db, flat(1).jobId))?.slots.map((s) => s.id)).not.toContain(world.slots.s1);
		});

		it('gives each place of a slot to exactly one of many residents booking at the same moment', async () => {
			const racers = [1, 2, 3, 4];
			const results = await Promise.all(racers.map((i) => refusal(bookSlot(tdb.db, { jobId: flat(i).jobId, slotId: world.slots.big, actor: SYSTEM_ACTOR }))));
			expect(results.filter((r) => r === 'OK')).toHaveLength(2);
			expect(results.filter((r) => r === 'SLOT_FULL')).toHaveLength(2);
			const taken = await tdb.db.selectFrom('jobs').select('id').where('slot_id', '=', world.slots.big).execute();
			expect(taken).toHaveLength(2);
		});

		it('moves a booking keeping its reference, freeing the old slot', async () => {
			const before = await tdb.db.selectFrom('jobs').selectAll().where('id', '=', flat(0).jobId).executeTakeFirstOrThrow();
			const { reference, moved } = await bookSlot(tdb.db, { jobId: flat(0).jobId, slotId: world.slots.s2, actor: SYSTEM_ACTOR });
			expect(moved).toBe(true);
			expect(reference).toBe(before.booking_reference);
			const after = await tdb.db.selectFrom('jobs').selectAll().where('id', '=', flat(0).jobId).executeTakeFirstOrThrow();
			expect(after.slot_id).toBe(world.slots.s2);
			expect((await bookingView(tdb.db, flat(5).jobId))?.slots.map((s) => s.id)).toContain(world.slots.s1);
		});

		it('cancels a booking: the job loses its appointment and the slot is free again', async () => {
			await cancelBooking(tdb.db, { jobId: flat(0).jobId, actor: SYSTEM_ACTOR });
			const job = await tdb.db.selectFrom('jobs').selectAll().where('id', '=', flat(0).jobId).executeTakeFirstOrThrow();
			expect(job).toMatchObject({ slot_id: null, booking_reference: null, planned_date: null, window_start: null });
			expect((await bookingView(tdb.db, flat(5).jobId))?.slots.map((s) => s.id)).toContain(world.slots.s2);
			expect(await refusal(cancelBooking(tdb.db, { jobId: flat(0).jobId, actor: SYSTEM_ACTOR }))).toBe('BOOKING_NOT_FOUND');
		});

		it('refuses to change a job that is no longer planned', async () => {
			await tdb.db.updateTable('jobs').set({ status: 'done' }).where('id', '=', flat(5).jobId).execute();
			expect(await refusal(bookSlot(tdb.db, { jobId: flat(5).jobId, slotId: world.slots.s1, actor: SYSTEM_ACTOR }))).toBe('BOOKING_LOCKED');
			expect((await bookingView(tdb.db, flat(5).jobId))?.state).toBe('done');
		});

		it('limits identification attempts per address', async () => {
			const tight = { ...deps, limits: createPublicLimiters(services.limiters, { ...ROOMY, identifyPerIp: 2 }) };
			const tries = [];
			for (let i = 0; i < 3; i++) tries.push((await identify(tight, { ...who(2), ppeDigits: String(100000 + i) }, ip)).kind);
			expect(tries).toEqual(['not_found', 'not_found', 'limited']);
			expect((await identify(tight, who(2), ip)).kind).toBe('limited');
		});
	});

	describe('suspicious-visit reports and look-up counts', () => {
		it('stores a report without personal data and lists reports newest first', async () => {
			const first = await submitReport(deps, { address: 'Źródlana 7, klatka II', occurredAt: new Date(Date.now() - 3_600_000).toISOString(), description: 'Prosił o 50 zł za wymianę.' }, ip);
			await new Promise((r) => setTimeout(r, 5));
			const second = await submitReport(
				deps,
				{ address: 'Źródlana 9', occurredAt: new Date().toISOString(), description: 'Nie chciał pokazać identyfikatora.', badgeSeen: world.workers.revoked.badge_number.toLowerCase() },
				ip
			);
			expect(first.kind).toBe('saved');
			const list = await listReports(tdb.db);
			expect(list.map((r) => r.reference).slice(0, 2)).toEqual([second.kind === 'saved' && second.reference, first.kind === 'saved' && first.reference]);
			expect(list[0]).toMatchObject({ badgeSeen: world.workers.revoked.badge_number, worker: { status: 'revoked' } });
		});

		it('limits reports per address', async () => {
			const tight = { ...deps, limits: createPublicLimiters(services.limiters, { ...ROOMY, reportsPerIp: 1 }) };
			const input = { address: 'Źródlana 7', occurredAt: new Date().toISOString(), description: 'Coś podejrzanego.' };
			expect((await submitReport(tight, input, ip)).kind).toBe('saved');
			expect((await submitReport(tight, input, ip)).kind).toBe('limited');
		});

		it('counts look-ups per badge and flags a spike against the badge’s usual', async () => {
			const now = new Date();
			const rows = [];
			const spiky = world.workers.expired.id;
			const steady = world.workers.suspended.id;
			for (let i = 0; i < 30; i++) rows.push({ worker_id: spiky, at: new Date(now.getTime() - i * 60_000).toISOString() });
			// The steady badge: 30 today, but 30 a day all week too — its usual, not a spike.
			for (let d = 0; d < 8; d++) for (let i = 0; i < 30; i++) rows.push({ worker_id: steady, at: new Date(now.getTime() - d * 86_400_000 - (i + 70) * 60_000).toISOString() });
			for (let i = 0; i < rows.length; i += 100) {
				await tdb.db
					.insertInto('badge_lookups')
					.values(rows.slice(i, i + 100).map((r) => ({ id: newId(), at: r.at, badge_input: null, worker_id: r.worker_id, outcome: 'valid' as const, source: 'form' as const, client_hash: null })))
					.execute();
			}
			const stats = await lookupStats(tdb.db, now);
			const s = stats.badges.find((b) => b.workerId === spiky)!;
			const t = stats.badges.find((b) => b.workerId === steady)!;
			expect(s.last24h).toBeGreaterThanOrEqual(30);
			expect(s.spike).toBe(true);
			expect(t.last24h).toBeGreaterThanOrEqual(30);
			expect(t.dailyAverage).toBeGreaterThanOrEqual(25);
			expect(t.spike).toBe(false);
			expect(stats.badges[0]!.spike).toBe(true);
			expect(stats.notFound.last24h).toBeGreaterThan(0);
		});
	});
});

describeEachDb('demo data for the public pages', (kind) => {
	let tdb: TestDatabase;
	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		const { seedDemo } = await import('$server/demo/seed');
		await seedDemo(tdb.db);
	});
	afterAll(() => tdb?.destroy());

	it('puts every planned in-home visit in a published slot and leaves free slots to book', async () => {
		const jobs = await tdb.db
			.selectFrom('jobs')
			.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
			.leftJoin('appointment_slots as s', 's.id', 'jobs.slot_id')
			.select(['jobs.window_start', 's.starts_at', 's.published_at', 's.building_id', 'mp.building_id as point_building'])
			.where('mp.location', '=', 'in_home')
			.where('jobs.status', '=', 'planned')
			.execute();
		expect(jobs.length).toBeGreaterThan(10);
		for (const j of jobs) {
			expect(j.starts_at).toBe(j.window_start);
			expect(j.published_at).not.toBeNull();
			expect(j.building_id).toBe(j.point_building);
		}
		const slots = await tdb.db.selectFrom('appointment_slots').select('id').execute();
		expect(slots.length).toBeGreaterThan(jobs.length);
	});

	it('has a badge for every answer the check can give', async () => {
		const workers = await tdb.db.selectFrom('workers').select(['status', 'valid_until']).execute();
		const now = new Date();
		const { badgeStatus } = await import('$server/badges/badges.service');
		expect(new Set(workers.map((w) => badgeStatus(w, now)))).toEqual(new Set(['valid', 'suspended', 'revoked', 'expired']));
	});
});
