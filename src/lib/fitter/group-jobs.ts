/**
 * Day → estate → building → stairwell, the order a crew walks. The server already sorts the jobs
 * that way, so grouping only has to cut the list where a key changes; it never re-sorts.
 */
export interface GroupableJob {
	plannedDate: string | null;
	stairwell: string;
	estate: { id: string; name: string };
	building: { id: string; street: string; number: string };
}

export interface StairwellGroup<J extends GroupableJob> {
	key: string;
	stairwell: string;
	jobs: J[];
}

export interface BuildingGroup<J extends GroupableJob> {
	key: string;
	building: J['building'];
	count: number;
	stairwells: StairwellGroup<J>[];
}

export interface EstateGroup<J extends GroupableJob> {
	key: string;
	estate: J['estate'];
	count: number;
	buildings: BuildingGroup<J>[];
}

export interface DayGroup<J extends GroupableJob> {
	/** null for jobs not yet given a date. */
	date: string | null;
	count: number;
	estates: EstateGroup<J>[];
}

/** The place (date, estate, building or stairwell id) each group stands for. */
const places = new WeakMap<object, string>();

/**
 * The last element, creating it when the place differs from the current last one. A place met
 * again further down the list (a job moved in from another crew's day keeps its sequence) gets a
 * group of its own with a key of its own, so the keyed lists never see a key twice.
 */
function lastWithKey<T extends { key: string }>(list: T[], place: string, create: (key: string) => T): T {
	const last = list.at(-1);
	if (last && places.get(last) === place) return last;
	const before = list.filter((g) => places.get(g) === place).length;
	const made = create(before ? `${place}~${before}` : place);
	places.set(made, place);
	list.push(made);
	return made;
}

export function groupJobs<J extends GroupableJob>(jobs: readonly J[]): DayGroup<J>[] {
	const days: (DayGroup<J> & { key: string })[] = [];
	for (const job of jobs) {
		const day = lastWithKey(days, job.plannedDate ?? '', (key) => ({
			key,
			date: job.plannedDate,
			count: 0,
			estates: []
		}));
		const estate = lastWithKey(day.estates, job.estate.id, (key) => ({
			key,
			estate: job.estate,
			count: 0,
			buildings: []
		}));
		const building = lastWithKey(estate.buildings, job.building.id, (key) => ({
			key,
			building: job.building,
			count: 0,
			stairwells: []
		}));
		const stairwell = lastWithKey(building.stairwells, job.stairwell, (key) => ({
			key,
			stairwell: job.stairwell,
			jobs: []
		}));
		stairwell.jobs.push(job);
		day.count++;
		estate.count++;
		building.count++;
	}
	return days;
}
