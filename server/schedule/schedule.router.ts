import { z } from 'zod';
import { addDaysToDate, warsawDate } from '../../src/lib/domain/time';
import { actorOf } from '../trpc/context';
import { plannerProcedure, router } from '../trpc/init';
import { DEFAULT_PARAMS } from './engine';
import { cancelVisit, commitPlan, moveJob, moveStairwellBlock, previewPlan, reassignCrewDay } from './schedule.service';
import { day, id } from '../trpc/inputs';


export const planRequestSchema = z.strictObject({
	estateIds: z.array(id).min(1).max(200),
	crewIds: z.array(id).min(1).max(500),
	from: day,
	to: day,
	exchangeMinutes: z.number().int().min(5).max(120).default(DEFAULT_PARAMS.exchangeMinutes),
	setupMinutes: z.number().int().min(0).max(120).default(DEFAULT_PARAMS.setupMinutes),
	travelMinutes: z.number().int().min(0).max(240).default(DEFAULT_PARAMS.travelMinutes),
	slotMinutes: z.number().int().min(15).max(480).default(DEFAULT_PARAMS.slotMinutes),
	inHomeVisitMinutes: z.number().int().min(5).max(240).default(DEFAULT_PARAMS.inHomeVisitMinutes),
	minNoticeDays: z.number().int().min(DEFAULT_PARAMS.minNoticeDays).max(60).default(DEFAULT_PARAMS.minNoticeDays)
});

type PlanInput = z.infer<typeof planRequestSchema>;
const toRequest = (i: PlanInput) => ({
	estateIds: i.estateIds,
	crewIds: i.crewIds,
	from: i.from,
	to: i.to,
	params: {
		exchangeMinutes: i.exchangeMinutes, setupMinutes: i.setupMinutes, travelMinutes: i.travelMinutes, slotMinutes: i.slotMinutes,
		inHomeVisitMinutes: i.inHomeVisitMinutes, minNoticeDays: i.minNoticeDays, maxAttempts: DEFAULT_PARAMS.maxAttempts
	}
});

export const scheduleRouter = router({
	/** Defaults for the planning form. */
	defaults: plannerProcedure.query(() => {
		const today = warsawDate();
		return { today, from: addDaysToDate(today, DEFAULT_PARAMS.minNoticeDays), to: addDaysToDate(today, 60), ...DEFAULT_PARAMS };
	}),

	preview: plannerProcedure.input(planRequestSchema).mutation(({ ctx, input }) => previewPlan(ctx.services.db, toRequest(input), warsawDate(), ctx.locale)),

	commit: plannerProcedure
		.input(planRequestSchema.extend({ expectedHash: z.string().regex(/^[0-9a-f]{32}$/) }))
		.mutation(({ ctx, input }) => commitPlan(ctx.services.db, { ...toRequest(input), expectedHash: input.expectedHash }, warsawDate(), actorOf(ctx), ctx.locale)),

	moveBlock: plannerProcedure
		.input(z.strictObject({ buildingId: id, stairwell: z.string().min(1).max(12), date: day, toDate: day, toCrewId: id, confirmStarted: z.boolean().default(false) }))
		.mutation(({ ctx, input }) => moveStairwellBlock(ctx.services.db, input, warsawDate(), actorOf(ctx), ctx.locale)),

	moveJob: plannerProcedure
		.input(z.strictObject({ jobId: id, toDate: day, toCrewId: id, confirmStarted: z.boolean().default(false) }))
		.mutation(({ ctx, input }) => moveJob(ctx.services.db, input, warsawDate(), actorOf(ctx), ctx.locale)),

	/** A planned visit called off: the resident of an in-home visit is told, the slot place is freed. */
	cancelJob: plannerProcedure
		.input(z.strictObject({ jobId: id, reason: z.string().trim().min(3, { message: 'plan_cancel_reason_required' }).max(500) }))
		.mutation(({ ctx, input }) => cancelVisit(ctx.services.db, input, actorOf(ctx), ctx.locale)),

	/** A crew's day to another crew on the same date (a sick fitter): no notice needed, windows kept. */
	reassignDay: plannerProcedure
		.input(z.strictObject({ fromCrewId: id, date: day, toCrewId: id, confirmStarted: z.boolean().default(false) }))
		.mutation(({ ctx, input }) => reassignCrewDay(ctx.services.db, input, warsawDate(), actorOf(ctx), ctx.locale))
});
