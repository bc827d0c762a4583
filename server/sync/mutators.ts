import type { Transaction } from 'kysely';
import type { MutationArgs, MutationName } from '../../src/lib/domain/mutations';
import type { DB, Job, JobStatus } from '../db/schema';
import { newId, nowIso } from '../util/ids';
import type { Change } from './change-log';
import { noteDto, photoDto, readingDto } from './entities';

/** A business rule said no: the mutation is recorded as rejected with this reason, the queue moves on. */
export class RuleError extends Error {
	constructor(
		readonly code: 'JOB_NOT_YOURS' | 'JOB_CLOSED' | 'DUPLICATE' | 'VALIDATION',
		detail?: string
	) {
		super(detail ?? code);
	}
}

export interface MutationContext {
	trx: Transaction<DB>;
	/** Jobs already read in this batch (a day's work touches each job many times). */
	jobs: Map<string, Job | null>;
	userId: string;
	crewId: string | null;
	clientId: string;
	mutationId: number;
	/** When it happened on the device. */
	at: string;
}

type Mutator<N extends MutationName> = (ctx: MutationContext, args: MutationArgs<N>) => Promise<Change[]>;

async function crewJob(ctx: MutationContext, jobId: string): Promise<Job> {
	let job = ctx.jobs.get(jobId);
	if (job === undefined) {
		job = (await ctx.trx.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst()) ?? null;
		ctx.jobs.set(jobId, job);
	}
	if (!job || !ctx.crewId || job.crew_id !== ctx.crewId) throw new RuleError('JOB_NOT_YOURS');
	return job;
}

/** The job's new state goes to the tablets once per batch, built after the batch (see push). */
const jobTouched = (job: Job): Change => ({ entity: 'job', id: job.id, op: 'put', crewId: job.crew_id });

/**
 * What happened on site is a fact: it is applied even when the office changed the job meanwhile
 * (cancelled it, say), and the clash is stored for planners to resolve.
 */
async function setFieldStatus(ctx: MutationContext, job: Job, status: JobStatus, extra: Partial<Job> = {}): Promise<void> {
	if (job.status === 'cancelled' || job.status === 'turned_back') {
		await ctx.trx.insertInto('sync_conflicts').values({
			id: newId(), entity: 'job', entity_id: job.id, field: 'status', office_value: job.status, field_value: status,
			client_id: ctx.clientId, mutation_id: ctx.mutationId, user_id: ctx.userId, created_at: nowIso(), resolved_at: null
		}).execute();
	}
	const changes = { status, updated_at: nowIso(), ...extra };
	await ctx.trx.updateTable('jobs').set(changes).where('id', '=', job.id).execute();
	ctx.jobs.set(job.id, { ...job, ...changes });
}

const mutators: { [N in MutationName]: Mutator<N> } = {
	'job.start': async (ctx, { jobId }) => {
		const job = await crewJob(ctx, jobId);
		if (job.status === 'done') throw new RuleError('JOB_CLOSED');
		if (job.status !== 'in_progress') await setFieldStatus(ctx, job, 'in_progress', { started_at: job.started_at ?? ctx.at });
		return [jobTouched(job)];
	},

	'job.note': async (ctx, { jobId, noteId, text }) => {
		const job = await crewJob(ctx, jobId);
		const note = { id: newId(), client_note_id: noteId, job_id: jobId, user_id: ctx.userId, text, at: ctx.at, created_at: nowIso() };
		await ctx.trx.insertInto('job_notes').values(note).execute();
		return [{ entity: 'note', id: noteId, op: 'put', crewId: job.crew_id, data: noteDto(note) }];
	},

	'reading.record': async (ctx, args) => {
		const job = await crewJob(ctx, args.jobId);
		const reading = {
			id: args.readingId, job_id: args.jobId, meter_role: args.meterRole, register: args.register, value: args.value,
			unreadable_reason: args.unreadableReason, photo_sha256: args.photoSha256, at: ctx.at, user_id: ctx.userId,
			client_id: ctx.clientId, mutation_id: ctx.mutationId, created_at: nowIso()
		};
		await ctx.trx.insertInto('readings').values(reading).execute();
		return [{ entity: 'reading', id: reading.id, op: 'put', crewId: job.crew_id, data: readingDto(reading) }];
	},

	'photo.attach': async (ctx, args) => {
		const job = await crewJob(ctx, args.jobId);
		const photo = {
			id: args.photoId, job_id: args.jobId, sha256: args.sha256, kind: args.kind, content_type: args.contentType,
			size: args.size, at: ctx.at, user_id: ctx.userId, created_at: nowIso()
		};
		await ctx.trx.insertInto('job_photos').values(photo).execute();
		const uploaded = !!(await ctx.trx.selectFrom('blobs').select('sha256').where('sha256', '=', args.sha256).executeTakeFirst());
		return [{ entity: 'photo', id: photo.id, op: 'put', crewId: job.crew_id, data: photoDto(photo, uploaded) }];
	},

	'job.noAccess': async (ctx, { jobId }) => {
		const job = await crewJob(ctx, jobId);
		if (job.status === 'done') throw new RuleError('JOB_CLOSED');
		await setFieldStatus(ctx, job, 'no_access');
		return [jobTouched(job)];
	},

	'job.complete': async (ctx, { jobId }) => {
		const job = await crewJob(ctx, jobId);
		if (job.status !== 'done') await setFieldStatus(ctx, job, 'done', { completed_at: ctx.at });
		return [jobTouched(job)];
	}
};

/** A primary-key clash: the same reading or photo id sent twice (a device bug, not a resend). */
export function isDuplicateKey(e: unknown): boolean {
	const code = (e as { code?: string } | null)?.code;
	return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function applyMutation<N extends MutationName>(ctx: MutationContext, name: N, args: MutationArgs<N>): Promise<Change[]> {
	return (mutators[name] as Mutator<N>)(ctx, args);
}
