import type { MutationArgs, MutationName } from '../../src/lib/domain/mutations';
import { insertRows } from '../db/prepared';
import { exchangeMutators } from '../exchange/exchange.service';
import { enqueueOnTheWay } from '../notify/notify.service';
import { newId, nowIso } from '../util/ids';
import { hasBlob } from './blobs';
import type { Change } from './change-log';
import { noteDto, photoDto } from './entities';
import { crewJob, jobTouched, RuleError, setFieldStatus, type MutationContext, type Mutator } from './mutation-context';

export { RuleError, type MutationContext } from './mutation-context';

type CoreName = Exclude<MutationName, keyof typeof exchangeMutators>;

const mutators: { [N in CoreName]: Mutator<N> } = {
	'job.start': async (ctx, { jobId }) => {
		const job = await crewJob(ctx, jobId);
		if (job.status === 'done') throw new RuleError('JOB_CLOSED');
		if (job.status !== 'in_progress') {
			await setFieldStatus(ctx, job, 'in_progress', { started_at: job.started_at ?? ctx.at });
			if (job.status === 'planned') await enqueueOnTheWay(ctx.trx, job, ctx.at);
		}
		return [jobTouched(job)];
	},

	'job.note': async (ctx, { jobId, noteId, text }) => {
		const job = await crewJob(ctx, jobId);
		const note = { id: newId(), client_note_id: noteId, job_id: jobId, user_id: ctx.userId, text, at: ctx.at, created_at: nowIso() };
		await insertRows(ctx.trx, 'job_notes', [note]);
		return [{ entity: 'note', id: noteId, op: 'put', crewId: job.crew_id, data: noteDto(note) }];
	},

	'photo.attach': async (ctx, args) => {
		const job = await crewJob(ctx, args.jobId);
		const photo = {
			id: args.photoId, job_id: args.jobId, sha256: args.sha256, kind: args.kind, content_type: args.contentType,
			size: args.size, at: ctx.at, user_id: ctx.userId, created_at: nowIso()
		};
		await insertRows(ctx.trx, 'job_photos', [photo]);
		const uploaded = await hasBlob(ctx.trx, args.sha256);
		return [{ entity: 'photo', id: photo.id, op: 'put', crewId: job.crew_id, data: photoDto(photo, uploaded) }];
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

const all = { ...mutators, ...exchangeMutators } as { [N in MutationName]: Mutator<N> };

export function applyMutation<N extends MutationName>(ctx: MutationContext, name: N, args: MutationArgs<N>): Promise<Change[]> {
	return (all[name] as Mutator<N>)(ctx, args);
}
