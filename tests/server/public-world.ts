import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { generateBadgeNumber } from '$lib/domain/badge';
import { ppeWithCheckDigit } from '$lib/domain/ppe';
import { addDaysToDate, warsawDate, warsawInstant } from '$lib/domain/time';
import type { BadgeStatus, DB } from '$server/db/schema';
import { newTotpSecret } from '$server/auth/totp';
import { newId, nowIso } from '$server/util/ids';

/**
 * A small world for the public pages: one estate with two buildings, two crews, workers with every
 * badge status, today's stairwell visits of crew A in building 1 stairwell I, and in-home meters
 * with published slots in building 1.
 */
export async function seedPublicWorld(db: Kysely<DB>, now = new Date()) {
	const at = nowIso();
	const today = warsawDate(now);
	const crews = { a: newId(), b: newId() };
	await db.insertInto('crews').values([
		{ id: crews.a, name: 'Crew A', created_at: at },
		{ id: crews.b, name: 'Crew B', created_at: at }
	]).execute();

	const worker = async (first: string, status: BadgeStatus, validUntil: string, crew: string | null) => {
		const row = {
			id: newId(), first_name: first, last_name: 'Testowy', company: 'Test Sp. z o.o.', badge_number: generateBadgeNumber((n) => randomBytes(n)),
			photo_sha256: null, status, valid_until: validUntil, code_secret: newTotpSecret(), crew_id: crew, is_demo: 0 as const, created_at: at, updated_at: at
		};
		await db.insertInto('workers').values(row).execute();
		return row;
	};
	const workers = {
		valid: await worker('Jan', 'active', addDaysToDate(today, 100), crews.a),
		otherCrew: await worker('Ewa', 'active', addDaysToDate(today, 100), crews.b),
		suspended: await worker('Marek', 'suspended', addDaysToDate(today, 100), crews.a),
		revoked: await worker('Karol', 'revoked', addDaysToDate(today, 100), crews.a),
		expired: await worker('Adam', 'active', addDaysToDate(today, -1), crews.a)
	};

	const estate = newId();
	await db.insertInto('estates').values({ id: estate, name: 'Osiedle Testowe', city: 'Wrocław', is_demo: 0, created_at: at }).execute();
	const buildings = { one: newId(), two: newId() };
	await db.insertInto('buildings').values([
		{ id: buildings.one, estate_id: estate, street: 'ul. Źródlana', number: '7', postcode: '50-001', city: 'Wrocław', created_at: at },
		{ id: buildings.two, estate_id: estate, street: 'ul. Źródlana', number: '9', postcode: '50-001', city: 'Wrocław', created_at: at }
	]).execute();

	let n = 0;
	const point = async (building: string, stairwell: string, flat: string, location: 'stairwell' | 'in_home') => {
		const id = newId();
		const ppe = ppeWithCheckDigit(String(59054356000000000n + BigInt(++n) * 7919n));
		await db.insertInto('meter_points').values({
			id, ppe, building_id: building, stairwell, flat, location, tariff_group: 'G11', prosumer: 0,
			resident_phone: location === 'in_home' ? '+48 600 000 001' : null, created_at: at, updated_at: at
		}).execute();
		return { id, ppe, flat };
	};
	const job = async (pointId: string, crew: string, day: string | null, start: string | null, end: string | null, slotId: string | null = null) => {
		const id = newId();
		await db.insertInto('jobs').values({
			id, meter_point_id: pointId, crew_id: crew, planned_date: day, window_start: start ? warsawInstant(day!, start).toISOString() : null,
			window_end: end ? warsawInstant(day!, end).toISOString() : null, sequence: n, status: 'planned', attempt: 1, created_at: at, updated_at: at, slot_id: slotId
		}).execute();
		return id;
	};

	// Today: crew A works building 1 stairwell I, 08:00–12:00. Tomorrow: building 2 stairwell I.
	for (let i = 1; i <= 3; i++) await job((await point(buildings.one, 'I', String(i), 'stairwell')).id, crews.a, today, '08:00', '12:00');
	for (let i = 1; i <= 2; i++) await job((await point(buildings.two, 'I', String(i), 'stairwell')).id, crews.a, addDaysToDate(today, 1), '12:00', '16:00');
	// Crew B today at building 2 stairwell II (crew A's fitter must get "no" there).
	await job((await point(buildings.two, 'II', '11', 'stairwell')).id, crews.b, today, '08:00', '12:00');

	// Published slots in building 1, a week ahead; one withdrawn, one unpublished, one in the past.
	const day = addDaysToDate(today, 7);
	const slot = async (start: string, end: string, capacity: number, extra: { published?: boolean; withdrawn?: boolean; date?: string } = {}) => {
		const id = newId();
		const d = extra.date ?? day;
		await db.insertInto('appointment_slots').values({
			id, building_id: buildings.one, crew_id: crews.b, date: d, starts_at: warsawInstant(d, start).toISOString(), ends_at: warsawInstant(d, end).toISOString(),
			capacity, published_at: extra.published === false ? null : at, withdrawn_at: extra.withdrawn ? at : null, created_at: at
		}).execute();
		return id;
	};
	const slots = {
		s1: await slot('09:00', '09:30', 1),
		s2: await slot('10:00', '10:30', 1),
		big: await slot('11:00', '11:30', 2),
		withdrawn: await slot('12:00', '12:30', 1, { withdrawn: true }),
		unpublished: await slot('13:00', '13:30', 1, { published: false }),
		past: await slot('08:00', '08:30', 1, { date: addDaysToDate(today, -1) })
	};
	const flats = [];
	for (let i = 0; i < 6; i++) {
		const p = await point(buildings.one, 'II', String(20 + i), 'in_home');
		flats.push({ ...p, jobId: await job(p.id, crews.a, null, null, null) });
	}
	return { today, crews, workers, buildings, slots, flats, estate };
}
