/**
 * The scheduling engine: pure and deterministic (no clock, no randomness, no database).
 *
 * Work is planned building by building. Each stairwell's stairwell meters form one block (set-up
 * plus one exchange per meter) done by one crew on one day; nobody needs to be at home. In-home
 * meters get appointment slots (a window on a day, with room for `capacity` visits) that residents
 * can book. Every unit (block or slot) goes to the crew that can start it earliest, preferring the
 * crew already working in that building that day (no travel). A crew works one unit at a time
 * within its working hours, on its working days, never on public holidays or when all its fitters
 * are absent, and never before the minimum notice: a power cut must be announced that many days
 * ahead. Meters that cannot be placed are returned with the reason.
 */
import { addDaysToDate } from '../../src/lib/domain/time';
import type { MeterLocation } from '../db/schema';
import { crewDayRefusal, daysInRange, toMinutes, type CrewCalendar } from './calendar';

export interface ScheduleParams {
	/** Exchange time per meter, minutes. */
	exchangeMinutes: number;
	/** Set-up per stairwell block (cabinet, notices, tools), minutes. */
	setupMinutes: number;
	/** Moving the crew from one building to another, minutes. */
	travelMinutes: number;
	/** Length of an in-home appointment window, minutes. */
	slotMinutes: number;
	/** One in-home visit (getting in, the exchange, the protocol), minutes; capacity = slot / visit. */
	inHomeVisitMinutes: number;
	/** A window may not start sooner than this many days after `today`. */
	minNoticeDays: number;
	/** No-access visits are re-planned up to this many attempts in all; then a turn-back. */
	maxAttempts: number;
}

export const DEFAULT_PARAMS: ScheduleParams = {
	exchangeMinutes: 15,
	setupMinutes: 15,
	travelMinutes: 10,
	slotMinutes: 60,
	inHomeVisitMinutes: 30,
	minNoticeDays: 5,
	maxAttempts: 3
};

export interface PointInput {
	id: string;
	flat: string | null;
	location: MeterLocation;
	/** The attempt this visit would be (1 for a first visit; after a no-access visit, one more). */
	attempt: number;
}

export interface BuildingInput {
	id: string;
	/** Position of the building's estate in the planner's choice. */
	estateOrder: number;
	street: string;
	number: string;
	stairwells: Array<{ name: string; points: PointInput[] }>;
}

export interface CrewInput extends CrewCalendar {
	/** Minutes after midnight until which the crew is already busy on a day (existing plan). */
	busyUntil: Record<string, number>;
}

export interface ScheduleInput {
	today: string;
	from: string;
	to: string;
	params: ScheduleParams;
	holidays: string[];
	crews: CrewInput[];
	buildings: BuildingInput[];
}

export type UnplacedReason = 'turn_back' | 'longer_than_a_day' | 'no_capacity' | 'no_crew_days';

export interface PlannedUnit {
	kind: 'stairwell' | 'slot';
	crewId: string;
	date: string;
	buildingId: string;
	stairwell: string | null;
	/** Minutes after midnight, Warsaw wall clock. */
	start: number;
	end: number;
	capacity: number;
	pointIds: string[];
	/** Order of the unit in the crew's day, from 1. */
	sequence: number;
}

export interface ScheduleResult {
	firstDay: string;
	units: PlannedUnit[];
	unplaced: Array<{ pointId: string; reason: UnplacedReason }>;
	/** Points whose re-plan would exceed the attempts allowed. */
	turnBacks: string[];
}

interface UnitSpec {
	kind: 'stairwell' | 'slot';
	buildingId: string;
	stairwell: string | null;
	duration: number;
	capacity: number;
	pointIds: string[];
}

interface CrewState {
	crew: CrewInput;
	order: number;
	days: string[];
	dayIndex: number;
	cursor: number;
	lastBuilding: string | null;
	sequence: number;
	start: number;
	end: number;
}

const ROMAN: Record<string, number> = { I: 1, V: 5, X: 10, L: 50, C: 100 };
function romanValue(s: string): number | null {
	if (!/^[IVXLC]+$/.test(s)) return null;
	let total = 0;
	for (let i = 0; i < s.length; i++) {
		const v = ROMAN[s[i]!]!;
		const next = ROMAN[s[i + 1] ?? ''] ?? 0;
		total += v < next ? -v : v;
	}
	return total;
}

// One collator for all comparisons: String#localeCompare builds one per call, 30× slower.
const collator = new Intl.Collator('pl', { numeric: true, sensitivity: 'base' });

/** Natural order: "2" < "10", "II" < "IV" < "X", "3a" after "3". */
export function naturalCompare(a: string, b: string): number {
	if (a === b) return 0;
	const ra = romanValue(a);
	const rb = romanValue(b);
	if (ra !== null && rb !== null) return ra - rb;
	return collator.compare(a, b) || (a < b ? -1 : 1);
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The units to place, in visiting order. Sorting here makes the plan independent of input order. */
function unitsOf(buildings: BuildingInput[], params: ScheduleParams, turnBacks: Set<string>): UnitSpec[] {
	const ordered = [...buildings].sort(
		(a, b) => a.estateOrder - b.estateOrder || naturalCompare(a.street, b.street) || naturalCompare(a.number, b.number) || byId(a, b)
	);
	const capacity = Math.max(1, Math.floor(params.slotMinutes / params.inHomeVisitMinutes));
	const units: UnitSpec[] = [];
	for (const b of ordered) {
		const stairwells = [...b.stairwells].sort((x, y) => naturalCompare(x.name, y.name));
		const inHome: PointInput[] = [];
		for (const s of stairwells) {
			const points = s.points
				.filter((p) => !turnBacks.has(p.id))
				.sort((x, y) => naturalCompare(x.flat ?? '', y.flat ?? '') || byId(x, y));
			const cabinet = points.filter((p) => p.location === 'stairwell');
			if (cabinet.length) {
				units.push({
					kind: 'stairwell', buildingId: b.id, stairwell: s.name, capacity: cabinet.length, pointIds: cabinet.map((p) => p.id),
					duration: params.setupMinutes + cabinet.length * params.exchangeMinutes
				});
			}
			inHome.push(...points.filter((p) => p.location === 'in_home'));
		}
		for (let i = 0; i < inHome.length; i += capacity) {
			units.push({ kind: 'slot', buildingId: b.id, stairwell: null, capacity, pointIds: inHome.slice(i, i + capacity).map((p) => p.id), duration: params.slotMinutes });
		}
	}
	return units;
}

function crewStates(input: ScheduleInput, firstDay: string): CrewState[] {
	const holidays = new Set(input.holidays);
	const period = firstDay <= input.to ? daysInRange(firstDay, input.to) : [];
	return [...input.crews].sort(byId).map((crew, order) => {
		const start = toMinutes(crew.start);
		const end = toMinutes(crew.end);
		const days = end > start ? period.filter((d) => crewDayRefusal(crew, d, holidays) === null && (crew.busyUntil[d] ?? 0) < end) : [];
		const state: CrewState = { crew, order, days, dayIndex: 0, cursor: 0, lastBuilding: null, sequence: 0, start, end };
		resetDay(state);
		return state;
	});
}

function resetDay(s: CrewState): void {
	const day = s.days[s.dayIndex];
	s.cursor = day ? Math.max(s.start, s.crew.busyUntil[day] ?? 0) : s.end;
	s.lastBuilding = null;
	s.sequence = 0;
}

/** Where the crew could do the unit at the earliest, without changing its state. */
function earliest(s: CrewState, unit: UnitSpec, travel: number): { dayIndex: number; start: number } | null {
	for (let i = s.dayIndex; i < s.days.length; i++) {
		const sameDay = i === s.dayIndex;
		const dayStart = sameDay ? s.cursor : Math.max(s.start, s.crew.busyUntil[s.days[i]!] ?? 0);
		const moving = sameDay && s.lastBuilding !== null && s.lastBuilding !== unit.buildingId ? travel : 0;
		const start = dayStart + moving;
		if (start + unit.duration <= s.end) return { dayIndex: i, start };
	}
	return null;
}

export function schedule(input: ScheduleInput): ScheduleResult {
	const { params } = input;
	const firstDay = [input.from, addDaysToDate(input.today, params.minNoticeDays)].sort()[1]!;
	const turnBacks = input.buildings
		.flatMap((b) => b.stairwells.flatMap((s) => s.points))
		.filter((p) => p.attempt > params.maxAttempts)
		.map((p) => p.id)
		.sort();
	const turnBackSet = new Set(turnBacks);
	const units = unitsOf(input.buildings, params, turnBackSet);
	const crews = crewStates(input, firstDay);
	const longestDay = Math.max(0, ...crews.filter((c) => c.days.length > 0).map((c) => c.end - c.start));
	const anyDays = crews.some((c) => c.days.length > 0);

	const placed: PlannedUnit[] = [];
	const unplaced: ScheduleResult['unplaced'] = turnBacks.map((pointId) => ({ pointId, reason: 'turn_back' as const }));
	for (const unit of units) {
		const reasonIfNone: UnplacedReason = !anyDays ? 'no_crew_days' : unit.duration > longestDay ? 'longer_than_a_day' : 'no_capacity';
		let best: { s: CrewState; dayIndex: number; start: number; date: string; here: number } | null = null;
		for (const s of crews) {
			const at = earliest(s, unit, params.travelMinutes);
			if (!at) continue;
			const date = s.days[at.dayIndex]!;
			// Same day: the crew already in this building keeps it (no travel, one crew per building).
			const here = at.dayIndex === s.dayIndex && s.lastBuilding === unit.buildingId ? 0 : 1;
			if (
				!best ||
				date < best.date ||
				(date === best.date && (here < best.here || (here === best.here && (at.start < best.start || (at.start === best.start && s.order < best.s.order)))))
			) {
				best = { s, dayIndex: at.dayIndex, start: at.start, date, here };
			}
		}
		if (!best) {
			for (const pointId of unit.pointIds) unplaced.push({ pointId, reason: reasonIfNone });
			continue;
		}
		const s = best.s;
		if (best.dayIndex !== s.dayIndex) {
			s.dayIndex = best.dayIndex;
			resetDay(s);
		}
		s.sequence++;
		placed.push({
			kind: unit.kind, crewId: s.crew.id, date: best.date, buildingId: unit.buildingId, stairwell: unit.stairwell,
			start: best.start, end: best.start + unit.duration, capacity: unit.capacity, pointIds: unit.pointIds, sequence: s.sequence
		});
		s.cursor = best.start + unit.duration;
		s.lastBuilding = unit.buildingId;
	}
	return { firstDay, units: placed, unplaced, turnBacks };
}
