import type { Transaction } from 'kysely';
import type { MutationArgs, MutationName } from '../../src/lib/domain/mutations';
import { prepared } from '../db/prepared';
import type { DB, Job, JobStatus } from '../db/schema';
import { newId, nowIso } from '../util/ids';
import type { Change } from './change-log';

/** Reasons a mutation is refused; each has a `reject_<code>` message for the fitter. */
export type RuleCode =
	| 'JOB_NOT_YOURS'
	| 'JOB_CLOSED'
	| 'DUPLICATE'
	| 'VALIDATION'
	| 'JOB_NOT_STARTED'
	| 'NOT_IN_HOME'
	| 'METER_MISMATCH'
	| 'PHOTO_REQUIRED'
	| 'READING_REGISTER'
	| 'READING_EXISTS'
	| 'READING_UNCONFIRMED'
	| 'READING_CORRECTS_UNKNOWN'
	| 'READING_TELEGRAM'
	| 'CORRECTION_REASON'
	| 'OUTAGE_OPEN'
	| 'OUTAGE_UNKNOWN'
	| 'OUTAGE_CLOSED'
	| 'OUTAGE_ORDER'
	| 'OUTAGE_REASON'
	| 'NOT_IN_STOCK'
	| 'METER_ALREADY_FITTED'
	| 'CHECKLIST_INCOMPLETE'
	| 'TARIFF_MISMATCH'
	| 'WMBUS_NOT_REQUESTED'
	| 'EXCHANGE_INCOMPLETE';

/** A business rule said no: the mutation is recorded as rejected with this reason, the queue moves on. */
export class RuleError extends Error {
	constructor(
		readonly code: RuleCode,
		detail?: string
	) {
		super(detail ?? code);
	}
}

export interface MutationContext {
	trx: Transaction<DB>;
	/** Jobs already read in this batch (a day's work touches each job many times). */
	jobs: Map<string, Job | null>;
	/** Per batch: what the exchange rules read about a job's point and meter (see exchange.service). */
	points?: Map<string, unknown>;
	/** Jobs the office moved away from this fitter's crew, with the crew that has them now. */
	moved?: Map<string, string | null>;
	userId: string;
	crewId: string | null;
	clientId: string;
	mutationId: number;
	/** When it happened on the device. */
	at: string;
}

export type Mutator<N extends MutationName> = (ctx: MutationContext, args: MutationArgs<N>) => Promise<Change[]>;

const jobById = prepared((db, p: { jobId: string }) => db.selectFrom('jobs').selectAll().where('id', '=', p.jobId));

export async function crewJob(ctx: MutationContext, jobId: string): Promise<Job> {
	let job = ctx.jobs.get(jobId);
	if (job === undefined) {
		job = (await jobById(ctx.trx, { jobId }))[0] ?? null;
		ctx.jobs.set(jobId, job);
	}
	if (!job || !ctx.crewId) throw new RuleError('JOB_NOT_YOURS');
	if (job.crew_id === ctx.crewId) return job;
	// The office moved the job away from this fitter's crew. What the fitter did on site is still a
	// fact — kept (readings are billed), listed as a clash for planners and sent to both crews (see
	// push) — when they had started the job, or when their tablet recorded it before the move (it
	// was offline and did not know). After the move, a job they never started is not theirs.
	const started = await ctx.trx
		.selectFrom('mutation_log')
		.select('mutation_id')
		.where('job_id', '=', jobId)
		.where('user_id', '=', ctx.userId)
		.where('name', '=', 'job.start')
		.where('status', '=', 'applied')
		.executeTakeFirst();
	if (!started) {
		const move = await ctx.trx.selectFrom('job_moves').select('at').where('job_id', '=', jobId).where('from_crew_id', '=', ctx.crewId).orderBy('at', 'desc').limit(1).executeTakeFirst();
		if (!move || !(Date.parse(ctx.at) <= Date.parse(move.at))) throw new RuleError('JOB_NOT_YOURS');
	}
	ctx.moved?.set(jobId, job.crew_id);
	const noted = await ctx.trx.selectFrom('sync_conflicts').select('id').where('entity', '=', 'job').where('entity_id', '=', jobId).where('field', '=', 'crew_id').where('user_id', '=', ctx.userId).executeTakeFirst();
	if (!noted) {
		await ctx.trx.insertInto('sync_conflicts').values({
			id: newId(), entity: 'job', entity_id: jobId, field: 'crew_id', office_value: job.crew_id, field_value: ctx.crewId,
			client_id: ctx.clientId, mutation_id: ctx.mutationId, user_id: ctx.userId, created_at: nowIso(), resolved_at: null
		}).execute();
	}
	return { ...job, crew_id: ctx.crewId };
}

/** The job's new state goes to the tablets once per batch, built after the batch (see push). */
export const jobTouched = (job: Job): Change => ({ entity: 'job', id: job.id, op: 'put', crewId: job.crew_id });

/**
 * What happened on site is a fact: it is applied even when the office changed the job meanwhile
 * (cancelled it, say), and the clash is stored for planners to resolve.
 */
export async function setFieldStatus(ctx: MutationContext, job: Job, status: JobStatus, extra: Partial<Job> = {}): Promise<void> {
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

