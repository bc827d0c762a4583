/**
 * Table types for Kysely. Portable across SQLite and PostgreSQL:
 * ids are uuid v7 text, timestamps ISO-8601 UTC text, dates `YYYY-MM-DD` text, booleans 0/1 integers.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type Role = 'fitter' | 'planner' | 'admin' | 'warehouse';
export type BadgeStatus = 'active' | 'suspended' | 'revoked';
export type MeterLocation = 'stairwell' | 'in_home';
export type MeterKind = 'conventional' | 'lzo';
export type MeterState = 'installed' | 'in_stock' | 'removed';
export type JobStatus = 'planned' | 'in_progress' | 'done' | 'no_access' | 'turned_back' | 'cancelled';
export type SessionKind = 'browser' | 'device';
export type Bool = 0 | 1;

export interface UsersTable {
	id: string;
	login: string;
	display_name: string;
	role: Role;
	password_hash: string;
	totp_secret: string | null;
	totp_enabled: Bool;
	/** Last accepted TOTP time step, so one code cannot be replayed. */
	totp_last_step: number | null;
	worker_id: string | null;
	disabled: Bool;
	is_demo: Bool;
	created_at: string;
	updated_at: string;
}

export interface WorkersTable {
	id: string;
	first_name: string;
	last_name: string;
	company: string;
	badge_number: string;
	photo_sha256: string | null;
	status: BadgeStatus;
	valid_until: string;
	/** Base32 secret of the badge's live verification code (TOTP, 60 s). */
	code_secret: string;
	crew_id: string | null;
	is_demo: Bool;
	created_at: string;
	updated_at: string;
	/** First day the badge is valid (Warsaw date); null on badges issued before it was kept. */
	valid_from?: string | null;
	/** Why the badge is suspended or revoked, and who changed its state when. */
	status_reason?: string | null;
	status_changed_at?: string | null;
	status_changed_by?: string | null;
}

/** A number a worker no longer carries (replaced after loss or theft): reads as revoked forever. */
export interface RetiredBadgesTable {
	badge_number: string;
	worker_id: string;
	reason: string;
	retired_at: string;
	retired_by: string | null;
}

export interface DeliveriesTable {
	id: string;
	/** The delivery note's number as the warehouse typed it. */
	reference: string;
	meters: number;
	seals: number;
	user_id: string | null;
	created_at: string;
}

export interface SealStockTable {
	number: string;
	delivery_id: string;
	/** The fitter holding it; null while in the warehouse. */
	holder_user_id: string | null;
	state: 'in_stock' | 'used';
	created_at: string;
	updated_at: string;
}

export type StockMovementKind = 'delivery' | 'issue' | 'return' | 'fit' | 'hand_in';
export type StockItem = 'meter' | 'seal' | 'removed_meter';

/** Append-only: every move of a meter or seal, who made it, from whom to whom (null = warehouse). */
export interface StockMovementsTable {
	id: string;
	at: string;
	kind: StockMovementKind;
	item: StockItem;
	serial: string;
	meter_id: string | null;
	from_user_id: string | null;
	to_user_id: string | null;
	job_id: string | null;
	delivery_id: string | null;
	by_user_id: string | null;
}

export interface BlobsTable {
	sha256: string;
	content_type: string;
	size: number;
	/** Empty once the bytes are in the blob store (stored_in set); see migration 0014. */
	data: Uint8Array;
	/** Where the bytes are: null = still in `data` (from before 0014), 'fs' = the filesystem store. */
	stored_in: Generated<'fs' | 's3' | null>;
	created_at: string;
}

export interface CrewsTable {
	id: string;
	name: string;
	created_at: string;
	/** ISO weekdays worked, comma-separated ('1,2,3,4,5'). */
	work_days: Generated<string>;
	/** Warsaw wall-clock 'HH:MM'. */
	work_start: Generated<string>;
	work_end: Generated<string>;
	/** Residents of this crew's in-home visits get "the fitter is on the way" (1) or not (0). */
	announce_arrival: Generated<Bool>;
}

export type AbsenceReason = 'leave' | 'sick' | 'training' | 'other';

export interface AbsencesTable {
	id: string;
	worker_id: string;
	from_date: string;
	to_date: string;
	reason: AbsenceReason;
	created_at: string;
}

export interface ImportRunsTable {
	id: string;
	file_name: string;
	user_id: string | null;
	rows: number;
	added: number;
	updated: number;
	unchanged: number;
	created_at: string;
}

export interface EstatesTable {
	id: string;
	name: string;
	city: string;
	is_demo: Bool;
	created_at: string;
}

export interface BuildingsTable {
	id: string;
	estate_id: string;
	street: string;
	number: string;
	postcode: string;
	city: string;
	created_at: string;
}

export interface MeterPointsTable {
	id: string;
	ppe: string;
	building_id: string;
	stairwell: string;
	flat: string | null;
	location: MeterLocation;
	tariff_group: string;
	prosumer: Bool;
	resident_phone: string | null;
	/** In-home points only; erased with the phone after the exchange. */
	resident_email?: string | null;
	messages_stopped_at?: string | null;
	stop_code?: string | null;
	created_at: string;
	updated_at: string;
}

export interface MetersTable {
	id: string;
	serial: string;
	manufacturer: string;
	model: string;
	kind: MeterKind;
	state: MeterState;
	meter_point_id: string | null;
	/** For meters in stock: the fitter (user) who holds it. */
	holder_user_id: string | null;
	/** JSON array of the seal numbers on record for an installed meter. */
	seal_numbers?: string | null;
	/** JSON `{ "1.8.1": "12345.678" }`: the last known (billed) readings, and when. */
	last_readings?: string | null;
	last_read_on?: string | null;
	created_at: string;
	updated_at: string;
}

export interface JobsTable {
	id: string;
	meter_point_id: string;
	crew_id: string | null;
	planned_date: string | null;
	window_start: string | null;
	window_end: string | null;
	sequence: number;
	status: JobStatus;
	attempt: number;
	created_at: string;
	updated_at: string;
	started_at: string | null;
	completed_at: string | null;
	/** The booked (or planned) in-home appointment slot. */
	slot_id: string | null;
	/** Given to the resident when they book; unique. */
	booking_reference: string | null;
	booked_at: string | null;
	/** Set when the fitter recorded "could not complete" (the job is back in planning). */
	exception_reason?: string | null;
}

export type ExceptionReason = 'cabinet_locked' | 'unsafe' | 'meter_missing' | 'customer_refused' | 'other';

export interface JobExceptionsTable {
	id: string;
	job_id: string;
	reason: ExceptionReason;
	note: string | null;
	photo_sha256: string | null;
	at: string;
	user_id: string;
	created_at: string;
	/** The visit attempt it was (counted like no-access visits); null before migration 0018. */
	attempt?: number | null;
}

/** A change of a job's crew by the office (see migration 0018). */
export interface JobMovesTable {
	id: string;
	job_id: string;
	from_crew_id: string | null;
	to_crew_id: string | null;
	at: string;
}

export interface AppointmentSlotsTable {
	id: string;
	building_id: string;
	crew_id: string;
	/** Warsaw calendar day, YYYY-MM-DD. */
	date: string;
	starts_at: string;
	ends_at: string;
	capacity: number;
	published_at: string | null;
	withdrawn_at: string | null;
	created_at: string;
}

export interface SessionsTable {
	/** sha256 of the cookie token: a leaked table cannot be replayed as cookies. */
	id: string;
	user_id: string;
	kind: SessionKind;
	device_label: string | null;
	mfa_verified: Bool;
	user_agent: string | null;
	created_at: string;
	last_seen_at: string;
	expires_at: string;
	revoked_at: string | null;
	revoked_reason: 'user' | 'admin' | null;
}

export interface AuditLogTable {
	id: string;
	at: string;
	user_id: string | null;
	session_kind: SessionKind | null;
	device: string | null;
	ip: string | null;
	action: string;
	entity: string;
	entity_id: string | null;
	/** JSON text: `{ field: [before, after] }` or the created row. */
	changes: string | null;
}

export interface CountersTable {
	name: string;
	value: number;
}

/** `rejection` rows carry a device's refused mutations back to it (user-scoped). */
export type SyncEntity = 'job' | 'note' | 'reading' | 'photo' | 'stock' | 'exchange' | 'outage' | 'seal' | 'visit' | 'profile' | 'rejection';

export interface ChangeLogTable {
	seq: number;
	entity: SyncEntity;
	entity_id: string;
	op: 'put' | 'del';
	/** Who may pull it: a crew's fitters, or one user (own stock). */
	crew_id: string | null;
	user_id: string | null;
	/** JSON of the entity as the tablet stores it. */
	data: string | null;
	at: string;
}

export interface SyncClientsTable {
	client_id: string;
	user_id: string;
	last_mutation_id: number;
	created_at: string;
	updated_at: string;
}

export interface MutationLogTable {
	client_id: string;
	mutation_id: number;
	name: string;
	args: string;
	user_id: string;
	status: 'applied' | 'rejected';
	reason_code: string | null;
	reason_message: string | null;
	client_at: string;
	received_at: string;
	/** The job the mutation was about (its `jobId` argument), for the job's timeline. */
	job_id?: string | null;
}

export interface JobNotesTable {
	id: string;
	client_note_id: string;
	job_id: string;
	user_id: string;
	text: string;
	at: string;
	created_at: string;
}

export interface ReadingsTable {
	id: string;
	job_id: string;
	meter_role: 'old' | 'new';
	register: string;
	value: string | null;
	unreadable_reason: string | null;
	photo_sha256: string | null;
	at: string;
	user_id: string;
	client_id: string;
	mutation_id: number;
	created_at: string;
	confirmed_unusual?: number;
	corrects_reading_id?: string | null;
	/** 'manual' (typed from the display) or 'optical' (read through the optical port). */
	source?: 'manual' | 'optical';
	/** Optical readings: the raw IEC 62056-21 telegram, base64. */
	telegram?: string | null;
	/** A value typed over an optical one: the fitter's reason. */
	correction_reason?: string | null;
}

export interface JobPhotosTable {
	id: string;
	job_id: string;
	sha256: string;
	kind: string;
	content_type: string;
	size: number;
	at: string;
	user_id: string;
	created_at: string;
}

export interface SyncConflictsTable {
	id: string;
	entity: string;
	entity_id: string;
	field: string;
	office_value: string | null;
	field_value: string | null;
	client_id: string;
	mutation_id: number;
	user_id: string;
	created_at: string;
	resolved_at: string | null;
}

export type CommissioningState = 'not_requested' | 'pending' | 'communicating' | 'failed' | 'escalated';

export interface ExchangesTable {
	job_id: string;
	old_meter_serial: string | null;
	old_meter_mismatch: number;
	mismatch_reason: string | null;
	mismatch_photo_sha256: string | null;
	irregularity_suspected: number;
	new_meter_serial: string | null;
	new_meter_id: string | null;
	new_meter_model: string | null;
	not_in_stock_reason: string | null;
	contactor_closed: number | null;
	tariff_programmed: string | null;
	wmbus_enabled: number | null;
	wmbus_requested: number | null;
	voltage_ok: number | null;
	commissioning_state: CommissioningState;
	commissioning_attempts: number;
	commissioning_error: string | null;
	commissioning_updated_at: string | null;
	hes_request_id: string | null;
	signature_kind: 'resident' | 'stairwell' | null;
	signature_sha256: string | null;
	protocol_sha256: string | null;
	user_id: string;
	created_at: string;
	updated_at: string;
	old_meter_id?: string | null;
	/** When the HES worker may try (again); null when nothing is due. */
	commissioning_next_at?: string | null;
	/** The worker (token) that claimed the request, until when: a crashed worker's claim expires. */
	commissioning_claim?: string | null;
	commissioning_claimed_until?: string | null;
	completed_at?: string | null;
	/** Who signed the protocol, or the name a resident who refused to sign gave. */
	signer_name?: string | null;
	signature_refused?: number;
	refusal_reason?: string | null;
}

export interface OutagesTable {
	id: string;
	job_id: string;
	off_at: string;
	on_at: string | null;
	overrun_reason: string | null;
	user_id: string;
	created_at: string;
}

export interface SealsTable {
	id: string;
	job_id: string;
	meter_role: 'old' | 'new';
	number: string | null;
	state: 'intact' | 'broken' | 'missing' | 'applied';
	photo_sha256: string | null;
	user_id: string;
	created_at: string;
}

export interface NoAccessVisitsTable {
	id: string;
	job_id: string;
	attempt: number;
	notice_left: number;
	photo_sha256: string | null;
	at: string;
	user_id: string;
	created_at: string;
}

export type LookupOutcome = 'valid' | 'suspended' | 'revoked' | 'expired' | 'not_yet_valid' | 'unknown' | 'typo' | 'format' | 'limited';
export type LookupSource = 'form' | 'qr' | 'address';

export interface BadgeLookupsTable {
	id: string;
	at: string;
	badge_input: string | null;
	worker_id: string | null;
	outcome: LookupOutcome;
	source: LookupSource;
	client_hash: string | null;
	/** Identical look-ups this row stands for (written behind under load). */
	hits: ColumnType<number, number | undefined, number>;
}

export interface SuspiciousReportsTable {
	id: string;
	reference: string;
	created_at: string;
	address: string;
	occurred_at: string;
	description: string;
	badge_seen: string | null;
	worker_id: string | null;
	client_hash: string | null;
	/** The job at the address the resident gave, around that day (migration 0018). */
	job_id?: string | null;
}

export interface SigningKeysTable {
	name: string;
	secret: string;
	public_key: string | null;
	created_at: string;
}

export type MessageChannel = 'sms' | 'email';
export type MessageTemplate = 'booking_confirmed' | 'reminder_day_before' | 'reminder_morning' | 'visit_moved' | 'visit_cancelled' | 'on_the_way';
/**
 * pending → claimed (a worker took it) → sending (being handed over) → sent (or logged: no channel configured, shown in the console only);
 * failed: gave up; uncertain: a worker died while handing it over, so it is never sent again by
 * itself; cancelled: no longer true (the visit moved); stopped: the resident said STOP.
 */
export type MessageState = 'pending' | 'claimed' | 'sending' | 'sent' | 'logged' | 'failed' | 'uncertain' | 'cancelled' | 'stopped';

export interface MessagesTable {
	id: string;
	job_id: string | null;
	meter_point_id: string;
	channel: MessageChannel;
	recipient: string | null;
	template: MessageTemplate;
	params: string;
	subject: string | null;
	body: string | null;
	state: MessageState;
	attempts: number;
	next_at: string;
	claim: string | null;
	claimed_until: string | null;
	provider_id: string | null;
	last_error: string | null;
	dedupe_key: string | null;
	resend_of: string | null;
	created_at: string;
	updated_at: string;
	sent_at: string | null;
}

export interface DB {
	users: UsersTable;
	workers: WorkersTable;
	blobs: BlobsTable;
	crews: CrewsTable;
	estates: EstatesTable;
	buildings: BuildingsTable;
	meter_points: MeterPointsTable;
	meters: MetersTable;
	jobs: JobsTable;
	sessions: SessionsTable;
	audit_log: AuditLogTable;
	counters: CountersTable;
	change_log: ChangeLogTable;
	sync_clients: SyncClientsTable;
	mutation_log: MutationLogTable;
	job_notes: JobNotesTable;
	readings: ReadingsTable;
	job_photos: JobPhotosTable;
	sync_conflicts: SyncConflictsTable;
	appointment_slots: AppointmentSlotsTable;
	exchanges: ExchangesTable;
	outages: OutagesTable;
	seals: SealsTable;
	no_access_visits: NoAccessVisitsTable;
	job_exceptions: JobExceptionsTable;
	job_moves: JobMovesTable;
	absences: AbsencesTable;
	import_runs: ImportRunsTable;
	badge_lookups: BadgeLookupsTable;
	suspicious_reports: SuspiciousReportsTable;
	signing_keys: SigningKeysTable;
	retired_badges: RetiredBadgesTable;
	deliveries: DeliveriesTable;
	seal_stock: SealStockTable;
	stock_movements: StockMovementsTable;
	messages: MessagesTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Worker = Selectable<WorkersTable>;
export type Session = Selectable<SessionsTable>;
export type Job = Selectable<JobsTable>;
export type JobUpdate = Updateable<JobsTable>;
