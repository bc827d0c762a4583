import type { PullResult, PushResult, SyncChange, SyncEntity } from '$lib/domain/mutations';
import {
	ENTITY_TABLE,
	ensureClientId,
	entityTable,
	getMeta,
	setMeta,
	viewTables,
	type OutboxEntry,
	type Rejection,
	type WymianaDb
} from './db';
import { applyMutator, touchedRows } from './mutators';
import { syncErrorCode, type SyncTransport } from './transport';

export interface UploadProgress {
	loaded: number;
	total: number;
}

/** What the header and the diagnostics screen show. Plain data: the engine runs in Node tests. */
export interface SyncSnapshot {
	/** Local changes not yet confirmed by a pull. */
	pending: number;
	lastSyncAt: string | null;
	/** Code of the last failure (NETWORK, SYNC_GAP, UNAUTHORIZED, BLOB_UPLOAD …); null after a clean sync. */
	lastError: string | null;
	syncing: boolean;
	rejected: Rejection[];
	uploadProgress: UploadProgress | null;
	/** The session is gone: work continues offline, the queue waits for a new sign-in. */
	authRequired: boolean;
	/** false until the counts were first read from the database: until then "all sent" would be a guess. */
	loaded: boolean;
}

/** synced · busy (another tab or call holds the lock) · offline (retry later) · signed_out · failed */
export type SyncOutcome = 'synced' | 'busy' | 'offline' | 'signed_out' | 'failed';

export interface SyncEngineOptions {
	/** Mutations per push call (the server accepts up to 200). */
	batchSize?: number;
	/** Cross-tab lock; defaults to navigator.locks where it exists. null disables it. */
	locks?: LockManager | null;
}

const AUTH_CODES = new Set(['UNAUTHORIZED', 'SESSION_EXPIRED', 'SESSION_REVOKED']);
const BLOB_QUERY_LIMIT = 500;

type Listener = (snapshot: SyncSnapshot) => void;

/**
 * Push → upload blobs → pull, one sync at a time. Every step is safe to repeat: the server skips
 * mutation ids it has seen and blobs it has, so a sync cut off anywhere is simply run again.
 */
export class SyncEngine {
	private state: SyncSnapshot = {
		pending: 0,
		lastSyncAt: null,
		lastError: null,
		syncing: false,
		rejected: [],
		uploadProgress: null,
		authRequired: false,
		loaded: false
	};
	private readonly listeners = new Set<Listener>();
	private running: Promise<SyncOutcome> | null = null;
	/** A sync was asked for while one ran: run once more so late changes are not left waiting. */
	private again = false;
	private readonly batchSize: number;
	private readonly locks: LockManager | null;

	constructor(
		readonly db: WymianaDb,
		private readonly transport: SyncTransport,
		options: SyncEngineOptions = {}
	) {
		this.batchSize = options.batchSize ?? 100;
		this.locks = options.locks !== undefined ? options.locks : (globalThis.navigator?.locks ?? null);
	}

	get snapshot(): SyncSnapshot {
		return this.state;
	}

	/** Calls the listener now and on every change; returns the unsubscribe. */
	subscribe(listener: Listener): () => void {
		this.listeners.add(listener);
		listener(this.state);
		return () => this.listeners.delete(listener);
	}

	/** Re-reads the counts from the database (after a local change, or at start). */
	async refresh(): Promise<void> {
		try {
			const [pending, rejected, lastSyncAt, lastError] = await Promise.all([
				this.db.outbox.count(),
				this.db.rejections.orderBy('id').toArray(),
				getMeta(this.db, 'lastSyncAt'),
				getMeta(this.db, 'lastError')
			]);
			this.update({ pending, rejected, lastSyncAt, lastError, loaded: true });
		} catch {
			// Storage refused (private mode, quota, a closed database): say so instead of throwing at callers.
			this.update({ lastError: 'STORAGE' });
		}
	}

	/** The fitter has read a rejection; it leaves the list. */
	async dismissRejection(id: number): Promise<void> {
		await this.db.rejections.delete(id);
		await this.refresh();
	}

	sync(): Promise<SyncOutcome> {
		if (this.running) {
			this.again = true;
			return this.running;
		}
		this.running = this.runUntilSettled().finally(() => (this.running = null));
		return this.running;
	}

	private async runUntilSettled(): Promise<SyncOutcome> {
		let outcome: SyncOutcome;
		do {
			this.again = false;
			outcome = await this.withLock(() => this.syncOnce());
		} while (this.again && outcome === 'synced');
		return outcome;
	}

	/** Two tabs of the app share one database; only one may push its outbox at a time. */
	private async withLock(run: () => Promise<SyncOutcome>): Promise<SyncOutcome> {
		if (!this.locks) return run();
		// The lock is held until the callback's promise settles; `await` unwraps it for the type too.
		return await this.locks.request(`wymiana-sync:${this.db.name}`, { ifAvailable: true }, (lock) =>
			lock ? run() : Promise.resolve<SyncOutcome>('busy')
		);
	}

	private async syncOnce(): Promise<SyncOutcome> {
		this.update({ syncing: true });
		try {
			const clientId = await ensureClientId(this.db);
			if ((await this.push(clientId)) === 'gap') return await this.fail('SYNC_GAP');
			const blobsFailed = await this.uploadBlobs();
			await this.pullAll(clientId);
			const now = new Date().toISOString();
			await setMeta(this.db, 'lastSyncAt', now);
			await setMeta(this.db, 'lastError', blobsFailed ? 'BLOB_UPLOAD' : null);
			this.update({ authRequired: false });
			return 'synced';
		} catch (err) {
			return await this.fail(syncErrorCode(err));
		} finally {
			this.update({ syncing: false, uploadProgress: null });
			await this.refresh();
		}
	}

	private async fail(code: string): Promise<SyncOutcome> {
		await setMeta(this.db, 'lastError', code).catch(() => this.update({ lastError: code }));
		if (AUTH_CODES.has(code)) {
			this.update({ authRequired: true });
			return 'signed_out';
		}
		return code === 'NETWORK' ? 'offline' : 'failed';
	}

	/** Sends the outbox in order. Entries stay queued until a pull confirms them (see applyPull). */
	private async push(clientId: string): Promise<'ok' | 'gap'> {
		let after = 0;
		for (;;) {
			const batch = await pendingMutations(this.db, after, this.batchSize);
			if (batch.length === 0) return 'ok';
			let result: PushResult;
			try {
				result = await this.transport.push({ clientId, mutations: batch });
			} catch (err) {
				if (syncErrorCode(err) === 'SYNC_GAP') return 'gap';
				throw err;
			}
			await recordRejections(this.db, batch, result);
			after = batch.at(-1)!.id;
		}
	}

	/** Uploads photo bytes the server lacks. Returns true when some blob was refused (kept for later). */
	private async uploadBlobs(): Promise<boolean> {
		const waiting = await this.db.blobs.where('uploaded').equals(0).toArray();
		if (waiting.length === 0) return false;
		const missing = new Set<string>();
		for (let i = 0; i < waiting.length; i += BLOB_QUERY_LIMIT) {
			const hashes = waiting.slice(i, i + BLOB_QUERY_LIMIT).map((b) => b.sha256);
			for (const hash of await this.transport.missingBlobs(hashes)) missing.add(hash);
		}
		const present = waiting.filter((b) => !missing.has(b.sha256)).map((b) => b.sha256);
		await this.db.blobs.where('sha256').anyOf(present).modify({ uploaded: 1 });

		const toSend = waiting.filter((b) => missing.has(b.sha256));
		const total = toSend.reduce((sum, b) => sum + b.size, 0);
		let done = 0;
		let refused = false;
		for (const stored of toSend) {
			this.update({ uploadProgress: { loaded: done, total } });
			const blob = stored.blob.type ? stored.blob : new Blob([stored.blob], { type: stored.contentType });
			try {
				await this.transport.uploadBlob(stored.sha256, blob, (loaded) =>
					this.update({ uploadProgress: { loaded: done + Math.min(loaded, stored.size), total } })
				);
			} catch (err) {
				const code = syncErrorCode(err);
				// No network or no session: stop, the whole sync is retried. A refused blob must not block the rest.
				if (code === 'NETWORK' || AUTH_CODES.has(code)) throw err;
				refused = true;
				continue;
			} finally {
				done += stored.size;
			}
			await this.db.blobs.update(stored.sha256, { uploaded: 1 });
		}
		return refused;
	}

	private async pullAll(clientId: string): Promise<void> {
		for (;;) {
			const cursor = await getMeta(this.db, 'cursor');
			const result = await this.transport.pull({ clientId, cursor });
			await applyPull(this.db, result);
			// `more` with an unchanged cursor would loop forever; the next sync will ask again.
			if (!result.more || result.cursor === cursor) return;
		}
	}

	private update(patch: Partial<SyncSnapshot>): void {
		this.state = { ...this.state, ...patch };
		for (const listener of this.listeners) listener(this.state);
	}
}

/**
 * Queued mutations after `afterId`, in the order they happened. Read here rather than in outbox.ts:
 * the engine runs with the job list, and outbox.ts brings the mutation schemas (zod) along.
 */
function pendingMutations(db: WymianaDb, afterId: number, limit: number): Promise<OutboxEntry[]> {
	return db.outbox.where('id').above(afterId).limit(limit).toArray();
}

async function recordRejections(db: WymianaDb, batch: OutboxEntry[], result: PushResult): Promise<void> {
	const byId = new Map(batch.map((m) => [m.id, m]));
	const at = new Date().toISOString();
	const rejections: Rejection[] = [];
	for (const r of result.results) {
		const mutation = byId.get(r.id);
		if (r.status !== 'rejected' || !mutation) continue;
		rejections.push({ id: r.id, name: mutation.name, args: mutation.args, reason: r.reason ?? { code: 'REJECTED', message: '' }, at });
	}
	if (rejections.length) await db.rejections.bulkPut(rejections);
}

/** The last change per row wins within one page; then writes go out in bulk per entity. */
function groupChanges(changes: SyncChange[]) {
	const last = new Map<string, SyncChange>();
	for (const c of changes) if (c.entity in ENTITY_TABLE) last.set(`${c.entity}\u0000${c.id}`, c);
	const byEntity = new Map<SyncEntity, { puts: SyncChange[]; dels: string[] }>();
	for (const c of last.values()) {
		let group = byEntity.get(c.entity);
		if (!group) byEntity.set(c.entity, (group = { puts: [], dels: [] }));
		if (c.op === 'put' && c.data) group.puts.push(c);
		else group.dels.push(c.id);
	}
	return byEntity;
}

async function writeServerChanges(db: WymianaDb, changes: SyncChange[]): Promise<void> {
	for (const [entity, { puts, dels }] of groupChanges(changes)) {
		const table = entityTable(db, entity);
		await db.base.bulkPut(puts.map((c) => ({ entity, id: c.id, data: c.data! })));
		await table.bulkPut(puts.map((c) => ({ ...c.data, id: c.id })));
		await db.base.bulkDelete(dels.map((id) => [entity, id] as [SyncEntity, string]));
		await table.bulkDelete(dels);
	}
}

/** Puts the server's version back (or removes a row the server never had). */
async function restoreFromBase(db: WymianaDb, rows: Array<{ entity: SyncEntity; id: string }>): Promise<void> {
	for (const { entity, id } of rows) {
		const base = await db.base.get([entity, id]);
		const table = entityTable(db, entity);
		if (base) await table.put({ ...base.data, id });
		else await table.delete(id);
	}
}

/**
 * One pulled page, atomically: server changes into the tables, optimistic edits undone, confirmed
 * mutations dropped from the outbox, the rest re-applied on top (the rebase), cursor advanced.
 * A crash at any point leaves either the old or the new state, never a mix.
 */
export async function applyPull(db: WymianaDb, result: PullResult): Promise<void> {
	await db.transaction('rw', [db.meta, db.outbox, db.base, db.rejections, ...viewTables(db)], async () => {
		const outbox = await db.outbox.orderBy('id').toArray();
		// Refusals whose push answer was lost reach the device this way.
		if (result.rejections?.length) {
			await db.rejections.bulkPut(result.rejections.map((r) => ({ id: r.mutationId, name: r.name, args: r.args, reason: r.reason, at: r.at })));
		}
		if (result.reset) {
			await db.base.clear();
			for (const table of viewTables(db)) await table.clear();
		}
		await writeServerChanges(db, result.changes);
		await restoreFromBase(db, outbox.flatMap((m) => touchedRows(m.name, m.args)));

		await db.outbox.where('id').belowOrEqual(result.lastMutationId).delete();
		for (const m of outbox) if (m.id > result.lastMutationId) await applyMutator(db, m.name, m.args, m.at);

		await setMeta(db, 'cursor', result.cursor);
		await setMeta(db, 'lastMutationId', result.lastMutationId);
		// Never hand out an id the server already counts as applied: it would skip the new mutation.
		const next = await getMeta(db, 'nextMutationId');
		if (next <= result.lastMutationId) await setMeta(db, 'nextMutationId', result.lastMutationId + 1);
	});
}
