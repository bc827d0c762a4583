import { describe, expect, it } from 'vitest';
import { groupJobs, type GroupableJob } from '$lib/fitter/group-jobs';

function job(id: string, plannedDate: string | null, estate: string, building: string, stairwell: string) {
	return {
		id,
		plannedDate,
		stairwell,
		estate: { id: estate, name: `Osiedle ${estate}` },
		building: { id: building, street: 'Lipowa', number: building }
	} satisfies GroupableJob & { id: string };
}

describe('groupJobs', () => {
	it('nests day → estate → building → stairwell and counts each level', () => {
		const days = groupJobs([
			job('1', '2026-05-04', 'A', '1', 'I'),
			job('2', '2026-05-04', 'A', '1', 'I'),
			job('3', '2026-05-04', 'A', '1', 'II'),
			job('4', '2026-05-04', 'A', '2', 'I'),
			job('5', '2026-05-04', 'B', '7', 'I'),
			job('6', '2026-05-05', 'A', '1', 'I')
		]);
		expect(days.map((d) => [d.date, d.count])).toEqual([
			['2026-05-04', 5],
			['2026-05-05', 1]
		]);
		const [a, b] = days[0]!.estates;
		expect([a!.count, b!.count]).toEqual([4, 1]);
		expect(a!.buildings.map((x) => [x.building.number, x.count])).toEqual([
			['1', 3],
			['2', 1]
		]);
		expect(a!.buildings[0]!.stairwells.map((s) => [s.stairwell, s.jobs.map((j) => j.id)])).toEqual([
			['I', ['1', '2']],
			['II', ['3']]
		]);
	});

	it('keeps the server order instead of re-sorting', () => {
		const days = groupJobs([job('1', '2026-05-04', 'B', '9', 'I'), job('2', '2026-05-04', 'A', '1', 'I')]);
		expect(days[0]!.estates.map((e) => e.estate.id)).toEqual(['B', 'A']);
	});

	it('gives a place met again later in the day a group with a key of its own (a job moved in keeps its sequence)', () => {
		const days = groupJobs([job('1', '2026-05-04', 'A', '1', 'I'), job('2', '2026-05-04', 'B', '7', 'I'), job('3', '2026-05-04', 'A', '1', 'I')]);
		const keys = (list: Array<{ key: string }>) => list.map((g) => g.key);
		expect(days[0]!.estates.map((e) => e.estate.id)).toEqual(['A', 'B', 'A']);
		expect(new Set(keys(days[0]!.estates)).size).toBe(3);
		expect(days[0]!.estates[2]!.buildings[0]!.stairwells[0]!.jobs.map((j) => j.id)).toEqual(['3']);
	});

	it('puts jobs without a date in their own group', () => {
		const days = groupJobs([job('1', null, 'A', '1', 'I')]);
		expect(days).toHaveLength(1);
		expect(days[0]!.date).toBeNull();
	});
});
