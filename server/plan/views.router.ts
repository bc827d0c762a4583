import { z } from 'zod';
import { plannerProcedure, router } from '../trpc/init';
import { crewDay, estateView, fitterView, listEstates } from './views';
import { day, id } from '../trpc/inputs';

const status = z.enum(['planned', 'in_progress', 'done', 'no_access', 'turned_back', 'cancelled']);

export const viewsRouter = router({
	estates: plannerProcedure.query(({ ctx }) => listEstates(ctx.services.db)),

	estate: plannerProcedure
		.input(z.strictObject({ estateId: id, status: status.or(z.literal('unplanned')).optional(), from: day.optional(), to: day.optional() }))
		.query(({ ctx, input }) => estateView(ctx.services.db, input)),

	crewDay: plannerProcedure
		.input(z.strictObject({ date: day, crewId: id.optional(), estateId: id.optional(), status: status.optional() }))
		.query(({ ctx, input }) => crewDay(ctx.services.db, input)),

	fitter: plannerProcedure
		.input(z.strictObject({ workerId: id, from: day, to: day }))
		.query(({ ctx, input }) => fitterView(ctx.services.db, input)),

	imports: plannerProcedure.query(({ ctx }) =>
		ctx.services.db.selectFrom('import_runs').leftJoin('users', 'users.id', 'import_runs.user_id').select(['import_runs.id', 'file_name', 'rows', 'added', 'updated', 'unchanged', 'import_runs.created_at', 'users.display_name as user']).orderBy('import_runs.created_at', 'desc').limit(20).execute()
	)
});
