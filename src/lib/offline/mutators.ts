import type { MutationArgs, MutationName, SyncEntity } from '$lib/domain/mutations';
import type { JobStatus, WymianaDb } from './db';

/**
 * Client mutators: the optimistic half of each mutation. They run inside the caller's Dexie
 * transaction (Dexie binds table calls to it) and must give the same result when re-applied on top
 * of newer server state during a rebase, so every one is a put or a guarded status change.
 */
export type MutatorTables = Pick<WymianaDb, 'jobs' | 'notes' | 'readings' | 'photos'>;
type Mutator<N extends MutationName> = (tables: MutatorTables, args: MutationArgs<N>, at: string) => Promise<void>;

/** A job the office cancelled or one already finished is not reopened by a late local change. */
const FINAL: readonly JobStatus[] = ['done', 'cancelled'];

function setJobStatus(status: JobStatus) {
	return async (tables: MutatorTables, args: { jobId: string }) => {
		const job = await tables.jobs.get(args.jobId);
		if (!job || job.status === status || FINAL.includes(job.status)) return;
		await tables.jobs.update(args.jobId, { status });
	};
}

export const mutators: { [N in MutationName]: Mutator<N> } = {
	'job.start': setJobStatus('in_progress'),
	'job.noAccess': setJobStatus('no_access'),
	'job.complete': setJobStatus('done'),
	'job.note': async (tables, args, at) => {
		await tables.notes.put({ id: args.noteId, jobId: args.jobId, text: args.text, at });
	},
	'reading.record': async (tables, args, at) => {
		await tables.readings.put({
			id: args.readingId,
			jobId: args.jobId,
			meterRole: args.meterRole,
			register: args.register,
			value: args.value,
			unreadableReason: args.unreadableReason,
			photoSha256: args.photoSha256,
			at
		});
	},
	'photo.attach': async (tables, args, at) => {
		await tables.photos.put({
			id: args.photoId,
			jobId: args.jobId,
			sha256: args.sha256,
			kind: args.kind,
			contentType: args.contentType,
			size: args.size,
			at,
			uploaded: false
		});
	}
};

/** Applies one mutation by name; args were validated when the mutation entered the outbox. */
export function applyMutator(tables: MutatorTables, name: string, args: unknown, at: string): Promise<void> {
	const mutator = (mutators as Record<string, Mutator<MutationName> | undefined>)[name];
	// A name from a newer app version that this build does not know: the server decides; no preview.
	if (!mutator) return Promise.resolve();
	return mutator(tables, args as never, at);
}

/** The rows a mutation may have changed optimistically; a rebase resets exactly these. */
export function touchedRows(name: string, args: unknown): Array<{ entity: SyncEntity; id: string }> {
	const a = (args ?? {}) as Record<string, unknown>;
	const row = (entity: SyncEntity, key: string) => (typeof a[key] === 'string' ? [{ entity, id: a[key] as string }] : []);
	switch (name) {
		case 'job.start':
		case 'job.noAccess':
		case 'job.complete':
			return row('job', 'jobId');
		case 'job.note':
			return row('note', 'noteId');
		case 'reading.record':
			return row('reading', 'readingId');
		case 'photo.attach':
			return row('photo', 'photoId');
		default:
			return [];
	}
}
