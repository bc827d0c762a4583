import type { Kysely } from 'kysely';
import type { DB, MessageState, MessageTemplate } from '../db/schema';

/** The job and point a message is about, with the contact data and the stop mark. */
export function messageTarget(db: Kysely<DB>) {
	return db
		.selectFrom('jobs')
		.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
		.select([
			'jobs.id as job_id', 'jobs.status', 'jobs.window_start', 'jobs.window_end', 'jobs.booking_reference', 'jobs.booked_at',
			'mp.id as point_id', 'mp.location', 'mp.resident_phone', 'mp.resident_email', 'mp.messages_stopped_at', 'mp.stop_code'
		]);
}

export type MessageTarget = NonNullable<Awaited<ReturnType<ReturnType<typeof messageTarget>['executeTakeFirst']>>>;

export interface MessageFilter {
	jobId?: string;
	state?: MessageState;
	limit: number;
	offset: number;
}

/** The message log for planners, newest first: never the recipient, only the channel and address. */
export async function listMessages(db: Kysely<DB>, filter: MessageFilter) {
	let q = db.selectFrom('messages as msg').innerJoin('meter_points as mp', 'mp.id', 'msg.meter_point_id').innerJoin('buildings as b', 'b.id', 'mp.building_id');
	if (filter.jobId) q = q.where('msg.job_id', '=', filter.jobId);
	if (filter.state) q = q.where('msg.state', '=', filter.state);
	const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
	const rows = await q
		.select([
			'msg.id', 'msg.job_id', 'msg.channel', 'msg.template', 'msg.state', 'msg.attempts', 'msg.last_error', 'msg.subject', 'msg.body',
			'msg.created_at', 'msg.sent_at', 'msg.next_at', 'msg.resend_of', 'b.street', 'b.number', 'mp.stairwell', 'mp.flat'
		])
		.orderBy('msg.created_at', 'desc')
		.orderBy('msg.id', 'desc')
		.limit(filter.limit)
		.offset(filter.offset)
		.execute();
	return { total: Number(total.n), rows };
}

export const REMINDERS: MessageTemplate[] = ['reminder_day_before', 'reminder_morning'];

/** The meter point a message was about (null: no such message). */
export async function messagePoint(db: Kysely<DB>, messageId: string): Promise<string | null> {
	const row = await db.selectFrom('messages').select('meter_point_id').where('id', '=', messageId).executeTakeFirst();
	return row?.meter_point_id ?? null;
}
