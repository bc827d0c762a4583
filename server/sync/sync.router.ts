import { z } from 'zod';
import { pullInput, pushInput } from '../../src/lib/domain/mutations';
import { crewOfUser } from '../jobs/jobs.repository';
import { fitterProcedure, router } from '../trpc/init';
import type { Context } from '../trpc/context';
import { pull, push, type SyncActor } from './sync.service';
import { storedForCrew } from './blobs';

async function actor(ctx: Context & { auth: NonNullable<Context['auth']> }): Promise<SyncActor> {
	return { userId: ctx.auth.user.id, crewId: await crewOfUser(ctx.services.db, ctx.auth.user.id), locale: ctx.locale };
}

export const syncRouter = router({
	push: fitterProcedure
		.input(pushInput.refine((p) => p.mutations.every((m, i, all) => i === 0 || m.id === all[i - 1]!.id + 1), {
			message: 'sync_batch_order',
			path: ['mutations']
		}))
		.mutation(({ ctx, input }) => ctx.services.syncs.run(async () => push(ctx.services.db, await actor(ctx), input))),

	pull: fitterProcedure.input(pullInput).query(({ ctx, input }) => ctx.services.syncs.run(async () => pull(ctx.services.db, await actor(ctx), input.clientId, input.cursor))),

	/** Which of these photos/signatures the server does not have yet. */
	missingBlobs: fitterProcedure
		.input(z.strictObject({ hashes: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(500) }))
		.query(async ({ ctx, input }) => {
			if (input.hashes.length === 0) return { missing: [] };
			const have = await storedForCrew(ctx.services.db, await crewOfUser(ctx.services.db, ctx.auth.user.id), input.hashes);
			return { missing: input.hashes.filter((h) => !have.has(h)) };
		})
});
