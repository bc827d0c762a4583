import { parseMutation, type MutationInput, type MutationName } from '$lib/domain/mutations';
import { getMeta, viewTables, type OutboxEntry, type WymianaDb } from './db';
import { notifyLocalChange } from './local-change';
import { applyMutator } from './mutators';

/** Bad arguments for a mutation: nothing was written. `fieldErrors` are zod message keys per path. */
export class MutationInputError extends Error {
	readonly code = 'VALIDATION';
	constructor(
		readonly mutation: string,
		readonly fieldErrors: Record<string, string[]>
	) {
		super(`invalid arguments for ${mutation}`);
		this.name = 'MutationInputError';
	}
}

function fieldErrorsOf(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): Record<string, string[]> {
	const out: Record<string, string[]> = {};
	for (const issue of issues) (out[issue.path.map(String).join('.') || '_'] ??= []).push(issue.message);
	return out;
}

/**
 * Records a fitter's change: validates it, then in ONE transaction allocates the next mutation id,
 * applies it to the local tables and queues it. Either all three happen or none, so the screen never
 * shows a change that will not be sent, and the counter never skips or repeats an id.
 */
export async function mutate<N extends MutationName>(db: WymianaDb, name: N, args: MutationInput<N>): Promise<OutboxEntry> {
	const parsed = parseMutation(name, args);
	if (!parsed.success) throw new MutationInputError(name, fieldErrorsOf(parsed.error.issues));
	const at = new Date().toISOString();
	const entry = await db.transaction('rw', [db.meta, db.outbox, ...viewTables(db)], async () => {
		const id = await getMeta(db, 'nextMutationId');
		await db.meta.put({ key: 'nextMutationId', value: id + 1 });
		await applyMutator(db, name, parsed.data, at);
		const queued: OutboxEntry = { id, name, args: parsed.data, at };
		await db.outbox.add(queued);
		return queued;
	});
	notifyLocalChange(db);
	return entry;
}

async function sha256Hex(blob: Blob): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
	return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Keeps a photo's bytes until they are uploaded; returns the sha256 that `photo.attach` refers to.
 * The hash is computed before the transaction: awaiting anything but Dexie inside one commits it.
 * Storing the same bytes twice is harmless and keeps the upload state already known.
 */
export async function storeBlob(db: WymianaDb, blob: Blob): Promise<string> {
	const sha256 = await sha256Hex(blob);
	await db.transaction('rw', db.blobs, async () => {
		if (await db.blobs.get(sha256)) return;
		await db.blobs.add({ sha256, blob, contentType: blob.type, size: blob.size, uploaded: 0, at: new Date().toISOString() });
	});
	return sha256;
}
