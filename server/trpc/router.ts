import { adminRouter } from '../admin/admin.router';
import { authRouter } from '../auth/auth.router';
import { fitterRouter } from '../jobs/jobs.router';
import { planRouter } from '../plan/plan.router';
import { publicWatchRouter } from '../reports/reports.router';
import { syncRouter } from '../sync/sync.router';
import { workersRouter } from '../workers/workers.router';
import { stockRouter } from '../stock/stock.router';
import { auditTrailRouter } from '../audit-trail/audit-trail.router';
import { createCallerFactory, router } from './init';

export const appRouter = router({
	auth: authRouter,
	fitter: fitterRouter,
	plan: planRouter,
	admin: adminRouter,
	sync: syncRouter,
	publicWatch: publicWatchRouter,
	workers: workersRouter,
	stock: stockRouter,
	auditTrail: auditTrailRouter
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
