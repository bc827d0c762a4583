/**
 * Demo data: two fictional Wrocław estates, three fitters with badges and LZO stock, a planner, an
 * admin and two weeks of planned jobs. Everything is marked `is_demo = 1` where the schema allows,
 * and generated from a fixed PRNG seed so the same PPEs, serials and badge numbers appear every time
 * (screenshots, manuals and support calls can refer to them).
 */
import { createHash } from 'node:crypto';
import type { Insertable, Kysely, Transaction } from 'kysely';
import { Secret } from 'otpauth';
import { generateBadgeNumber } from '../../src/lib/domain/badge';
import { ppeWithCheckDigit } from '../../src/lib/domain/ppe';
import { isTariffGroup, registersFor } from '../../src/lib/domain/tariff';
import { addDaysToDate, previousWorkingDay, warsawDate, warsawInstant, workingDaysFrom } from '../../src/lib/domain/time';
import type { Actor } from '../audit';
import { hashPassword } from '../auth/password';
import { receiveDelivery, transfer } from '../stock/stock.service';
import type { DB, MeterLocation, Role } from '../db/schema';
import { newId, nowIso } from '../util/ids';

export interface DemoAccount {
	login: string;
	password: string;
	role: Role;
	name: string;
	description: string;
}

/** Printed at start and in the README: these passwords are public by design. */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
	{ login: 'monter1', password: 'monter-demo', role: 'fitter', name: 'Jan Kowalczyk', description: 'Fitter, Ekipa 1' },
	{ login: 'monter2', password: 'monter-demo', role: 'fitter', name: 'Piotr Nowicki', description: 'Fitter, Ekipa 1' },
	{ login: 'monter3', password: 'monter-demo', role: 'fitter', name: 'Tomasz Wiśniewski', description: 'Fitter, Ekipa 2' },
	{ login: 'planista', password: 'planista-demo', role: 'planner', name: 'Katarzyna Zając', description: 'Planner (enrols TOTP at first sign-in)' },
	{ login: 'admin', password: 'admin-demo', role: 'admin', name: 'Administrator (demo)', description: 'Administrator (enrols TOTP at first sign-in)' }
];

export interface DemoSummary {
	estates: number;
	buildings: number;
	meterPoints: number;
	jobs: number;
	fitters: number;
	lzoStock: number;
	/** First and last day with planned jobs (Europe/Warsaw calendar dates). */
	firstPlannedDate: string;
	lastPlannedDate: string;
}

export class DemoSeedError extends Error {
	constructor(
		readonly code: 'DATABASE_NOT_EMPTY',
		message: string
	) {
		super(message);
		this.name = 'DemoSeedError';
	}
}

// ---------------------------------------------------------------------------------------------
// Figures of the demo world. Changing them changes every generated identifier after them.
// ---------------------------------------------------------------------------------------------

const SEED = 0x5eed_2025;
const CITY = 'Wrocław';
const STAIRWELLS = ['I', 'II', 'III', 'IV'] as const;
const FLATS_PER_STAIRWELL = 10;
const PLANNED_WORKING_DAYS = 10;
const STAIRWELLS_PER_CREW_DAY = 2;
const LZO_PER_FITTER = 40;
const SEALS_PER_FITTER = 100;
/** The demo's new seals: a mark of their own, so they are never taken for an old meter's seals. */
const SEAL_PREFIX = 'DM';
const SEAL_RANGE_START = 1_000_000;
const SEED_ACTOR: Actor = { userId: null, sessionKind: null, device: 'seed', ip: null };
const APPOINTMENT_MINUTES = 30;
const COMPANY = 'Energo-Montaż Sp. z o.o.';
/** GS1 Poland prefix + a made-up operator code: 8 of the PPE's 17 payload digits. */
const PPE_PREFIX = '59054356';
const CHUNK = 200;

/** Stairwell visit blocks, Warsaw wall-clock time: one stairwell before noon, one after. */
const BLOCKS = [
	{ start: '08:00', end: '12:00' },
	{ start: '12:00', end: '16:00' }
] as const;

interface EstateSpec {
	name: string;
	/** Streets with their postcode and house numbers; one building per number. */
	streets: { street: string; postcode: string; numbers: string[] }[];
	/** Planned in the coming days; the other estate is left for the planner. */
	planned: boolean;
}

const ESTATES: EstateSpec[] = [
	{
		name: 'Osiedle Kosmonautów',
		planned: true,
		streets: [
			{ street: 'ul. Orbitalna', postcode: '54-512', numbers: ['2', '4', '6', '8'] },
			{ street: 'ul. Gwiezdna', postcode: '54-513', numbers: ['1', '3', '5'] },
			{ street: 'ul. Satelitarna', postcode: '54-514', numbers: ['10', '12', '14'] }
		]
	},
	{
		name: 'Osiedle Różanka',
		planned: false,
		streets: [
			{ street: 'ul. Płatkowa', postcode: '51-117', numbers: ['3', '5', '7'] },
			{ street: 'ul. Pnąca', postcode: '51-118', numbers: ['20', '22', '24'] }
		]
	}
];

const CONVENTIONAL_MODELS = [
	{ manufacturer: 'Pafal', model: '20 EC3', serialDigits: 8 },
	{ manufacturer: 'Apator', model: 'A52', serialDigits: 9 },
	{ manufacturer: 'Landis+Gyr', model: 'E230', serialDigits: 10 }
] as const;

interface WorkerSpec {
	first: string;
	last: string;
	status: 'active' | 'suspended' | 'revoked';
	/** Days from today; negative = expired badge. */
	validForDays: number;
	/** Index into DEMO_ACCOUNTS for workers who sign in. */
	account?: number;
	crew?: 0 | 1;
	colours: { background: string; figure: string };
}

const WORKERS: WorkerSpec[] = [
	{ first: 'Jan', last: 'Kowalczyk', status: 'active', validForDays: 365, account: 0, crew: 0, colours: { background: '#cfe3f5', figure: '#2f5d8a' } },
	{ first: 'Piotr', last: 'Nowicki', status: 'active', validForDays: 365, account: 1, crew: 0, colours: { background: '#f6e2c8', figure: '#8a5a2f' } },
	{ first: 'Tomasz', last: 'Wiśniewski', status: 'active', validForDays: 365, account: 2, crew: 1, colours: { background: '#d8eed6', figure: '#3d7a38' } },
	// No accounts: they exist so the public badge check has every answer to show.
	{ first: 'Marek', last: 'Zieliński', status: 'suspended', validForDays: 365, colours: { background: '#ecd9f0', figure: '#6d3a7d' } },
	{ first: 'Krzysztof', last: 'Lewandowski', status: 'revoked', validForDays: 365, colours: { background: '#f3d3d3', figure: '#8a2f2f' } },
	{ first: 'Andrzej', last: 'Wójcik', status: 'active', validForDays: -45, colours: { background: '#e4e4e4', figure: '#555555' } }
];

const CREW_NAMES = ['Ekipa 1', 'Ekipa 2'] as const;

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

/** "Empty" means no users: the one state in which demo accounts cannot clash with real ones. */
export async function isDatabaseEmpty(db: Kysely<DB>): Promise<boolean> {
	const row = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
	return row === undefined;
}

export async function hasDemoData(db: Kysely<DB>): Promise<boolean> {
	const [user, estate] = await Promise.all([
		db.selectFrom('users').select('id').where('is_demo', '=', 1).limit(1).executeTakeFirst(),
		db.selectFrom('estates').select('id').where('is_demo', '=', 1).limit(1).executeTakeFirst()
	]);
	return user !== undefined || estate !== undefined;
}

/**
 * Fills an EMPTY database with the demo world, in one transaction. Refuses (DemoSeedError) when any
 * user exists, so demo logins with public passwords never land next to real accounts, and a second
 * run is a clear refusal instead of duplicates.
 */
export async function seedDemo(db: Kysely<DB>, opts: { today?: Date } = {}): Promise<DemoSummary> {
	const today = warsawDate(opts.today ?? new Date());
	// Hashing is CPU work; done before the transaction so it does not hold locks meanwhile.
	const passwordHashes = await Promise.all(DEMO_ACCOUNTS.map((a) => hashPassword(a.password)));
	const world = buildDemoWorld(today, passwordHashes, nowIso());
	try {
		await db.transaction().execute(async (trx) => {
			if (!(await isDatabaseEmpty(trx))) throw notEmpty();
			await writeWorld(trx, world);
		});
	} catch (error) {
		if (error instanceof DemoSeedError) throw error;
		// Two instances seeding at once: the loser hits a unique constraint after the winner commits.
		const lostRace = await isDatabaseEmpty(db).then((empty) => !empty, () => false);
		throw lostRace ? notEmpty() : error;
	}
	return world.summary;
}

function notEmpty(): DemoSeedError {
	return new DemoSeedError(
		'DATABASE_NOT_EMPTY',
		'the database already has users; demo data is only written into an empty database'
	);
}

// ---------------------------------------------------------------------------------------------
// Building the rows (pure, deterministic apart from ids, timestamps and TOTP secrets)
// ---------------------------------------------------------------------------------------------

type Row<T extends keyof DB> = Insertable<DB[T]>;

interface DemoWorld {
	blobs: Row<'blobs'>[];
	crews: Row<'crews'>[];
	workers: Row<'workers'>[];
	users: Row<'users'>[];
	estates: Row<'estates'>[];
	buildings: Row<'buildings'>[];
	meterPoints: Row<'meter_points'>[];
	meters: Row<'meters'>[];
	lzoIssues: DemoIssue[];
	jobs: Row<'jobs'>[];
	slots: Row<'appointment_slots'>[];
	auditLog: Row<'audit_log'>[];
	summary: DemoSummary;
}

/** A stairwell's meter points in visiting order (shop unit first, then flats upwards). */
interface StairwellGroup {
	estatePlanned: boolean;
	points: Row<'meter_points'>[];
}

export function buildDemoWorld(today: string, passwordHashes: string[], at: string): DemoWorld {
	const rng = mulberry32(SEED);
	const serials = new Set<string>();

	const crews = CREW_NAMES.map((name) => ({ id: newId(), name, created_at: at }));
	const people = buildPeople(rng, today, at, crews, passwordHashes);
	const places = buildPlaces(rng, at);
	const meters = withRecords(buildConventionalMeters(rng, serials, places.meterPoints, at), places.meterPoints, today);
	const lzoIssues = buildLzoStock(rng, serials, people.users);
	const plan = buildJobs(today, places.groups, crews, at);
	const slots = demoSlots(plan.jobs, places.meterPoints, at);

	const lzoStock = lzoIssues.reduce((n, i) => n + i.meters.length, 0);
	const summary: DemoSummary = {
		estates: places.estates.length,
		buildings: places.buildings.length,
		meterPoints: places.meterPoints.length,
		jobs: plan.jobs.length,
		fitters: people.users.filter((u) => u.role === 'fitter').length,
		lzoStock,
		firstPlannedDate: plan.days[0]!,
		lastPlannedDate: plan.days[plan.days.length - 1]!
	};
	return {
		blobs: people.blobs,
		crews,
		workers: people.workers,
		users: people.users,
		estates: places.estates,
		buildings: places.buildings,
		meterPoints: places.meterPoints,
		meters,
		lzoIssues,
		jobs: plan.jobs,
		slots,
		auditLog: [
			{ id: newId(), at, user_id: null, session_kind: null, device: 'seed', ip: null, action: 'seed-demo', entity: 'database', entity_id: null, changes: JSON.stringify(summary) }
		],
		summary
	};
}

function buildPeople(
	rng: Rng,
	today: string,
	at: string,
	crews: { id: string }[],
	passwordHashes: string[]
) {
	const blobs: Row<'blobs'>[] = [];
	const workers: Row<'workers'>[] = [];
	const users: Row<'users'>[] = [];
	const badges = new Set<string>();
	for (const spec of WORKERS) {
		const photo = demoPortrait(spec, at);
		blobs.push(photo);
		const worker: Row<'workers'> = {
			id: newId(),
			first_name: spec.first,
			last_name: spec.last,
			company: COMPANY,
			badge_number: uniqueBadgeNumber(rng, badges),
			photo_sha256: photo.sha256,
			status: spec.status,
			valid_until: addDaysToDate(today, spec.validForDays),
			code_secret: new Secret({ size: 20 }).base32,
			crew_id: spec.crew === undefined ? null : crews[spec.crew]!.id,
			is_demo: 1,
			created_at: at,
			updated_at: at
		};
		workers.push(worker);
		if (spec.account !== undefined) users.push(userRow(spec.account, passwordHashes, worker.id, at));
	}
	for (let i = 0; i < DEMO_ACCOUNTS.length; i++) {
		if (DEMO_ACCOUNTS[i]!.role !== 'fitter') users.push(userRow(i, passwordHashes, null, at));
	}
	return { blobs, workers, users };
}

function userRow(index: number, passwordHashes: string[], workerId: string | null, at: string): Row<'users'> {
	const account = DEMO_ACCOUNTS[index]!;
	return {
		id: newId(),
		login: account.login,
		display_name: account.name,
		role: account.role,
		password_hash: passwordHashes[index]!,
		// Nobody is enrolled: planners and admins enrol TOTP at their first sign-in.
		totp_secret: null,
		totp_enabled: 0,
		totp_last_step: null,
		worker_id: workerId,
		disabled: 0,
		is_demo: 1,
		created_at: at,
		updated_at: at
	};
}

function uniqueBadgeNumber(rng: Rng, taken: Set<string>): string {
	for (;;) {
		const badge = generateBadgeNumber((n) => rng.bytes(n));
		if (!taken.has(badge)) {
			taken.add(badge);
			return badge;
		}
	}
}

function buildPlaces(rng: Rng, at: string) {
	const estates: Row<'estates'>[] = [];
	const buildings: Row<'buildings'>[] = [];
	const meterPoints: Row<'meter_points'>[] = [];
	const groups: StairwellGroup[] = [];
	const counters = { ppe: 0, phone: 0 };
	// A random but fixed start, spaced by a prime step, keeps PPEs unique without a lookup table.
	const ppeBase = 100_000_000 + Math.floor(rng.next() * 400_000_000);

	for (const spec of ESTATES) {
		const estate = { id: newId(), name: spec.name, city: CITY, is_demo: 1 as const, created_at: at };
		estates.push(estate);
		let buildingIndex = 0;
		for (const { street, postcode, numbers } of spec.streets) {
			for (const number of numbers) {
				const building = { id: newId(), estate_id: estate.id, street, number, postcode, city: CITY, created_at: at };
				buildings.push(building);
				// Every third building has a shop on the ground floor of its first stairwell.
				const hasShop = buildingIndex % 3 === 0;
				STAIRWELLS.forEach((stairwell, s) => {
					const points: Row<'meter_points'>[] = [];
					const nextPpe = () => ppeWithCheckDigit(PPE_PREFIX + String(ppeBase + 7_919 * counters.ppe++).padStart(9, '0'));
					if (hasShop && s === 0) {
						points.push(meterPoint(rng, { building: building.id, stairwell, flat: 'U1', ppe: nextPpe(), shop: true, counters, at }));
					}
					for (let f = 1; f <= FLATS_PER_STAIRWELL; f++) {
						const flat = String(s * FLATS_PER_STAIRWELL + f);
						points.push(meterPoint(rng, { building: building.id, stairwell, flat, ppe: nextPpe(), shop: false, counters, at }));
					}
					meterPoints.push(...points);
					groups.push({ estatePlanned: spec.planned, points });
				});
				buildingIndex++;
			}
		}
	}
	return { estates, buildings, meterPoints, groups };
}

function meterPoint(
	rng: Rng,
	p: { building: string; stairwell: string; flat: string; ppe: string; shop: boolean; counters: { phone: number }; at: string }
): Row<'meter_points'> {
	// Shops keep their meter in the stairwell cabinet; about a quarter of flats have it indoors.
	const location: MeterLocation = !p.shop && rng.next() < 0.25 ? 'in_home' : 'stairwell';
	const tariff = p.shop ? 'C11' : rng.pick(['G11', 'G11', 'G11', 'G11', 'G11', 'G11', 'G11', 'G12', 'G12', 'G12w']);
	return {
		id: newId(),
		ppe: p.ppe,
		building_id: p.building,
		stairwell: p.stairwell,
		flat: p.flat,
		location,
		tariff_group: tariff,
		prosumer: rng.next() < 0.05 ? 1 : 0,
		// A phone number is kept only where the fitter needs an appointment to get in.
		resident_phone: location === 'in_home' ? `+48 600 000 ${String(p.counters.phone++).padStart(3, '0')}` : null,
		created_at: p.at,
		updated_at: p.at
	};
}

function buildConventionalMeters(rng: Rng, serials: Set<string>, points: Row<'meter_points'>[], at: string): Row<'meters'>[] {
	return points.map((point) => {
		const model = rng.pick(CONVENTIONAL_MODELS);
		return {
			id: newId(),
			serial: uniqueSerial(rng, serials, model.serialDigits, ''),
			manufacturer: model.manufacturer,
			model: model.model,
			kind: 'conventional' as const,
			state: 'installed' as const,
			meter_point_id: point.id!,
			holder_user_id: null,
			created_at: at,
			updated_at: at
		};
	});
}

/**
 * What the operator's records say about each old meter: its seals and its last billed readings
 * (every register of the point's tariff group). A PRNG of its own, so the rest of the demo world
 * stays exactly as it was before these records existed.
 */
function withRecords(meters: Row<'meters'>[], points: Row<'meter_points'>[], today: string): Row<'meters'>[] {
	const rng = mulberry32(SEED ^ 0x5ea1);
	const byId = new Map(points.map((p) => [p.id!, p]));
	const takenSeals = new Set<string>();
	const seal = () => {
		for (;;) {
			const number = `TD${1_000_000 + rng.int(9_000_000)}`;
			if (!takenSeals.has(number)) {
				takenSeals.add(number);
				return number;
			}
		}
	};
	return meters.map((meter) => {
		const point = byId.get(meter.meter_point_id!)!;
		const group = isTariffGroup(point.tariff_group) ? point.tariff_group : 'G11';
		const readings: Record<string, string> = {};
		for (const register of registersFor(group, point.prosumer === 1)) {
			const base = register.startsWith('2.') ? 200 + rng.int(3000) : 2000 + rng.int(38_000);
			readings[register] = `${base}.${rng.int(10)}`;
		}
		return {
			...meter,
			seal_numbers: JSON.stringify([seal(), seal()]),
			last_readings: JSON.stringify(readings),
			last_read_on: addDaysToDate(today, -(60 + rng.int(120)))
		};
	});
}

/** What the warehouse hands each fitter: their LZO meters and a range of seals. */
interface DemoIssue {
	fitterUserId: string;
	meters: { serial: string; manufacturer: string; model: string }[];
	seals: { from: string; to: string };
}

function buildLzoStock(rng: Rng, serials: Set<string>, users: Row<'users'>[]): DemoIssue[] {
	return users
		.filter((u) => u.role === 'fitter')
		.map((fitter, f) => {
			const meters: DemoIssue['meters'] = [];
			for (let i = 0; i < LZO_PER_FITTER; i++) {
				// Mostly single-phase flats; three-phase units for shops and the odd large flat.
				const threePhase = rng.next() < 0.15;
				// LZO serials start with the production year, as the manufacturer's labels do.
				meters.push({ serial: uniqueSerial(rng, serials, 10, '24'), manufacturer: 'Apator', model: threePhase ? 'GAMA 350' : 'GAMA 150' });
			}
			const first = SEAL_RANGE_START + f * SEALS_PER_FITTER;
			return { fitterUserId: fitter.id!, meters, seals: { from: `${SEAL_PREFIX}${first}`, to: `${SEAL_PREFIX}${first + SEALS_PER_FITTER - 1}` } };
		});
}

/**
 * The demo's stock goes the way real stock does: one delivery into the warehouse, then an issue
 * to each fitter, through the warehouse services (movements, audit entries, the tablets' changes).
 */
async function stockFitters(trx: Transaction<DB>, issues: DemoIssue[]): Promise<void> {
	await receiveDelivery(trx, SEED_ACTOR, { reference: 'WZ DEMO/1', meters: issues.flatMap((i) => i.meters), sealRanges: issues.map((i) => i.seals) }, 'pl');
	for (const issue of issues) {
		await transfer(trx, SEED_ACTOR, 'issue', { fitterUserId: issue.fitterUserId, serials: issue.meters.map((m) => m.serial), sealRanges: [issue.seals] }, 'pl');
	}
}

function uniqueSerial(rng: Rng, taken: Set<string>, digits: number, prefix: string): string {
	for (;;) {
		let serial = prefix + String(1 + rng.int(9));
		while (serial.length < digits) serial += String(rng.int(10));
		if (!taken.has(serial)) {
			taken.add(serial);
			return serial;
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Jobs
// ---------------------------------------------------------------------------------------------

/**
 * Each working day every crew takes two stairwells of the planned estate, one per block; stairwell
 * meters share the block as their window, in-home meters get 30-minute appointments inside it.
 * Yesterday crew 1 had three in-home appointments in the unplanned estate where nobody opened.
 */
function buildJobs(today: string, groups: StairwellGroup[], crews: { id: string }[], at: string) {
	const days = workingDaysFrom(today, PLANNED_WORKING_DAYS);
	const planned = groups.filter((g) => g.estatePlanned);
	const jobs: Row<'jobs'>[] = [];
	let next = 0;
	for (const day of days) {
		for (const crew of crews) {
			let sequence = 1;
			for (let slot = 0; slot < STAIRWELLS_PER_CREW_DAY && next < planned.length; slot++) {
				const block = BLOCKS[slot % BLOCKS.length]!;
				const windows = stairwellWindows(day, block, planned[next]!.points);
				planned[next]!.points.forEach((point, i) => {
					jobs.push(jobRow(point.id!, crew.id, day, windows[i]!, sequence++, 'planned', at));
				});
				next++;
			}
		}
	}
	jobs.push(...yesterdaysNoAccess(previousWorkingDay(today), groups, crews[0]!.id, at));
	return { days, jobs };
}

function yesterdaysNoAccess(day: string, groups: StairwellGroup[], crewId: string, at: string): Row<'jobs'>[] {
	const inHome = groups
		.filter((g) => !g.estatePlanned)
		.flatMap((g) => g.points)
		.filter((p) => p.location === 'in_home')
		.slice(0, 3);
	const block = BLOCKS[1];
	return inHome.map((point, i) => {
		const start = addMinutes(block.start, i * 2 * APPOINTMENT_MINUTES);
		const window = { start: warsawInstant(day, start).toISOString(), end: warsawInstant(day, addMinutes(start, APPOINTMENT_MINUTES)).toISOString() };
		return jobRow(point.id!, crewId, day, window, i + 1, 'no_access', at);
	});
}

/** Windows for one stairwell's points, in their order. */
export function stairwellWindows(
	day: string,
	block: { start: string; end: string },
	points: { location: MeterLocation }[]
): { start: string; end: string }[] {
	const blockWindow = { start: warsawInstant(day, block.start).toISOString(), end: warsawInstant(day, block.end).toISOString() };
	const slots = Math.floor(minutesBetween(block.start, block.end) / APPOINTMENT_MINUTES);
	const inHomeCount = points.filter((p) => p.location === 'in_home').length;
	let k = 0;
	return points.map((p) => {
		if (p.location !== 'in_home') return blockWindow;
		// Spread appointments over the block so the crew works the cabinet in between.
		const slot = Math.floor((k++ * slots) / Math.max(inHomeCount, 1)) % slots;
		const start = addMinutes(block.start, slot * APPOINTMENT_MINUTES);
		return { start: warsawInstant(day, start).toISOString(), end: warsawInstant(day, addMinutes(start, APPOINTMENT_MINUTES)).toISOString() };
	});
}

/**
 * Published appointment slots where the demo crews work in flats: every 30 minutes of each block a
 * crew spends at a building, one visit each. The planned in-home jobs sit in their slot; the rest
 * are free, so residents can book, move and cancel in the demo.
 */
function demoSlots(jobs: Row<'jobs'>[], points: Row<'meter_points'>[], at: string): Row<'appointment_slots'>[] {
	const pointById = new Map(points.map((p) => [p.id!, p]));
	const slots = new Map<string, Row<'appointment_slots'>>();
	for (const job of jobs) {
		const point = pointById.get(job.meter_point_id);
		if (!point || point.location !== 'in_home' || job.status !== 'planned' || !job.planned_date || !job.window_start) continue;
		const day = job.planned_date;
		const block = BLOCKS.find((b) => job.window_start! >= warsawInstant(day, b.start).toISOString() && job.window_start! < warsawInstant(day, b.end).toISOString());
		if (!block) continue;
		for (let t: string = block.start; t < block.end; t = addMinutes(t, APPOINTMENT_MINUTES)) {
			const startsAt = warsawInstant(day, t).toISOString();
			const key = `${point.building_id}|${job.crew_id}|${startsAt}`;
			if (!slots.has(key)) {
				slots.set(key, {
					id: newId(),
					building_id: point.building_id,
					crew_id: job.crew_id!,
					date: day,
					starts_at: startsAt,
					ends_at: warsawInstant(day, addMinutes(t, APPOINTMENT_MINUTES)).toISOString(),
					capacity: 1,
					published_at: at,
					withdrawn_at: null,
					created_at: at
				});
			}
		}
		job.slot_id = slots.get(`${point.building_id}|${job.crew_id}|${job.window_start}`)?.id ?? null;
	}
	return [...slots.values()];
}

function jobRow(
	meterPointId: string,
	crewId: string,
	day: string,
	window: { start: string; end: string },
	sequence: number,
	status: 'planned' | 'no_access',
	at: string
): Row<'jobs'> {
	return {
		id: newId(),
		meter_point_id: meterPointId,
		crew_id: crewId,
		planned_date: day,
		window_start: window.start,
		window_end: window.end,
		sequence,
		status,
		attempt: 1,
		created_at: at,
		updated_at: at
	};
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

async function writeWorld(trx: Transaction<DB>, w: DemoWorld): Promise<void> {
	// Parents before children: the foreign keys are checked row by row.
	await insertChunked(trx, 'blobs', w.blobs);
	await insertChunked(trx, 'crews', w.crews);
	await insertChunked(trx, 'workers', w.workers);
	await insertChunked(trx, 'users', w.users);
	await insertChunked(trx, 'estates', w.estates);
	await insertChunked(trx, 'buildings', w.buildings);
	await insertChunked(trx, 'meter_points', w.meterPoints);
	await insertChunked(trx, 'meters', w.meters);
	await insertChunked(trx, 'appointment_slots', w.slots);
	await insertChunked(trx, 'jobs', w.jobs);
	await insertChunked(trx, 'audit_log', w.auditLog);
	await stockFitters(trx, w.lzoIssues);
}

/** Multi-row inserts of ~200 rows: few round trips, and well under both databases' bind limits. */
async function insertChunked<T extends keyof DB & string>(trx: Transaction<DB>, table: T, rows: Row<T>[]): Promise<void> {
	for (let i = 0; i < rows.length; i += CHUNK) {
		// Kysely cannot narrow `values` for a generic table name; the rows are typed by the caller.
		await trx.insertInto(table).values(rows.slice(i, i + CHUNK) as never).execute();
	}
}

// ---------------------------------------------------------------------------------------------
// Generated portraits: clearly drawings, never photographs of real people
// ---------------------------------------------------------------------------------------------

export function demoPortraitSvg(first: string, last: string, colours: { background: string; figure: string }): string {
	const initials = `${first[0] ?? ''}${last[0] ?? ''}`.toUpperCase();
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="240" height="300" viewBox="0 0 240 300" role="img" aria-label="Generated demo portrait ${initials}">`,
		`<rect width="240" height="300" fill="${colours.background}"/>`,
		`<path d="M24 300 C24 222 70 190 120 190 C170 190 216 222 216 300 Z" fill="${colours.figure}"/>`,
		`<circle cx="120" cy="116" r="58" fill="${colours.figure}"/>`,
		`<text x="120" y="132" text-anchor="middle" font-family="sans-serif" font-size="44" font-weight="700" fill="#ffffff">${initials}</text>`,
		`<text x="120" y="284" text-anchor="middle" font-family="sans-serif" font-size="16" letter-spacing="4" fill="#ffffff">DEMO</text>`,
		`</svg>`
	].join('');
}

function demoPortrait(spec: WorkerSpec, at: string): Row<'blobs'> {
	const data = Buffer.from(demoPortraitSvg(spec.first, spec.last, spec.colours), 'utf8');
	return {
		sha256: createHash('sha256').update(data).digest('hex'),
		content_type: 'image/svg+xml',
		size: data.byteLength,
		data,
		created_at: at
	};
}

function addMinutes(hhmm: string, minutes: number): string {
	const [h, m] = hhmm.split(':').map(Number) as [number, number];
	const total = h * 60 + m + minutes;
	return `${pad2(Math.floor(total / 60))}:${pad2(total % 60)}`;
}

function minutesBetween(from: string, to: string): number {
	const toMinutes = (t: string) => {
		const [h, m] = t.split(':').map(Number) as [number, number];
		return h * 60 + m;
	};
	return toMinutes(to) - toMinutes(from);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

// ---------------------------------------------------------------------------------------------
// Seeded PRNG: mulberry32 — tiny, fast, and plenty for fake data (never for secrets)
// ---------------------------------------------------------------------------------------------

interface Rng {
	next(): number;
	int(maxExclusive: number): number;
	pick<T>(items: readonly T[]): T;
	bytes(n: number): Uint8Array;
}

function mulberry32(seed: number): Rng {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
	const int = (maxExclusive: number) => Math.floor(next() * maxExclusive);
	return {
		next,
		int,
		pick: (items) => items[int(items.length)]!,
		bytes: (n) => Uint8Array.from({ length: n }, () => int(256))
	};
}
