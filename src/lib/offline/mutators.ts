import { findInStock, isExpectedMeter, visitAttempt } from '$lib/domain/exchange';
import type { MutationArgs, MutationName, SyncEntity } from '$lib/domain/mutations';
import type { JobStatus, LocalExchange, WymianaDb } from './db';

/**
 * Client mutators: the optimistic half of each mutation. They run inside the caller's Dexie
 * transaction (Dexie binds table calls to it) and must give the same result when re-applied on top
 * of newer server state during a rebase, so every one is a put or a guarded status change.
 */
export type MutatorTables = Pick<WymianaDb, 'jobs' | 'notes' | 'readings' | 'photos' | 'stock' | 'exchanges' | 'outages' | 'seals' | 'visits'>;
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

function blankExchange(jobId: string): LocalExchange {
	return {
		id: jobId, jobId, oldMeterSerial: null, oldMeterMismatch: false, mismatchReason: null, mismatchPhotoSha256: null,
		irregularitySuspected: false, newMeterSerial: null, newMeterId: null, newMeterModel: null, notInStockReason: null,
		contactorClosed: null, tariffProgrammed: null, wmbusEnabled: null, wmbusRequested: null, voltageOk: null,
		commissioningState: 'not_requested', commissioningAttempts: 0, commissioningError: null, signatureKind: null,
		signatureSha256: null, protocolSha256: null, completedAt: null
	};
}

async function patchExchange(tables: MutatorTables, jobId: string, patch: Partial<LocalExchange>): Promise<void> {
	const current = (await tables.exchanges.get(jobId)) ?? blankExchange(jobId);
	await tables.exchanges.put({ ...current, ...patch });
}

/**
 * Attempts already made on a job as far as the tablet knows: its no-access visits, and a "could not
 * complete" still on the job (the tablet keeps no list of those; the server counts them all).
 */
async function attemptsOnTablet(tables: MutatorTables, job: { id: string; attempt: number; exceptionReason?: string | null }): Promise<number[]> {
	const visits = await tables.visits.where('jobId').equals(job.id).toArray();
	return [...visits.map((v) => v.attempt), ...(job.exceptionReason ? [job.attempt] : [])];
}

export const mutators: { [N in MutationName]: Mutator<N> } = {
	'job.start': setJobStatus('in_progress'),
	'job.complete': setJobStatus('done'),
	'job.noAccess': async (tables, args, at) => {
		const job = await tables.jobs.get(args.jobId);
		if (!job || FINAL.includes(job.status)) return;
		const visit = visitAttempt(job.attempt, await attemptsOnTablet(tables, job));
		if (args.visitId) await tables.visits.put({ id: args.visitId, jobId: args.jobId, attempt: visit.attempt, noticeLeft: args.noticeLeft, photoSha256: args.photoSha256, at });
		await tables.jobs.update(args.jobId, { status: visit.status, attempt: visit.attempt, exceptionReason: null });
	},
	'job.cannotComplete': async (tables, args) => {
		const job = await tables.jobs.get(args.jobId);
		if (!job || FINAL.includes(job.status)) return;
		const visit = visitAttempt(job.attempt, await attemptsOnTablet(tables, job));
		await tables.jobs.update(args.jobId, { status: visit.status, attempt: visit.attempt, exceptionReason: args.reason });
	},
	'exchange.oldMeter': async (tables, args) => {
		const job = await tables.jobs.get(args.jobId);
		const expected = isExpectedMeter(args.serial, job?.meterSerial ?? null);
		await patchExchange(tables, args.jobId, {
			oldMeterSerial: args.serial, oldMeterMismatch: !expected,
			mismatchReason: expected ? null : args.mismatchReason, mismatchPhotoSha256: expected ? null : args.mismatchPhotoSha256
		});
	},
	'seal.record': async (tables, args) => {
		await tables.seals.put({ id: args.sealId, jobId: args.jobId, meterRole: args.meterRole, number: args.number, state: args.state, photoSha256: args.photoSha256 });
		if (args.state === 'broken' || args.state === 'missing') await patchExchange(tables, args.jobId, { irregularitySuspected: true });
	},
	'outage.start': async (tables, args) => {
		await tables.outages.put({ id: args.outageId, jobId: args.jobId, offAt: args.offAt, onAt: null, overrunReason: null });
	},
	'outage.end': async (tables, args) => {
		await tables.outages.update(args.outageId, { onAt: args.onAt, overrunReason: args.overrunReason });
	},
	'exchange.newMeter': async (tables, args) => {
		const item = findInStock(args.serial, await tables.stock.toArray());
		await patchExchange(tables, args.jobId, {
			newMeterSerial: args.serial, newMeterId: item?.id ?? null, newMeterModel: item ? `${item.manufacturer} ${item.model}` : null,
			notInStockReason: item ? null : args.notInStockReason
		});
	},
	'exchange.commission': async (tables, args) => {
		const current = (await tables.exchanges.get(args.jobId)) ?? blankExchange(args.jobId);
		const restart = ['not_requested', 'failed', 'escalated'].includes(current.commissioningState);
		await tables.exchanges.put({
			...current, contactorClosed: args.contactorClosed, tariffProgrammed: args.tariffProgrammed, wmbusEnabled: args.wmbusEnabled,
			wmbusRequested: args.wmbusRequested, voltageOk: args.voltageOk,
			...(restart ? { commissioningState: 'pending' as const, commissioningAttempts: 0, commissioningError: null } : {})
		});
	},
	'exchange.protocol': async (tables, args) => {
		await patchExchange(tables, args.jobId, {
			signatureKind: args.signatureKind, signatureSha256: args.signatureSha256, protocolSha256: args.protocolSha256,
			signerName: args.signerName, refusalReason: args.refusalReason
		});
	},
	'exchange.complete': async (tables, args, at) => {
		await patchExchange(tables, args.jobId, { completedAt: at });
		await setJobStatus('done')(tables, args);
	},
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
			confirmedUnusual: args.confirmedUnusual,
			correctsReadingId: args.correctsReadingId,
			source: args.source,
			correctionReason: args.correctionReason,
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
		case 'job.complete':
		case 'job.cannotComplete':
			return row('job', 'jobId');
		case 'job.noAccess':
			return [...row('job', 'jobId'), ...row('visit', 'visitId')];
		case 'exchange.oldMeter':
		case 'exchange.newMeter':
		case 'exchange.commission':
		case 'exchange.protocol':
			return row('exchange', 'jobId');
		case 'exchange.complete':
			return [...row('job', 'jobId'), ...row('exchange', 'jobId')];
		case 'seal.record':
			return [...row('seal', 'sealId'), ...row('exchange', 'jobId')];
		case 'outage.start':
		case 'outage.end':
			return row('outage', 'outageId');
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
