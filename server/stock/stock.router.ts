import { z } from 'zod';
import { warsawDate } from '../../src/lib/domain/time';
import { actorOf } from '../trpc/context';
import { router, warehouseProcedure } from '../trpc/init';
import { fitterHoldings, handInRemoved, outstandingRemoved, receiveDelivery, reconciliation, stockOverview, transfer } from './stock.service';
import { day, id } from '../trpc/inputs';

const code = z.string().trim().min(1).max(40);
const range = z.strictObject({ from: code, to: z.string().trim().max(40) });
const transferInput = z.strictObject({ fitterUserId: id, serials: z.array(code).max(2000), sealRanges: z.array(range).max(50) });

/** The warehouse: deliveries in, meters and seals out to fitters and back, removed meters, the day's reconciliation. */
export const stockRouter = router({
	overview: warehouseProcedure.query(({ ctx }) => stockOverview(ctx.services.db)),

	holdings: warehouseProcedure.input(z.strictObject({ fitterUserId: id })).query(({ ctx, input }) => fitterHoldings(ctx.services.db, input.fitterUserId)),

	receive: warehouseProcedure
		.input(
			z.strictObject({
				reference: z.string().trim().min(1).max(80),
				meters: z.array(z.strictObject({ serial: code, manufacturer: z.string().trim().min(1).max(60), model: z.string().trim().min(1).max(60) })).max(5000),
				sealRanges: z.array(range).max(50)
			})
		)
		.mutation(({ ctx, input }) => receiveDelivery(ctx.services.db, actorOf(ctx), input, ctx.locale)),

	issue: warehouseProcedure.input(transferInput).mutation(({ ctx, input }) => transfer(ctx.services.db, actorOf(ctx), 'issue', input, ctx.locale)),

	takeBack: warehouseProcedure.input(transferInput).mutation(({ ctx, input }) => transfer(ctx.services.db, actorOf(ctx), 'return', input, ctx.locale)),

	removed: warehouseProcedure.query(({ ctx }) => outstandingRemoved(ctx.services.db)),

	handIn: warehouseProcedure.input(z.strictObject({ serial: code })).mutation(({ ctx, input }) => handInRemoved(ctx.services.db, actorOf(ctx), input, ctx.locale)),

	reconciliation: warehouseProcedure
		.input(z.strictObject({ day: day.optional() }).optional())
		.query(({ ctx, input }) => reconciliation(ctx.services.db, input?.day ?? warsawDate()))
});
