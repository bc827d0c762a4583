import type { Kysely } from 'kysely';
import { warsawDate } from '../../src/lib/domain/time';
import type { DB } from '../db/schema';
import { allBuildings } from '../badges/badges.repository';
import { naturalCompare } from '../schedule/engine';
import { streetKey } from './address';

export interface BuildingHit {
	id: string;
	street: string;
	number: string;
	city: string;
	estate: string;
}

const MAX_HITS = 30;

/** Buildings whose street or estate contains every word typed (diacritics and "ul." ignored). */
export async function searchBuildings(db: Kysely<DB>, query: string): Promise<BuildingHit[]> {
	const words = streetKey(query).split(' ').filter(Boolean);
	if (words.length === 0) return [];
	const hits = (await allBuildings(db)).filter((b) => {
		const hay = `${streetKey(b.street)} ${b.number.toLowerCase()} ${streetKey(b.estate)}`;
		return words.every((w) => hay.includes(w));
	});
	hits.sort((a, b) => naturalCompare(a.street, b.street) || naturalCompare(a.number, b.number));
	return hits.slice(0, MAX_HITS).map((b) => ({ id: b.id, street: b.street, number: b.number, city: b.city, estate: b.estate }));
}

export type StairwellPlan =
	| { stairwell: string; state: 'planned'; date: string; windowStart: string; windowEnd: string }
	| { stairwell: string; state: 'done' }
	| { stairwell: string; state: 'not_planned' };

/**
 * A building's stairwell exchanges: the day and window of the stairwell meters' visit. Only
 * stairwell (cabinet) meters count — nothing about any flat or resident.
 */
export async function buildingSchedule(db: Kysely<DB>, buildingId: string, now = new Date()) {
	const building = await db
		.selectFrom('buildings')
		.innerJoin('estates', 'estates.id', 'buildings.estate_id')
		.select(['buildings.id', 'buildings.street', 'buildings.number', 'buildings.city', 'estates.name as estate'])
		.where('buildings.id', '=', buildingId)
		.executeTakeFirst();
	if (!building) return null;
	const today = warsawDate(now);
	const rows = await db
		.selectFrom('meter_points as mp')
		.leftJoin('jobs', (j) => j.onRef('jobs.meter_point_id', '=', 'mp.id').on('jobs.status', 'not in', ['cancelled', 'turned_back']))
		.select(['mp.stairwell', 'mp.location', 'jobs.status', 'jobs.planned_date', 'jobs.window_start', 'jobs.window_end'])
		.where('mp.building_id', '=', buildingId)
		.execute();
	const stairwells = [...new Set(rows.map((r) => r.stairwell))].sort(naturalCompare);
	const inHome = rows.some((r) => r.location === 'in_home');
	const plans: StairwellPlan[] = stairwells.map((stairwell) => {
		const cabinet = rows.filter((r) => r.stairwell === stairwell && r.location === 'stairwell');
		const open = cabinet.filter((r) => r.status === 'planned' || r.status === 'in_progress');
		const upcoming = open.filter((r) => r.planned_date && r.planned_date >= today && r.window_start && r.window_end);
		if (upcoming.length > 0) {
			const date = upcoming.map((r) => r.planned_date!).sort()[0]!;
			const sameDay = upcoming.filter((r) => r.planned_date === date);
			return {
				stairwell,
				state: 'planned',
				date,
				windowStart: sameDay.map((r) => r.window_start!).sort()[0]!,
				windowEnd: sameDay.map((r) => r.window_end!).sort().at(-1)!
			};
		}
		if (cabinet.length > 0 && cabinet.every((r) => r.status === 'done')) return { stairwell, state: 'done' };
		return { stairwell, state: 'not_planned' };
	});
	return { building, stairwells: plans, inHome };
}
