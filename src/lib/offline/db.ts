import type { OpticalCapture } from '$lib/optical/readout';
import { Dexie, type EntityTable, type Table } from 'dexie';
import { v7 as uuidv7 } from 'uuid';
import type { OperatorInfo } from '$lib/domain/operator';
import type { SyncEntity } from '$lib/domain/mutations';

/**
 * The tablet's database. Rows in jobs/notes/readings/photos/stock are the *view* the fitter sees:
 * server state with the pending outbox applied on top. The pure server state is kept beside it in
 * `base`, so a rebase can undo an optimistic change the server rejected (the server sends no change
 * for a row it left alone, so the view alone could never find its way back).
 */

export type JobStatus = 'planned' | 'in_progress' | 'done' | 'no_access' | 'turned_back' | 'cancelled';

/** Same shape as the server's job DTO (fitter.upcomingJobs item), so the job list renders either. */
export interface LocalJob {
	id: string;
	status: JobStatus;
	plannedDate: string | null;
	windowStart: string | null;
	windowEnd: string | null;
	sequence: number | null;
	attempt: number;
	/** The fitter recorded "could not complete" with this reason (the job is back in planning). */
	exceptionReason?: 'cabinet_locked' | 'unsafe' | 'meter_missing' | 'customer_refused' | 'other' | null;
	/** The office moved the job to another crew (its name): shown as moved, not as work to do. */
	movedTo?: string | null;
	location: 'stairwell' | 'in_home';
	ppe: string;
	stairwell: string;
	flat: string | null;
	tariffGroup: string;
	prosumer: boolean;
	meterSerial: string | null;
	meterModel: string | null;
	/** The old meter's last known (billed) readings by register, and their date. */
	lastReadings?: Record<string, string> | null;
	lastReadOn?: string | null;
	/** Seal numbers on record for the old meter. */
	expectedSeals?: string[];
	estate: { id: string; name: string };
	building: { id: string; street: string; number: string; postcode: string; city: string };
}

export interface LocalNote {
	id: string;
	jobId: string;
	text: string;
	at: string;
}

export interface LocalReading {
	id: string;
	jobId: string;
	meterRole: 'old' | 'new';
	register: string;
	value: string | null;
	unreadableReason: string | null;
	photoSha256: string | null;
	at: string;
	confirmedUnusual?: boolean;
	correctsReadingId?: string | null;
	/** 'optical': read through the meter's optical port (absent on readings from before it existed). */
	source?: 'manual' | 'optical';
	/** A value typed over an optical one: why. */
	correctionReason?: string | null;
}

export interface LocalPhoto {
	id: string;
	jobId: string;
	sha256: string;
	kind: 'display' | 'meter' | 'seal' | 'no_access' | 'mismatch' | 'new_meter' | 'signature' | 'protocol' | 'exception' | 'other';
	contentType: string;
	size: number;
	at: string;
	/** The server has the bytes (from pull); locally the blobs table knows better. */
	uploaded: boolean;
}

export interface LocalStock {
	id: string;
	/** A meter's serial, or a seal's number. */
	serial: string;
	manufacturer: string;
	model: string;
	/** Seals share the table (ids `seal:<number>`); rows without a kind are meters. */
	kind?: 'meter' | 'seal';
}

export type CommissioningState = 'not_requested' | 'pending' | 'communicating' | 'failed' | 'escalated';

/** One job's exchange record (id = jobId), the same shape as the server's exchange DTO. */
export interface LocalExchange {
	id: string;
	jobId: string;
	oldMeterSerial: string | null;
	oldMeterMismatch: boolean;
	mismatchReason: string | null;
	mismatchPhotoSha256: string | null;
	irregularitySuspected: boolean;
	newMeterSerial: string | null;
	newMeterId: string | null;
	newMeterModel: string | null;
	notInStockReason: string | null;
	contactorClosed: boolean | null;
	tariffProgrammed: string | null;
	wmbusEnabled: boolean | null;
	wmbusRequested: boolean | null;
	voltageOk: boolean | null;
	commissioningState: CommissioningState;
	commissioningAttempts: number;
	commissioningError: string | null;
	signatureKind: 'resident' | 'stairwell' | 'refused' | null;
	/** Who signed, or the name a resident who refused to sign gave. */
	signerName?: string | null;
	refusalReason?: string | null;
	signatureSha256: string | null;
	protocolSha256: string | null;
	completedAt: string | null;
}

export interface LocalOutage {
	id: string;
	jobId: string;
	offAt: string;
	onAt: string | null;
	overrunReason: string | null;
}

export interface LocalSeal {
	id: string;
	jobId: string;
	meterRole: 'old' | 'new';
	number: string | null;
	state: 'intact' | 'broken' | 'missing' | 'applied';
	photoSha256: string | null;
}

export interface LocalVisit {
	id: string;
	jobId: string;
	attempt: number;
	noticeLeft: boolean;
	photoSha256: string | null;
	at: string;
}

/** The signed-in fitter's badge and live-code secret (only ever their own). */
export interface LocalProfile {
	id: 'me';
	workerId: string;
	firstName: string;
	lastName: string;
	company: string;
	badgeNumber: string;
	validUntil: string;
	status: string;
	codeSecret: string;
	/** The operator's name, hotline and addresses, printed on the protocol (absent before the first pull that carried them). */
	operator?: OperatorInfo;
}

/** Screen state of an exchange in progress that is not a fact yet (the step, resident present). */
export interface ExchangeDraft {
	jobId: string;
	/** In-home: the resident opened (null: not asked yet). */
	residentPresent: boolean | null;
	/** The old meter's seals have all been checked. */
	sealsConfirmed: boolean;
	/** The fitter said the new meter is done (its photo alone does not end the step: a second seal may follow). */
	newMeterConfirmed?: boolean;
	/** Readings typed but not saved yet ("old:1.8.1" → "12345,6"), so a reload keeps them. */
	inputs?: Record<string, string>;
	/** The last optical-port readout of each meter, until its readings are saved. */
	optical?: Partial<Record<'old' | 'new', OpticalCapture>>;
}

/** IndexedDB cannot index booleans, hence 0 | 1. */
export interface StoredBlob {
	sha256: string;
	blob: Blob;
	contentType: string;
	size: number;
	uploaded: 0 | 1;
	at: string;
}

export interface OutboxEntry {
	/** The mutation id: 1, 2, 3 … per client, never reused. */
	id: number;
	name: string;
	args: unknown;
	at: string;
}

export interface RejectionReason {
	code: string;
	message: string;
}

export interface Rejection {
	id: number;
	name: string;
	args: unknown;
	reason: RejectionReason;
	at: string;
}

/** The server's copy of a row, keyed by entity and id (see the note at the top). */
export interface BaseRow {
	entity: SyncEntity;
	id: string;
	data: Record<string, unknown>;
}

export interface MetaValues {
	clientId: string;
	nextMutationId: number;
	cursor: number | null;
	lastMutationId: number;
	lastSyncAt: string | null;
	lastError: string | null;
}
export type MetaKey = keyof MetaValues;

export interface MetaRow {
	key: MetaKey;
	value: unknown;
}

export type WymianaDb = Dexie & {
	jobs: EntityTable<LocalJob, 'id'>;
	notes: EntityTable<LocalNote, 'id'>;
	readings: EntityTable<LocalReading, 'id'>;
	photos: EntityTable<LocalPhoto, 'id'>;
	stock: EntityTable<LocalStock, 'id'>;
	exchanges: EntityTable<LocalExchange, 'id'>;
	outages: EntityTable<LocalOutage, 'id'>;
	seals: EntityTable<LocalSeal, 'id'>;
	visits: EntityTable<LocalVisit, 'id'>;
	profile: EntityTable<LocalProfile, 'id'>;
	drafts: EntityTable<ExchangeDraft, 'jobId'>;
	blobs: EntityTable<StoredBlob, 'sha256'>;
	outbox: EntityTable<OutboxEntry, 'id'>;
	rejections: EntityTable<Rejection, 'id'>;
	base: Table<BaseRow, [SyncEntity, string]>;
	meta: EntityTable<MetaRow, 'key'>;
};

/** The view table that holds each synced entity. */
export const ENTITY_TABLE = {
	job: 'jobs',
	note: 'notes',
	reading: 'readings',
	photo: 'photos',
	stock: 'stock',
	exchange: 'exchanges',
	outage: 'outages',
	seal: 'seals',
	visit: 'visits',
	profile: 'profile'
} as const satisfies Record<SyncEntity, keyof WymianaDb>;

export const SYNC_ENTITIES = Object.keys(ENTITY_TABLE) as SyncEntity[];

export function entityTable(db: WymianaDb, entity: SyncEntity): Table<{ id: string }, string> {
	return db.table(ENTITY_TABLE[entity]);
}

/** Tables a local change or a rebase writes; one Dexie transaction spans all of them. */
export function viewTables(db: WymianaDb) {
	return [db.jobs, db.notes, db.readings, db.photos, db.stock, db.exchanges, db.outages, db.seals, db.visits, db.profile];
}

export interface DbDeps {
	indexedDB: IDBFactory;
	IDBKeyRange: typeof IDBKeyRange;
}

/**
 * Opens (lazily — Dexie connects on first use) an independent database. Nothing here runs at import
 * time, so SSR and Node can import the module; tests pass fake-indexeddb through `deps`.
 */
export function openWymianaDb(name = 'wymiana', deps?: DbDeps): WymianaDb {
	const db = new Dexie(name, deps ? { indexedDB: deps.indexedDB, IDBKeyRange: deps.IDBKeyRange } : undefined) as WymianaDb;
	db.version(1).stores({
		jobs: 'id, plannedDate, status',
		notes: 'id, jobId',
		readings: 'id, jobId',
		photos: 'id, jobId, sha256',
		stock: 'id, serial',
		blobs: 'sha256, uploaded',
		outbox: 'id',
		rejections: 'id',
		base: '[entity+id], entity',
		meta: 'key'
	});
	// The exchange workflow's facts (synced) and the screen's draft (tablet only).
	db.version(2).stores({
		exchanges: 'id',
		outages: 'id, jobId',
		seals: 'id, jobId',
		visits: 'id, jobId',
		profile: 'id',
		drafts: 'jobId'
	});
	return db;
}

/** One database per signed-in user: a shared tablet must not mix two fitters' queues or jobs. */
export function dbNameFor(userId: string): string {
	return `wymiana-${userId}`;
}

const META_DEFAULTS: Omit<MetaValues, 'clientId'> = {
	nextMutationId: 1,
	cursor: null,
	lastMutationId: 0,
	lastSyncAt: null,
	lastError: null
};

export async function getMeta<K extends Exclude<MetaKey, 'clientId'>>(db: WymianaDb, key: K): Promise<MetaValues[K]> {
	const row = await db.meta.get(key);
	return (row ? row.value : META_DEFAULTS[key]) as MetaValues[K];
}

export async function setMeta<K extends MetaKey>(db: WymianaDb, key: K, value: MetaValues[K]): Promise<void> {
	await db.meta.put({ key, value });
}

/** The device's client id, created on first use (uuid v7: sortable, so logs read in order). */
export async function ensureClientId(db: WymianaDb): Promise<string> {
	return db.transaction('rw', db.meta, async () => {
		const row = await db.meta.get('clientId');
		if (row) return row.value as string;
		const id = uuidv7();
		await db.meta.put({ key: 'clientId', value: id });
		return id;
	});
}
