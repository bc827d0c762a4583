import { z } from 'zod';
import { actorOf } from '../trpc/context';
import { plannerProcedure, router } from '../trpc/init';
import { AppError } from '../errors';
import { listMessages, messagePoint } from './notify.repository';
import { countResend } from './resend-limit';
import { reminderEffect, resendMessage } from './notify.service';
import { day } from '../trpc/inputs';

const STATES = ['pending', 'claimed', 'sending', 'sent', 'logged', 'failed', 'uncertain', 'cancelled', 'stopped'] as const;

export const notifyRouter = router({
	/** The message log, overall or for one job: state, attempts, last error — never the recipient. */
	list: plannerProcedure
		.input(z.strictObject({ jobId: z.uuid().optional(), state: z.enum(STATES).optional(), page: z.number().int().min(0).max(100_000).default(0) }))
		.query(async ({ ctx, input }) => {
			const size = 50;
			const { total, rows } = await listMessages(ctx.services.db, { jobId: input.jobId, state: input.state, limit: size, offset: input.page * size });
			return {
				total,
				pageSize: size,
				channels: { sms: !!process.env.SMS_API_TOKEN, email: !!process.env.SMTP_HOST },
				rows: rows.map((r) => ({
					id: r.id, jobId: r.job_id, channel: r.channel, template: r.template, state: r.state, attempts: r.attempts, error: r.last_error,
					subject: r.subject, body: r.body, createdAt: r.created_at, sentAt: r.sent_at, nextAt: r.next_at, resendOf: r.resend_of,
					street: r.street, number: r.number, flat: r.flat, stairwell: r.stairwell
				}))
			};
		}),
	/** Sends a message again to the point's current contact (refused after STOP or the purge). */
	resend: plannerProcedure.input(z.strictObject({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
		const pointId = await messagePoint(ctx.services.db, input.id);
		if (!pointId) throw new AppError('NOT_FOUND');
		await countResend(ctx.services.limiters, pointId);
		return resendMessage(ctx.services.db, input.id, actorOf(ctx));
	}),
	/** No-access share of in-home visits with and without a reminder sent (for the dashboard). */
	effect: plannerProcedure.input(z.strictObject({ from: day, to: day })).query(({ ctx, input }) => reminderEffect(ctx.services.db, input))
});
