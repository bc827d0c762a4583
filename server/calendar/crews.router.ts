import { z } from 'zod';
import { warsawDate } from '../../src/lib/domain/time';
import { actorOf } from '../trpc/context';
import { plannerProcedure, router } from '../trpc/init';
import { addAbsence, createCrew, listCrews, moveFitter, removeAbsence, setAnnounceArrival, setCrewCalendar } from './crews.service';
import { polishPublicHolidays } from '../schedule/calendar';
import { day, id } from '../trpc/inputs';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'plan_field_time' });

/** Crews, who is in them, when they work, and who is away. */
export const crewsRouter = router({
	list: plannerProcedure.query(({ ctx }) => listCrews(ctx.services.db, warsawDate())),

	create: plannerProcedure
		.input(z.strictObject({ name: z.string().trim().min(1).max(60) }))
		.mutation(({ ctx, input }) => createCrew(ctx.services.db, input.name, actorOf(ctx))),

	setCalendar: plannerProcedure
		.input(
			z
				.strictObject({ crewId: id, workDays: z.array(z.number().int().min(1).max(7)).min(1).max(7), start: hhmm, end: hhmm })
				.refine((v) => v.start < v.end, { path: ['end'], params: { key: 'plan_field_end_after_start' } })
		)
		.mutation(({ ctx, input }) => setCrewCalendar(ctx.services.db, input, actorOf(ctx))),

	setAnnounceArrival: plannerProcedure
		.input(z.strictObject({ crewId: id, on: z.boolean() }))
		.mutation(({ ctx, input }) => setAnnounceArrival(ctx.services.db, input, actorOf(ctx))),

	moveFitter: plannerProcedure
		.input(z.strictObject({ workerId: id, crewId: id.nullable() }))
		.mutation(({ ctx, input }) => moveFitter(ctx.services.db, input, actorOf(ctx))),

	addAbsence: plannerProcedure
		.input(
			z
				.strictObject({ workerId: id, from: day, to: day, reason: z.enum(['leave', 'sick', 'training', 'other']) })
				.refine((v) => v.from <= v.to, { path: ['to'], params: { key: 'plan_field_end_after_start' } })
		)
		.mutation(({ ctx, input }) => addAbsence(ctx.services.db, input, actorOf(ctx))),

	removeAbsence: plannerProcedure.input(z.strictObject({ absenceId: id })).mutation(({ ctx, input }) => removeAbsence(ctx.services.db, input.absenceId, actorOf(ctx))),

	holidays: plannerProcedure
		.input(z.strictObject({ year: z.number().int().min(2000).max(2100) }))
		.query(({ input }) => polishPublicHolidays(input.year))
});
