import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDaysToDate } from '$lib/domain/time';
import { crewDayRefusal, holidaysBetween, polishPublicHolidays, toMinutes } from '../../server/schedule/calendar';
import { DEFAULT_PARAMS, naturalCompare, schedule, type ScheduleInput } from '../../server/schedule/engine';

const TODAY = '2026-03-23';

const crewArb = (i: number) =>
	fc.record({
		workDays: fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }),
		startHour: fc.integer({ min: 6, max: 9 }),
		hours: fc.integer({ min: 4, max: 10 }),
		fitters: fc.array(fc.array(fc.record({ from: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 0, max: 6 }) }), { maxLength: 2 }), { minLength: 0, maxLength: 3 }),
		busy: fc.array(fc.record({ day: fc.integer({ min: 0, max: 40 }), until: fc.integer({ min: 8 * 60, max: 18 * 60 }) }), { maxLength: 3 })
	}).map((c) => ({
		id: `crew-${i}`,
		workDays: c.workDays,
		start: `${String(c.startHour).padStart(2, '0')}:00`,
		end: `${String(c.startHour + c.hours).padStart(2, '0')}:00`,
		fitters: c.fitters.map((abs, f) => ({ id: `f-${i}-${f}`, absences: abs.map((a) => ({ from: addDaysToDate(TODAY, a.from), to: addDaysToDate(TODAY, a.from + a.len) })) })),
		busyUntil: Object.fromEntries(c.busy.map((b) => [addDaysToDate(TODAY, b.day), b.until]))
	}));

const inputArb: fc.Arbitrary<ScheduleInput> = fc
	.record({
		crewCount: fc.integer({ min: 1, max: 4 }),
		buildings: fc.array(
			fc.array(fc.array(fc.record({ inHome: fc.boolean(), attempt: fc.constantFrom(1, 1, 1, 2, 3, 4) }), { maxLength: 14 }), { minLength: 1, maxLength: 4 }),
			{ minLength: 1, maxLength: 5 }
		),
		fromOffset: fc.integer({ min: 0, max: 10 }),
		length: fc.integer({ min: 0, max: 30 }),
		extraHolidays: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 3 }),
		params: fc.record({
			exchangeMinutes: fc.integer({ min: 5, max: 30 }),
			setupMinutes: fc.integer({ min: 0, max: 30 }),
			travelMinutes: fc.integer({ min: 0, max: 30 }),
			slotMinutes: fc.constantFrom(30, 60, 90, 120),
			inHomeVisitMinutes: fc.constantFrom(15, 20, 30, 45),
			minNoticeDays: fc.integer({ min: 0, max: 8 }),
			maxAttempts: fc.constant(3)
		})
	})
	.chain((r) => fc.tuple(fc.constant(r), fc.tuple(...Array.from({ length: r.crewCount }, (_, i) => crewArb(i)))))
	.map(([r, crews]) => {
		let n = 0;
		const from = addDaysToDate(TODAY, r.fromOffset);
		const to = addDaysToDate(from, r.length);
		return {
			today: TODAY,
			from,
			to,
			params: r.params,
			holidays: [...holidaysBetween(TODAY, addDaysToDate(TODAY, 60)), ...r.extraHolidays.map((d) => addDaysToDate(TODAY, d))],
			crews,
			buildings: r.buildings.map((stairwells, b) => ({
				id: `b-${b}`,
				estateOrder: b % 2,
				street: `ul. Testowa`,
				number: String(b + 1),
				stairwells: stairwells.map((points, s) => ({
					name: ['I', 'II', 'III', 'IV'][s]!,
					points: points.map((p) => ({ id: `p-${String(n).padStart(4, '0')}`, flat: String(++n), location: p.inHome ? ('in_home' as const) : ('stairwell' as const), attempt: p.attempt }))
				}))
			}))
		};
	});

const allPoints = (input: ScheduleInput) => input.buildings.flatMap((b) => b.stairwells.flatMap((s) => s.points.map((p) => ({ ...p, building: b.id, stairwell: s.name }))));

describe('scheduling engine (properties over generated inputs)', () => {
	it('never double-books a crew and keeps every unit inside its working hours and existing plan', () => {
		fc.assert(
			fc.property(inputArb, (input) => {
				const result = schedule(input);
				for (const crew of input.crews) {
					const byDay = new Map<string, typeof result.units>();
					for (const u of result.units.filter((u) => u.crewId === crew.id)) byDay.set(u.date, [...(byDay.get(u.date) ?? []), u]);
					for (const [date, units] of byDay) {
						const sorted = [...units].sort((a, b) => a.start - b.start);
						for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start).toBeGreaterThanOrEqual(sorted[i - 1]!.end);
						expect(sorted[0]!.start).toBeGreaterThanOrEqual(Math.max(toMinutes(crew.start), crew.busyUntil[date] ?? 0));
						expect(sorted[sorted.length - 1]!.end).toBeLessThanOrEqual(toMinutes(crew.end));
					}
				}
			}),
			{ numRuns: 300 }
		);
	});

	it('works only on crew working days, never on holidays or when every fitter is absent, and never inside the notice period', () => {
		fc.assert(
			fc.property(inputArb, (input) => {
				const result = schedule(input);
				const holidays = new Set(input.holidays);
				const earliest = [input.from, addDaysToDate(input.today, input.params.minNoticeDays)].sort()[1]!;
				for (const u of result.units) {
					const crew = input.crews.find((c) => c.id === u.crewId)!;
					expect(crewDayRefusal(crew, u.date, holidays)).toBeNull();
					expect(u.date >= earliest && u.date <= input.to).toBe(true);
				}
			}),
			{ numRuns: 300 }
		);
	});

	it('keeps each stairwell’s stairwell meters in one block, puts in-home meters only in bookable slots within capacity, and accounts for every meter', () => {
		fc.assert(
			fc.property(inputArb, (input) => {
				const { params } = input;
				const result = schedule(input);
				const points = allPoints(input);
				const unitOf = new Map<string, (typeof result.units)[number]>();
				for (const u of result.units) for (const id of u.pointIds) {
					expect(unitOf.has(id)).toBe(false);
					unitOf.set(id, u);
				}
				const unplaced = new Map(result.unplaced.map((u) => [u.pointId, u.reason]));
				for (const p of points) {
					expect(unitOf.has(p.id) !== unplaced.has(p.id)).toBe(true);
					if (p.attempt > params.maxAttempts) expect(unplaced.get(p.id)).toBe('turn_back');
					const u = unitOf.get(p.id);
					if (!u) continue;
					expect(u.buildingId).toBe(p.building);
					if (p.location === 'in_home') {
						expect(u.kind).toBe('slot');
						expect(u.end - u.start).toBe(params.slotMinutes);
						expect(u.pointIds.length).toBeLessThanOrEqual(u.capacity);
						expect(u.capacity).toBe(Math.max(1, Math.floor(params.slotMinutes / params.inHomeVisitMinutes)));
					} else {
						expect(u.kind).toBe('stairwell');
						expect(u.stairwell).toBe(p.stairwell);
					}
				}
				// One block per stairwell: all its placed stairwell meters share it, and it has exactly them.
				for (const u of result.units.filter((x) => x.kind === 'stairwell')) {
					const expected = points.filter((p) => p.building === u.buildingId && p.stairwell === u.stairwell && p.location === 'stairwell' && p.attempt <= params.maxAttempts);
					expect([...u.pointIds].sort()).toEqual(expected.map((p) => p.id).sort());
					expect(u.end - u.start).toBe(params.setupMinutes + expected.length * params.exchangeMinutes);
				}
			}),
			{ numRuns: 300 }
		);
	});

	it('gives the same plan for the same input, whatever order it comes in', () => {
		fc.assert(
			fc.property(inputArb, fc.integer(), (input, seed) => {
				const shuffle = <T>(xs: T[]) => xs.map((x, i) => ({ x, k: (i * 2654435761 + seed) % 1000 })).sort((a, b) => a.k - b.k).map((e) => e.x);
				const shuffled: ScheduleInput = {
					...input,
					crews: shuffle(input.crews),
					holidays: shuffle(input.holidays),
					buildings: shuffle(input.buildings).map((b) => ({ ...b, stairwells: shuffle(b.stairwells).map((s) => ({ ...s, points: shuffle(s.points) })) }))
				};
				expect(schedule(shuffled)).toEqual(schedule(input));
				expect(schedule(structuredClone(input))).toEqual(schedule(input));
			}),
			{ numRuns: 200 }
		);
	});

	it('explains a block longer than any working day, and a period too short', () => {
		const input: ScheduleInput = {
			today: TODAY, from: TODAY, to: '2026-04-02', params: { ...DEFAULT_PARAMS }, holidays: [],
			crews: [{ id: 'c', workDays: [1, 2, 3, 4, 5], start: '08:00', end: '10:00', fitters: [{ id: 'f', absences: [] }], busyUntil: {} }],
			buildings: [{ id: 'b', estateOrder: 0, street: 'A', number: '1', stairwells: [
				{ name: 'I', points: Array.from({ length: 12 }, (_, i) => ({ id: `x${i}`, flat: String(i), location: 'stairwell' as const, attempt: 1 })) },
				{ name: 'II', points: Array.from({ length: 20 }, (_, i) => ({ id: `y${String(i).padStart(2, '0')}`, flat: String(i), location: 'in_home' as const, attempt: 1 })) }
			] }]
		};
		const result = schedule(input);
		expect(result.firstDay).toBe('2026-03-28');
		expect(result.unplaced.filter((u) => u.reason === 'longer_than_a_day')).toHaveLength(12);
		// Four working days after the notice (30 Mar – 2 Apr), two 1-hour slots of two visits a day.
		expect(result.units.map((u) => u.pointIds.length)).toEqual([2, 2, 2, 2, 2, 2, 2, 2]);
		expect(result.unplaced.filter((u) => u.reason === 'no_capacity').map((u) => u.pointId)).toEqual(['y16', 'y17', 'y18', 'y19']);
		expect(schedule({ ...input, to: '2026-03-29' }).unplaced.every((u) => u.reason === 'no_crew_days')).toBe(true);
	});
});

describe('working calendar', () => {
	it('knows the Polish public holidays, including the Easter-based ones', () => {
		const y2026 = polishPublicHolidays(2026);
		expect(y2026).toEqual(expect.arrayContaining(['2026-01-01', '2026-01-06', '2026-04-05', '2026-04-06', '2026-05-01', '2026-05-03', '2026-05-24', '2026-06-04', '2026-08-15', '2026-11-01', '2026-11-11', '2026-12-25', '2026-12-26']));
		expect(polishPublicHolidays(2027)).toEqual(expect.arrayContaining(['2027-03-28', '2027-03-29', '2027-05-27']));
		expect(y2026).not.toContain('2026-02-14');
	});

	it('plans nothing on Easter Monday or Corpus Christi', () => {
		const input: ScheduleInput = {
			today: '2026-03-20', from: '2026-04-06', to: '2026-04-06', params: { ...DEFAULT_PARAMS, minNoticeDays: 0 }, holidays: holidaysBetween('2026-04-01', '2026-06-30'),
			crews: [{ id: 'c', workDays: [1, 2, 3, 4, 5], start: '08:00', end: '16:00', fitters: [{ id: 'f', absences: [] }], busyUntil: {} }],
			buildings: [{ id: 'b', estateOrder: 0, street: 'A', number: '1', stairwells: [{ name: 'I', points: [{ id: 'p', flat: '1', location: 'stairwell', attempt: 1 }] }] }]
		};
		expect(schedule(input).unplaced).toEqual([{ pointId: 'p', reason: 'no_crew_days' }]);
		expect(schedule({ ...input, from: '2026-06-04', to: '2026-06-05' }).units.map((u) => u.date)).toEqual(['2026-06-05']);
	});

	it('sorts stairwells and house numbers naturally', () => {
		expect(['IV', 'II', 'X', 'I', 'IX'].sort(naturalCompare)).toEqual(['I', 'II', 'IV', 'IX', 'X']);
		expect(['10', '2', '3a', '3'].sort(naturalCompare)).toEqual(['2', '3', '3a', '10']);
	});
});
