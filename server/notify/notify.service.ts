import { randomBytes } from 'node:crypto';
import { PostgresAdapter, sql, type Kysely, type RawBuilder, type Transaction, type Updateable } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { addDaysToDate, warsawDate, warsawInstant } from '../../src/lib/domain/time';
import { audit, type Actor } from '../audit';
import type { DB, MessageChannel, MessageState, MessageTemplate } from '../db/schema';
import { AppError } from '../errors';
import { translate } from '../i18n';
import { log } from '../log';
import { newId } from '../util/ids';
import { operatorInfo } from '../operator/operator-config';
import { operatorName } from '../../src/lib/public/operator-text';
import { gatewayNumber, type Channels, type SendResult } from './channels';
import { messageTarget, REMINDERS, type MessageTarget } from './notify.repository';
import { renderMessage, type MessageContext, type MessageParams } from './templates';

export interface NotifyPolicy {
	/** After this many failed hand-overs the message is given up (failed). */
	maxAttempts: number;
	/** Wait before retry n (1-based); the last value repeats. */
	retryDelaysMs: number[];
	/** A claim older than this belongs to a dead worker: its message becomes `uncertain`. */
	claimMs: number;
	/** Messages claimed a round (one instance's share of the queue; the rest is left to the others). */
	batch: number;
	/** Messages marked `sending` in one commit ahead of their hand-over (a crash leaves at most twice this many `uncertain`). */
	markAhead: number;
}

export const DEFAULT_NOTIFY_POLICY: NotifyPolicy = { maxAttempts: 5, retryDelaysMs: [30_000, 120_000, 600_000, 1_800_000], claimMs: 120_000, batch: 50, markAhead: 4 };

const iso = (ms: number) => new Date(ms).toISOString();
const isPostgres = (db: Kysely<DB>) => db.getExecutor().adapter instanceof PostgresAdapter;
/** PostgreSQL: this statement's commit does not wait for the disk (set inside it, to spare a round trip). */
const noWaitForDisk = sql<boolean>`set_config('synchronous_commit', 'off', true) is not null`;
const CHANNELS: MessageChannel[] = ['sms', 'email'];
/** How long an "on the way" message may wait in the outbox before it is dropped as stale. */
export const ON_THE_WAY_VALID_MS = 45 * 60_000;
/** States in which a message is over: the recipient is no longer kept on it. */
const FINAL: MessageState[] = ['sent', 'logged', 'failed', 'cancelled', 'stopped', 'uncertain'];

function contactFor(target: Pick<MessageTarget, 'resident_phone' | 'resident_email'>, channel: MessageChannel): string | null {
	return channel === 'sms' ? target.resident_phone : (target.resident_email ?? null);
}

/** 10 characters of base32: unguessable, short enough for an SMS. */
function newStopCode(): string {
	const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
	return [...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('');
}

/**
 * Writes the messages a change causes, in the caller's transaction (so a message exists exactly
 * when the change does): one row per channel the resident gave us. Only for in-home meters with
 * an appointment window, never after the resident said STOP. `dedupeKey` makes a repeated call
 * (another instance's sweep) write nothing.
 */
export async function enqueueForJob(
	trx: Transaction<DB> | Kysely<DB>,
	jobId: string,
	template: MessageTemplate,
	opts: { dedupeKey?: string; nextAt?: string; window?: { start: string; end: string }; byOperator?: boolean } = {}
): Promise<number> {
	const target = await messageTarget(trx).where('jobs.id', '=', jobId).executeTakeFirst();
	if (!target || target.location !== 'in_home' || target.messages_stopped_at) return 0;
	const windowStart = opts.window?.start ?? target.window_start;
	const windowEnd = opts.window?.end ?? target.window_end;
	if (!windowStart || !windowEnd) return 0;
	const channels = CHANNELS.filter((c) => contactFor(target, c));
	if (channels.length === 0) return 0;
	if (!target.stop_code) await trx.updateTable('meter_points').set({ stop_code: newStopCode() }).where('id', '=', target.point_id).execute();
	// A changed or cancelled visit makes the reminders of the old window untrue.
	if (!REMINDERS.includes(template)) {
		await trx.updateTable('messages').set({ state: 'cancelled', recipient: null, updated_at: iso(Date.now()) })
			.where('job_id', '=', jobId).where('state', '=', 'pending').where('template', 'in', REMINDERS).execute();
	}
	const at = iso(Date.now());
	const params: MessageParams = { windowStart, windowEnd, reference: target.booking_reference, ...(opts.byOperator ? { byOperator: true } : {}) };
	let written = 0;
	for (const channel of channels) {
		const res = await trx
			.insertInto('messages')
			.values({
				id: newId(), job_id: jobId, meter_point_id: target.point_id, channel, recipient: contactFor(target, channel), template, params: JSON.stringify(params),
				subject: null, body: null, state: 'pending', attempts: 0, next_at: opts.nextAt ?? at, claim: null, claimed_until: null, provider_id: null,
				last_error: null, dedupe_key: opts.dedupeKey ? `${opts.dedupeKey}:${channel}` : null, resend_of: null, created_at: at, updated_at: at, sent_at: null
			})
			.onConflict((oc) => oc.column('dedupe_key').doNothing())
			.executeTakeFirst();
		written += Number(res.numInsertedOrUpdatedRows ?? 0);
	}
	return written;
}

/** A start older than this (recorded offline, synced later) says nothing about where the fitter is now. */
const START_FRESH_MS = 15 * 60_000;

/**
 * "The fitter is on the way": when a fitter starts a job, the resident of the crew's next visit
 * that day in the same stairwell (an in-home appointment) hears the fitter is coming. Once per
 * visit and window (dedupe key), only for a start that just happened (a start synced an hour
 * later would be untrue), only for crews that announce arrivals, and through `enqueueForJob`, so
 * STOP and the channel rules hold. Written in the start's own transaction.
 */
export async function enqueueOnTheWay(trx: Transaction<DB>, started: { meter_point_id: string; crew_id: string | null; planned_date: string | null; sequence: number }, startedAt: string, now = Date.now()): Promise<number> {
	if (!started.crew_id || !started.planned_date) return 0;
	const age = now - Date.parse(startedAt);
	if (!(age < START_FRESH_MS) || started.planned_date !== warsawDate(new Date(now))) return 0;
	const crew = await trx.selectFrom('crews').select('announce_arrival').where('id', '=', started.crew_id).executeTakeFirst();
	if (!crew || crew.announce_arrival !== 1) return 0;
	const place = await trx.selectFrom('meter_points').select(['building_id', 'stairwell']).where('id', '=', started.meter_point_id).executeTakeFirstOrThrow();
	const next = await trx
		.selectFrom('jobs')
		.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
		.select(['jobs.id', 'jobs.status', 'jobs.window_start', 'mp.building_id', 'mp.stairwell', 'mp.location'])
		.where('jobs.crew_id', '=', started.crew_id)
		.where('jobs.planned_date', '=', started.planned_date)
		.where('jobs.sequence', '>', started.sequence)
		.where('jobs.status', 'in', ['planned', 'in_progress', 'done', 'no_access'])
		.orderBy('jobs.sequence')
		.limit(1)
		.executeTakeFirst();
	if (!next || next.status !== 'planned' || next.location !== 'in_home' || next.building_id !== place.building_id || next.stairwell !== place.stairwell) return 0;
	return enqueueForJob(trx, next.id, 'on_the_way', { dedupeKey: `on_the_way:${next.id}:${next.window_start}` });
}

/** When the reminders of a visit are due: 18:00 the day before and 07:00 on the day (Warsaw). */
export function reminderTimes(windowStart: string): { dayBefore: string; morning: string } {
	const day = warsawDate(new Date(windowStart));
	return { dayBefore: warsawInstant(addDaysToDate(day, -1), '18:00').toISOString(), morning: warsawInstant(day, '07:00').toISOString() };
}

/**
 * The scheduled sweep (every instance may run it; the dedupe key keeps one reminder per job,
 * window and kind): reminders for in-home visits in the next 36 hours. A reminder is skipped when
 * the visit was booked after it would have gone (the confirmation has just said it all).
 */
export async function sweepReminders(db: Kysely<DB>, now = Date.now()): Promise<number> {
	const jobs = await messageTarget(db)
		.where('jobs.status', '=', 'planned')
		.where('mp.location', '=', 'in_home')
		.where('mp.messages_stopped_at', 'is', null)
		.where((eb) => eb.or([eb('mp.resident_phone', 'is not', null), eb('mp.resident_email', 'is not', null)]))
		.where('jobs.window_start', '>', iso(now))
		.where('jobs.window_start', '<=', iso(now + 36 * 3_600_000))
		.execute();
	let written = 0;
	for (const job of jobs) {
		const times = reminderTimes(job.window_start!);
		const booked = job.booked_at ?? '';
		for (const [template, due] of [['reminder_day_before', times.dayBefore], ['reminder_morning', times.morning]] as const) {
			if (booked > due || due >= job.window_start!) continue;
			// Too late to be of use (the sweep was down): the morning one still goes before the window.
			if (template === 'reminder_day_before' && now > Date.parse(times.morning)) continue;
			written += await db.transaction().execute((trx) =>
				enqueueForJob(trx, job.job_id, template, { dedupeKey: `${template}:${job.job_id}:${job.window_start}`, nextAt: due })
			);
		}
	}
	return written;
}

export function messageContextFromEnv(stopCode: string): MessageContext {
	const op = operatorInfo();
	return {
		origin: process.env.PUBLIC_ORIGIN || process.env.ORIGIN || 'http://localhost:3000',
		hotline: op.hotline,
		operator: operatorName(op, 'pl'),
		verifyUrl: op.verifyUrl,
		bookingUrl: op.bookingUrl,
		stopCode
	};
}

/**
 * A dead worker's claims: messages it had not begun to hand over go back to the queue; those it
 * was handing over become `uncertain` and are never sent again by themselves.
 */
async function markAbandoned(db: Kysely<DB>, now: number): Promise<void> {
	const handing = sql<boolean>`state = 'sending'`;
	await db.updateTable('messages')
		.set({
			state: sql`case when ${handing} then 'uncertain' else 'pending' end`,
			recipient: sql`case when ${handing} then null else recipient end`,
			last_error: sql`case when ${handing} then ${translate('notify_uncertain_error')} else last_error end`,
			claim: null, claimed_until: null, updated_at: iso(now)
		})
		.where('state', 'in', ['claimed', 'sending'])
		.where('claimed_until', '<', iso(now))
		.execute();
}

type SettlePatch = Partial<{ state: MessageState; next_at: string; last_error: string | null; provider_id: string | null; subject: string; body: string; sent_at: string; recipient: null }>;
const SETTLE_COLUMNS = ['state', 'next_at', 'last_error', 'provider_id', 'subject', 'body', 'sent_at', 'recipient'] as const;

/**
 * One statement, one commit, for what a round has to write between two hand-overs: the next
 * messages marked `sending` (only those this claim still holds as `claimed`) and the outcomes of
 * the messages handed over before them (a final state also erases the recipient). Returns the ids
 * marked and the outcomes written; an outcome missing from them came after its claim expired.
 * On PostgreSQL a statement that only settles does not wait for the disk: lost in a database crash,
 * its messages stay `sending` and turn `uncertain`, as after a worker crash. A mark is always a
 * durable commit: that one keeps a message from going twice.
 */
async function writeRound(db: Kysely<DB>, token: string, markIds: string[], outcomes: Array<{ id: string; patch: SettlePatch }>): Promise<{ marked: Set<string>; settled: Array<{ id: string; state: MessageState }> }> {
	const patches = outcomes.map(({ id, patch }) => ({ id, patch: patch.state && FINAL.includes(patch.state) ? { ...patch, recipient: null } : patch }));
	const settleIds = patches.map((o) => o.id);
	const isMark = markIds.length ? sql`id in (${sql.join(markIds)})` : sql`1 = 0`;
	const isSettle = settleIds.length ? sql`id in (${sql.join(settleIds)})` : sql`1 = 0`;
	const perRow = (column: (typeof SETTLE_COLUMNS)[number], first: RawBuilder<unknown>[] = []) => {
		const whens = [...first, ...patches.filter((o) => column in o.patch).map((o) => sql`when id = ${o.id} then ${o.patch[column] ?? null}`)];
		return whens.length ? sql`case ${sql.join(whens, sql` `)} else ${sql.ref(column)} end` : undefined;
	};
	const set: Record<string, RawBuilder<unknown> | string> = { updated_at: iso(Date.now()) };
	for (const column of SETTLE_COLUMNS) {
		const value = perRow(column, column === 'state' && markIds.length ? [sql`when ${isMark} then 'sending'`] : []);
		if (value) set[column] = value;
	}
	if (markIds.length) set.attempts = sql`case when ${isMark} then attempts + 1 else attempts end`;
	if (settleIds.length) for (const column of ['claim', 'claimed_until']) set[column] = sql`case when ${isSettle} then null else ${sql.ref(column)} end`;
	let q = db.updateTable('messages').set(set as Updateable<DB['messages']>)
		.where('claim', '=', token)
		.where(sql<boolean>`(${isMark} and state = 'claimed') or ${isSettle}`);
	if (markIds.length === 0 && isPostgres(db)) q = q.where(noWaitForDisk);
	const rows = await q.returning(['id', 'state']).execute();
	const marks = new Set(markIds);
	const marked = new Set(rows.filter((r) => marks.has(r.id)).map((r) => r.id));
	const settled = rows.filter((r) => !marks.has(r.id));
	if (settled.length < settleIds.length) log.warn({ messages: settleIds.length - settled.length }, 'messages settled after their claim expired');
	return { marked, settled };
}

/** Whether a message still says something true when its turn comes. */
function stillTrue(
	msg: { template: MessageTemplate; params: MessageParams; createdAt: string },
	point: { messages_stopped_at?: string | null } | undefined,
	job: { status: string; window_start: string | null } | undefined,
	now: number
): 'ok' | 'stopped' | 'cancelled' {
	if (!point) return 'cancelled';
	if (point.messages_stopped_at) return 'stopped';
	if ((REMINDERS.includes(msg.template) || msg.template === 'on_the_way') && (!job || job.status !== 'planned' || job.window_start !== msg.params.windowStart)) return 'cancelled';
	// "On the way" an hour late (an outage, a retry) is no longer true: the fitter is there or gone.
	if (msg.template === 'on_the_way' && now - Date.parse(msg.createdAt) > ON_THE_WAY_VALID_MS) return 'cancelled';
	return 'ok';
}

/**
 * One round of the outbox: marks abandoned claims and, beside that, claims a batch of due messages with one
 * conditional UPDATE (pending → claimed, rechecked row by row, so of several instances racing for
 * a row exactly one gets it; on PostgreSQL rows another instance is claiming are skipped, so two
 * instances take two batches at once instead of one coming back empty), hands each to its channel
 * and settles it. A message claimed is never claimed again, and one marked `sending` is never
 * handed over again by itself, so no message goes out twice, whatever crashes; a claim that
 * outlives `claimMs` turns `uncertain` for a planner.
 *
 * The hand-overs stay one channel call at a time; the database work runs beside them, one
 * statement (one commit) per group of `markAhead` messages: it marks the next group `sending` and
 * writes the outcomes of the group handed over before, while the group between them is handed
 * over. A crash leaves at most two groups `uncertain`: the one in hand, and the one marked after it
 * or the one before it whose outcomes were not written yet. On PostgreSQL, where a durable commit
 * costs more than an SMTP hand-over, half a statement a message is what keeps the outbox at over
 * half the pace of direct sending (`npm run bench -- notify`, README).
 */
export async function runNotifyRound(db: Kysely<DB>, channels: Channels, policy: NotifyPolicy = DEFAULT_NOTIFY_POLICY, now = Date.now()): Promise<Array<{ id: string; state: MessageState }>> {
	const token = uuidv7();
	const due = db.selectFrom('messages').select('id').where('state', '=', 'pending').where('next_at', '<=', iso(now)).orderBy('next_at').limit(policy.batch);
	let claim = db
		.updateTable('messages')
		.set({ state: 'claimed', claim: token, claimed_until: iso(Date.now() + policy.claimMs), updated_at: iso(Date.now()) })
		.where('state', '=', 'pending')
		.where('next_at', '<=', iso(now))
		// PostgreSQL: the subquery in an array runs once; as a join the planner may run it again per
		// row, and with the rows it skips and those it has just claimed it would claim past the batch.
		.where((eb) => (isPostgres(db) ? sql<boolean>`id = any(array${due.forUpdate().skipLocked()})` : eb('id', 'in', due)));
	// A claim lost in a database crash puts its messages back in the queue, as they should be:
	// nothing was handed over before a durable mark, and that mark's commit carries the claim.
	if (isPostgres(db)) claim = claim.where(noWaitForDisk);
	// Abandoned claims are looked at beside the claim (one round trip less): they are other rows, claimed or sending, not pending.
	// The claim returns what `stillTrue` asks of each message's point and job too (one round trip less).
	const returning = claim.returningAll().returning((eb) => [
		eb.selectFrom('meter_points as mp').select('mp.messages_stopped_at').whereRef('mp.id', '=', 'messages.meter_point_id').as('point_stopped_at'),
		eb.selectFrom('meter_points as mp').select('mp.stop_code').whereRef('mp.id', '=', 'messages.meter_point_id').as('point_stop_code'),
		eb.selectFrom('jobs as j').select('j.status').whereRef('j.id', '=', 'messages.job_id').as('job_status'),
		eb.selectFrom('jobs as j').select('j.window_start').whereRef('j.id', '=', 'messages.job_id').as('job_window_start')
	]);
	const [, claimed] = await Promise.all([markAbandoned(db, now), returning.execute()]);
	if (claimed.length === 0) return [];
	claimed.sort((a, b) => a.next_at.localeCompare(b.next_at));
	const settled: Array<{ id: string; state: MessageState }> = [];
	/** Outcomes not written yet: they go with the next group's mark. */
	let outcomes: Array<{ id: string; patch: SettlePatch }> = [];
	let failure: unknown = null;
	/** Writes the waiting outcomes and marks `markIds`; resolves to the ids marked. */
	const write = (markIds: string[]) => {
		const batch = outcomes;
		outcomes = [];
		return writeRound(db, token, markIds, batch).then(
			(res) => {
				settled.push(...res.settled);
				return res.marked;
			},
			(err: unknown) => {
				failure ??= err;
				return new Set<string>();
			}
		);
	};
	const deadline = Date.now() + policy.claimMs / 2;
	const markAhead = Math.max(1, policy.markAhead);
	let index = 0;
	/** Messages marked `sending` but, we know, not handed over: back to the queue as they were. */
	const unmark = async (ids: string[]) => {
		if (ids.length === 0) return;
		await db.updateTable('messages').set((eb) => ({ state: 'pending', attempts: eb('attempts', '-', 1), claim: null, claimed_until: null }))
			.where('id', 'in', ids).where('claim', '=', token).where('state', '=', 'sending').execute();
	};
	/**
	 * The next messages to hand over, their `sending` mark on its way to the database with the
	 * outcomes so far, so it is written while the messages before them are handed over. Messages no
	 * longer true get their outcome on the way.
	 */
	const nextGroup = () => {
		const group: Array<{ msg: (typeof claimed)[number]; to: string; content: ReturnType<typeof renderMessage> }> = [];
		while (index < claimed.length && group.length < markAhead) {
			const msg = claimed[index++]!;
			const params = JSON.parse(msg.params) as MessageParams;
			const point = { messages_stopped_at: msg.point_stopped_at, stop_code: msg.point_stop_code };
			const job = msg.job_status ? { status: msg.job_status, window_start: msg.job_window_start } : undefined;
			const verdict = stillTrue({ template: msg.template, params, createdAt: msg.created_at }, point, job, now);
			if (verdict !== 'ok' || !msg.recipient) {
				outcomes.push({ id: msg.id, patch: { state: verdict === 'stopped' ? 'stopped' : 'cancelled' } });
				continue;
			}
			group.push({ msg, to: msg.recipient, content: renderMessage(msg.template, msg.channel, params, messageContextFromEnv(point.stop_code ?? '')) });
		}
		if (group.length === 0) return null;
		// From here on these messages may reach the resident: a crash now leaves them `uncertain`, never resent by themselves.
		return { group, marked: write(group.map((g) => g.msg.id)) };
	};
	let current = nextGroup();
	while (current) {
		const begun = await current.marked;
		const { group } = current;
		current = failure ? null : nextGroup();
		for (const [k, { msg, to, content }] of group.entries()) {
			if (!begun.has(msg.id)) continue;
			// A slow channel: give the rest back before the claim could run out under them.
			if (Date.now() > deadline) {
				await unmark(group.slice(k).filter((g) => begun.has(g.msg.id)).map((g) => g.msg.id));
				if (current) await unmark([...(await current.marked)]);
				current = null;
				break;
			}
			msg.attempts += 1;
			const channel = channels[msg.channel];
			let result: SendResult | { status: 'logged' };
			if (!channel) result = { status: 'logged' };
			else {
				try {
					result = await channel.send({ id: msg.id, to, subject: content.subject, text: content.text });
				} catch (err) {
					result = { status: 'retry', error: (err instanceof Error ? err.message : String(err)).split(to).join('[odbiorca]').slice(0, 300) };
				}
			}
			const at = iso(Date.now());
			let patch: SettlePatch;
			if (result.status === 'sent' || result.status === 'logged') {
				patch = { state: result.status, subject: content.subject, body: content.text, sent_at: at, last_error: null, provider_id: result.status === 'sent' ? result.providerId : null };
			} else if (result.status === 'retry' && msg.attempts < policy.maxAttempts) {
				const delay = Math.max(result.retryAfterMs ?? 0, policy.retryDelaysMs[Math.min(msg.attempts, policy.retryDelaysMs.length) - 1]!);
				patch = { state: 'pending', next_at: iso(Date.now() + delay), last_error: result.error };
			} else {
				patch = { state: 'failed', last_error: result.error, subject: content.subject, body: content.text };
			}
			outcomes.push({ id: msg.id, patch });
		}
	}
	// What the round did not reach (a deadline, a failed write) goes back to the queue untouched.
	if (index < claimed.length || failure) {
		await db.updateTable('messages').set({ state: 'pending', claim: null, claimed_until: null })
			.where('id', 'in', claimed.map((m) => m.id)).where('claim', '=', token).where('state', '=', 'claimed').execute().catch(() => undefined);
	}
	if (outcomes.length) await write([]);
	if (failure) throw failure;
	return settled;
}

/** A resident's "stop" for one meter point: nothing more is written or sent about it. */
async function stopPoints(db: Kysely<DB>, pointIds: string[], actor: Actor, how: 'link' | 'reply'): Promise<number> {
	if (pointIds.length === 0) return 0;
	return db.transaction().execute(async (trx) => {
		const at = iso(Date.now());
		const res = await trx.updateTable('meter_points').set({ messages_stopped_at: at }).where('id', 'in', pointIds).where('messages_stopped_at', 'is', null).executeTakeFirst();
		await trx.updateTable('messages').set({ state: 'stopped', recipient: null, updated_at: at }).where('meter_point_id', 'in', pointIds).where('state', '=', 'pending').execute();
		const stopped = Number(res.numUpdatedRows);
		if (stopped > 0) await audit(trx, actor, { action: 'messages-stopped', entity: 'meter_point', entityId: pointIds.length === 1 ? pointIds[0] : null, changes: { how, points: stopped } });
		return stopped;
	});
}

/** The stop link (/stop/<code>). Returns whether the code named a point (stopped now or before). */
export async function stopByCode(db: Kysely<DB>, code: string, actor: Actor): Promise<boolean> {
	if (!/^[a-z2-9]{10}$/.test(code)) return false;
	const point = await db.selectFrom('meter_points').select('id').where('stop_code', '=', code).executeTakeFirst();
	if (!point) return false;
	await stopPoints(db, [point.id], actor, 'link');
	return true;
}

/** Whether a stop code names a point (the page asks before it stops anything). */
export async function stopCodeExists(db: Kysely<DB>, code: string): Promise<boolean> {
	if (!/^[a-z2-9]{10}$/.test(code)) return false;
	return !!(await db.selectFrom('meter_points').select('id').where('stop_code', '=', code).executeTakeFirst());
}

/** A reply to our SMS: "STOP" (any case, optional punctuation) stops every in-home point with that number. */
export async function stopByReply(db: Kysely<DB>, from: string, text: string, actor: Actor): Promise<number> {
	if (!/^\s*stop\b/i.test(text)) return 0;
	const wanted = gatewayNumber(from);
	const points = await db.selectFrom('meter_points').select(['id', 'resident_phone']).where('location', '=', 'in_home').where('resident_phone', 'is not', null).execute();
	return stopPoints(db, points.filter((p) => gatewayNumber(p.resident_phone!) === wanted).map((p) => p.id), actor, 'reply');
}

/** A planner sends a message again: a new outbox row to the point's current contact. */
export async function resendMessage(db: Kysely<DB>, messageId: string, actor: Actor): Promise<{ id: string }> {
	return db.transaction().execute(async (trx) => {
		const msg = await trx.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirst();
		if (!msg) throw new AppError('NOT_FOUND');
		const point = await trx.selectFrom('meter_points').select(['resident_phone', 'resident_email', 'messages_stopped_at']).where('id', '=', msg.meter_point_id).executeTakeFirstOrThrow();
		if (point.messages_stopped_at) throw new AppError('MESSAGE_STOPPED');
		const recipient = contactFor(point, msg.channel);
		if (!recipient) throw new AppError('MESSAGE_NO_RECIPIENT');
		const at = iso(Date.now());
		const id = newId();
		await trx.insertInto('messages').values({
			id, job_id: msg.job_id, meter_point_id: msg.meter_point_id, channel: msg.channel, recipient, template: msg.template, params: msg.params, subject: null, body: null,
			state: 'pending', attempts: 0, next_at: at, claim: null, claimed_until: null, provider_id: null, last_error: null, dedupe_key: null, resend_of: msg.id,
			created_at: at, updated_at: at, sent_at: null
		}).execute();
		await audit(trx, actor, { action: 'message-resent', entity: 'message', entityId: id, changes: { resend_of: msg.id } });
		return { id };
	});
}

/**
 * The measure this feature exists for: of in-home visits (an exchange done or a no-access visit)
 * in a period, the share that found nobody home, with and without a reminder sent in the 36 hours
 * before.
 */
export async function reminderEffect(db: Kysely<DB>, range: { from: string; to: string }) {
	const fromIso = warsawInstant(range.from, '00:00').toISOString();
	const toIso = warsawInstant(addDaysToDate(range.to, 1), '00:00').toISOString();
	const noAccess = await db.selectFrom('no_access_visits as v').innerJoin('jobs', 'jobs.id', 'v.job_id').innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
		.select(['v.job_id', 'v.at']).where('mp.location', '=', 'in_home').where('v.at', '>=', fromIso).where('v.at', '<', toIso).execute();
	const done = await db.selectFrom('jobs').innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
		.select(['jobs.id as job_id', 'jobs.completed_at as at']).where('mp.location', '=', 'in_home').where('jobs.status', '=', 'done')
		.where('jobs.completed_at', '>=', fromIso).where('jobs.completed_at', '<', toIso).execute();
	const visits = [...noAccess.map((v) => ({ jobId: v.job_id, at: v.at, noAccess: true })), ...done.map((v) => ({ jobId: v.job_id, at: v.at!, noAccess: false }))];
	const sentByJob = new Map<string, number[]>();
	const jobIds = [...new Set(visits.map((v) => v.jobId))];
	for (let i = 0; i < jobIds.length; i += 500) {
		const rows = await db.selectFrom('messages').select(['job_id', 'sent_at']).where('job_id', 'in', jobIds.slice(i, i + 500)).where('template', 'in', REMINDERS).where('state', '=', 'sent').execute();
		for (const r of rows) if (r.job_id && r.sent_at) sentByJob.set(r.job_id, [...(sentByJob.get(r.job_id) ?? []), Date.parse(r.sent_at)]);
	}
	const out = { withReminder: { visits: 0, noAccess: 0 }, withoutReminder: { visits: 0, noAccess: 0 } };
	for (const v of visits) {
		const at = Date.parse(v.at);
		const reminded = (sentByJob.get(v.jobId) ?? []).some((s) => s <= at && s >= at - 36 * 3_600_000);
		const bucket = reminded ? out.withReminder : out.withoutReminder;
		bucket.visits++;
		if (v.noAccess) bucket.noAccess++;
	}
	return out;
}

/** The outbox poller and the reminder sweep of one instance (claims keep instances apart). */
export function startNotifyWorker(db: Kysely<DB>, channels: Channels, opts: { intervalMs?: number; sweepMs?: number } = {}): () => void {
	let stopped = false;
	let timer: ReturnType<typeof setTimeout> | undefined;
	let lastSweep = 0;
	const tick = async () => {
		let busy = false;
		try {
			if (Date.now() - lastSweep >= (opts.sweepMs ?? 10 * 60_000)) {
				lastSweep = Date.now();
				const reminders = await sweepReminders(db);
				if (reminders) log.info({ reminders }, 'reminders queued');
			}
			const settled = await runNotifyRound(db, channels);
			if (settled.length) log.info({ messages: settled.length }, 'messages settled');
			// A round that found work may have left more (a batch is 20): the next one starts at once.
			busy = settled.length > 0;
		} catch (err) {
			log.warn({ err: err instanceof Error ? err.message : String(err) }, 'message round failed');
		}
		if (!stopped) timer = setTimeout(tick, busy ? 0 : (opts.intervalMs ?? 5000));
	};
	timer = setTimeout(tick, opts.intervalMs ?? 5000);
	return () => {
		stopped = true;
		clearTimeout(timer);
		for (const c of Object.values(channels)) c?.close?.();
	};
}
