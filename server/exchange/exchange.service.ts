import type { Kysely } from 'kysely';
import type { MutationName } from '../../src/lib/domain/mutations';
import { fromBase64, OpticalError, parseTelegram } from '../../src/lib/optical/iec62056';
import {
	compareKwh,
	findInStock,
	isExpectedMeter,
	isIrregular,
	outageOverrun,
	readingConcern,
	visitAttempt
} from '../../src/lib/domain/exchange';
import { isTariffGroup, registersFor } from '../../src/lib/domain/tariff';
import { insertRows, prepared } from '../db/prepared';
import type { DB, Job } from '../db/schema';
import { newId, nowIso } from '../util/ids';
import type { Change } from '../sync/change-log';
import { exchangeDto, outageDto, readingDto, sealDto, stockDto, visitDto } from '../sync/entities';
import { crewJob, jobTouched, RuleError, setFieldStatus, type MutationContext, type Mutator } from '../sync/mutation-context';
import { findExchange, findOutage, jobPoint, outagesOf, readingsOf, saveExchange, sealsOf } from './exchange.repository';
import { recordFitted } from '../stock/stock.service';

/**
 * The server half of the exchange mutations: the same rules as the tablet (src/lib/domain), and
 * a refusal leaves nothing behind (the caller rolls the mutation's savepoint back).
 */

/** Attempts already recorded on a job: no-access visits and "could not complete" records. */
async function previousAttempts(ctx: MutationContext, jobId: string): Promise<number[]> {
	const [visits, exceptions] = await Promise.all([
		ctx.trx.selectFrom('no_access_visits').select('attempt').where('job_id', '=', jobId).execute(),
		ctx.trx.selectFrom('job_exceptions').select('attempt').where('job_id', '=', jobId).where('attempt', 'is not', null).execute()
	]);
	return [...visits.map((v) => v.attempt), ...exceptions.map((e) => e.attempt!)];
}

/** Exchange facts are recorded only on a job the fitter has started and not yet finished. */
async function workingJob(ctx: MutationContext, jobId: string): Promise<Job> {
	const job = await crewJob(ctx, jobId);
	if (job.status === 'done') throw new RuleError('JOB_CLOSED');
	if (job.status !== 'in_progress') throw new RuleError('JOB_NOT_STARTED');
	return job;
}

type JobPoint = Awaited<ReturnType<typeof jobPoint>>;

/**
 * The job's point and expected meter, read once per pushed batch (a day's work touches each job
 * many times). Only `exchange.complete` changes what it holds, and it is a job's last fact.
 */
async function pointOf(ctx: MutationContext, jobId: string): Promise<JobPoint> {
	const cached = ctx.points?.get(jobId) as JobPoint | undefined;
	if (cached) return cached;
	const point = await jobPoint(ctx.trx, jobId);
	ctx.points?.set(jobId, point);
	return point;
}

function exchangeChange(job: Job, x: Parameters<typeof exchangeDto>[0]): Change {
	return { entity: 'exchange', id: job.id, op: 'put', crewId: job.crew_id, data: exchangeDto(x) };
}

function lastReadings(raw: string | null | undefined): Record<string, string> {
	try {
		return raw ? (JSON.parse(raw) as Record<string, string>) : {};
	} catch {
		return {};
	}
}

/** An optical reading's value must be the one its telegram (with a good checksum) gives for the register. */
function checkTelegram(telegram: string, register: string, value: string): void {
	let registers: Record<string, string>;
	try {
		registers = parseTelegram(fromBase64(telegram)).values.registers;
	} catch (err) {
		throw new RuleError('READING_TELEGRAM', err instanceof OpticalError ? err.code : 'FORMAT');
	}
	const given = registers[register];
	if (given === undefined || compareKwh(given, value) !== 0) throw new RuleError('READING_TELEGRAM', 'value');
}

type SameRegister = { jobId: string; meterRole: 'old' | 'new'; register: string };

/** Indexed look-ups (job, meter, register): a long day of corrections stays cheap. */
const readingsOfRegister = (db: Kysely<DB>, p: SameRegister) =>
	db.selectFrom('readings').select('id').where('job_id', '=', p.jobId).where('meter_role', '=', p.meterRole).where('register', '=', p.register);
const firstReading = prepared((db, p: SameRegister) => readingsOfRegister(db, p).limit(1));
const sameReading = prepared((db, p: SameRegister & { id: string }) => readingsOfRegister(db, p).select('source').where('id', '=', p.id));

export const exchangeMutators = {
	'reading.record': async (ctx, args) => {
		const job = await crewJob(ctx, args.jobId);
		if (job.status === 'done') throw new RuleError('JOB_CLOSED');
		const point = await pointOf(ctx, args.jobId);
		if (!isTariffGroup(point.tariff_group) || !registersFor(point.tariff_group, point.prosumer === 1).includes(args.register)) {
			throw new RuleError('READING_REGISTER');
		}
		// A final reading is billing data: the display's photo is its evidence, or for a value read
		// through the optical port the meter's own telegram, checked here as the tablet checked it.
		if (args.source === 'optical') checkTelegram(args.telegram!, args.register, args.value!);
		else if (args.meterRole === 'old' && !args.photoSha256) throw new RuleError('PHOTO_REQUIRED');
		const same = { jobId: args.jobId, meterRole: args.meterRole, register: args.register };
		if (args.correctsReadingId === null && (await firstReading(ctx.trx, same)).length > 0) throw new RuleError('READING_EXISTS');
		if (args.correctsReadingId !== null) {
			const [corrected] = await sameReading(ctx.trx, { ...same, id: args.correctsReadingId });
			if (!corrected) throw new RuleError('READING_CORRECTS_UNKNOWN');
			// Typing over what the meter itself said needs a reason on record.
			if (corrected.source === 'optical' && args.source !== 'optical' && args.correctionReason === null) throw new RuleError('CORRECTION_REASON');
		}
		if (args.value !== null && !args.confirmedUnusual) {
			const concern = readingConcern({
				value: args.value, meterRole: args.meterRole, lastKnown: lastReadings(point.last_readings)[args.register] ?? null,
				lastKnownOn: point.last_read_on ?? null, at: ctx.at
			});
			if (concern) throw new RuleError('READING_UNCONFIRMED', concern);
		}
		const reading = {
			id: args.readingId, job_id: args.jobId, meter_role: args.meterRole, register: args.register, value: args.value,
			unreadable_reason: args.unreadableReason, photo_sha256: args.photoSha256, at: ctx.at, user_id: ctx.userId,
			client_id: ctx.clientId, mutation_id: ctx.mutationId, created_at: nowIso(),
			confirmed_unusual: args.confirmedUnusual ? 1 : 0, corrects_reading_id: args.correctsReadingId,
			source: args.source, telegram: args.telegram, correction_reason: args.correctionReason
		};
		await insertRows(ctx.trx, 'readings', [reading]);
		return [{ entity: 'reading', id: reading.id, op: 'put', crewId: job.crew_id, data: readingDto(reading) }];
	},

	'job.noAccess': async (ctx, args) => {
		const job = await crewJob(ctx, args.jobId);
		if (job.status === 'done') throw new RuleError('JOB_CLOSED');
		const point = await pointOf(ctx, args.jobId);
		if (point.location !== 'in_home') throw new RuleError('NOT_IN_HOME');
		const outcome = visitAttempt(job.attempt, await previousAttempts(ctx, job.id));
		const visit = {
			id: args.visitId ?? newId(), job_id: job.id, attempt: outcome.attempt, notice_left: args.noticeLeft ? 1 : 0, photo_sha256: args.photoSha256,
			at: ctx.at, user_id: ctx.userId, created_at: nowIso()
		};
		await ctx.trx.insertInto('no_access_visits').values(visit).execute();
		// Back to planning; after the third attempt as a turn-back (the office decides what next).
		await setFieldStatus(ctx, job, outcome.status, { attempt: outcome.attempt, exception_reason: null });
		return [{ entity: 'visit', id: visit.id, op: 'put', crewId: job.crew_id, data: visitDto(visit) }, jobTouched(job)];
	},

	'job.cannotComplete': async (ctx, args) => {
		const job = await crewJob(ctx, args.jobId);
		if (job.status === 'done') throw new RuleError('JOB_CLOSED');
		// What the fitter found is evidence for the office and the customer: a photo of it.
		if (!args.photoSha256) throw new RuleError('PHOTO_REQUIRED');
		// A wasted trip like a no-access visit: one more attempt, counted the same way (a third one
		// turns the job back to the office), and back to planning with the reason on the job.
		const outcome = visitAttempt(job.attempt, await previousAttempts(ctx, job.id));
		await ctx.trx.insertInto('job_exceptions').values({
			id: args.exceptionId, job_id: job.id, reason: args.reason, note: args.note, photo_sha256: args.photoSha256, at: ctx.at, user_id: ctx.userId, created_at: nowIso(),
			attempt: outcome.attempt
		}).execute();
		await setFieldStatus(ctx, job, outcome.status, { attempt: outcome.attempt, exception_reason: args.reason });
		return [jobTouched(job)];
	},

	'exchange.oldMeter': async (ctx, args) => {
		const job = await workingJob(ctx, args.jobId);
		const point = await pointOf(ctx, args.jobId);
		const expected = isExpectedMeter(args.serial, point.meter_serial);
		if (!expected && (!args.mismatchReason || !args.mismatchPhotoSha256)) throw new RuleError('METER_MISMATCH');
		const x = await saveExchange(ctx.trx, job.id, ctx.userId, {
			old_meter_serial: args.serial, old_meter_id: expected ? point.meter_id : null, old_meter_mismatch: expected ? 0 : 1,
			mismatch_reason: expected ? null : args.mismatchReason, mismatch_photo_sha256: expected ? null : args.mismatchPhotoSha256
		});
		return [exchangeChange(job, x)];
	},

	'seal.record': async (ctx, args) => {
		const job = await workingJob(ctx, args.jobId);
		const seal = {
			id: args.sealId, job_id: job.id, meter_role: args.meterRole, number: args.number, state: args.state, photo_sha256: args.photoSha256,
			user_id: ctx.userId, created_at: nowIso()
		};
		await ctx.trx.insertInto('seals').values(seal).execute();
		const changes: Change[] = [{ entity: 'seal', id: seal.id, op: 'put', crewId: job.crew_id, data: sealDto(seal) }];
		if (args.state !== 'applied' && isIrregular(args.state)) {
			changes.push(exchangeChange(job, await saveExchange(ctx.trx, job.id, ctx.userId, { irregularity_suspected: 1 })));
		}
		return changes;
	},

	'outage.start': async (ctx, args) => {
		const job = await workingJob(ctx, args.jobId);
		if ((await outagesOf(ctx.trx, job.id)).some((o) => o.on_at === null)) throw new RuleError('OUTAGE_OPEN');
		const outage = { id: args.outageId, job_id: job.id, off_at: args.offAt, on_at: null, overrun_reason: null, user_id: ctx.userId, created_at: nowIso() };
		await ctx.trx.insertInto('outages').values(outage).execute();
		return [{ entity: 'outage', id: outage.id, op: 'put', crewId: job.crew_id, data: outageDto(outage) }];
	},

	'outage.end': async (ctx, args) => {
		const job = await workingJob(ctx, args.jobId);
		const outage = await findOutage(ctx.trx, args.outageId);
		if (!outage || outage.job_id !== job.id) throw new RuleError('OUTAGE_UNKNOWN');
		if (outage.on_at !== null) throw new RuleError('OUTAGE_CLOSED');
		if (Date.parse(args.onAt) < Date.parse(outage.off_at)) throw new RuleError('OUTAGE_ORDER');
		if (outageOverrun(outage.off_at, args.onAt) && !args.overrunReason) throw new RuleError('OUTAGE_REASON');
		await ctx.trx.updateTable('outages').set({ on_at: args.onAt, overrun_reason: args.overrunReason }).where('id', '=', outage.id).execute();
		return [{ entity: 'outage', id: outage.id, op: 'put', crewId: job.crew_id, data: outageDto({ ...outage, on_at: args.onAt, overrun_reason: args.overrunReason }) }];
	},

	'exchange.newMeter': async (ctx, args) => {
		const job = await workingJob(ctx, args.jobId);
		const stock = await ctx.trx
			.selectFrom('meters')
			.select(['id', 'serial', 'manufacturer', 'model'])
			.where('holder_user_id', '=', ctx.userId)
			.where('state', '=', 'in_stock')
			.where('serial', '=', args.serial)
			.execute();
		const item = findInStock(args.serial, stock) ?? (await movedMeanwhile(ctx, job.id, args.serial));
		if (!item && !args.notInStockReason) throw new RuleError('NOT_IN_STOCK');
		if (item) {
			const other = await ctx.trx.selectFrom('exchanges').select('job_id').where('new_meter_id', '=', item.id).where('job_id', '!=', job.id).executeTakeFirst();
			if (other) throw new RuleError('METER_ALREADY_FITTED');
		}
		const x = await saveExchange(ctx.trx, job.id, ctx.userId, {
			new_meter_serial: args.serial, new_meter_id: item?.id ?? null, new_meter_model: item ? `${item.manufacturer} ${item.model}` : null,
			not_in_stock_reason: item ? null : args.notInStockReason
		});
		return [exchangeChange(job, x)];
	},

	'exchange.commission': async (ctx, args) => {
		const job = await workingJob(ctx, args.jobId);
		const point = await pointOf(ctx, args.jobId);
		const existing = await findExchange(ctx.trx, job.id);
		if (!existing?.new_meter_serial) throw new RuleError('EXCHANGE_INCOMPLETE', 'no new meter');
		if (!args.contactorClosed || !args.voltageOk) throw new RuleError('CHECKLIST_INCOMPLETE');
		if (args.tariffProgrammed !== point.tariff_group) throw new RuleError('TARIFF_MISMATCH');
		if (args.wmbusEnabled && !args.wmbusRequested) throw new RuleError('WMBUS_NOT_REQUESTED');
		// A new request only when none is running; a repeat after a failure starts the count again.
		const restart = ['not_requested', 'failed', 'escalated'].includes(existing.commissioning_state);
		const x = await saveExchange(ctx.trx, job.id, ctx.userId, {
			contactor_closed: 1, tariff_programmed: args.tariffProgrammed, wmbus_enabled: args.wmbusEnabled ? 1 : 0,
			wmbus_requested: args.wmbusRequested ? 1 : 0, voltage_ok: 1,
			...(restart
				? { commissioning_state: 'pending' as const, commissioning_attempts: 0, commissioning_error: null, commissioning_updated_at: nowIso(), commissioning_next_at: nowIso(), commissioning_claim: null, commissioning_claimed_until: null }
				: {})
		});
		return [exchangeChange(job, x)];
	},

	'exchange.protocol': async (ctx, args) => {
		const job = await workingJob(ctx, args.jobId);
		const point = await pointOf(ctx, args.jobId);
		// An in-home exchange is signed by the resident (or the refusal recorded); a stairwell one has nobody to sign.
		if (point.location === 'in_home' && args.signatureKind === 'stairwell') throw new RuleError('VALIDATION', 'in-home needs a signature');
		const kind = args.signatureKind;
		const refused = kind === 'refused';
		const x = await saveExchange(ctx.trx, job.id, ctx.userId, {
			signature_kind: kind === 'refused' ? null : kind, signature_sha256: args.signatureSha256, protocol_sha256: args.protocolSha256,
			signer_name: args.signerName || null, signature_refused: refused ? 1 : 0, refusal_reason: refused ? args.refusalReason : null
		});
		return [exchangeChange(job, x)];
	},

	'exchange.complete': async (ctx, { jobId }) => {
		const job = await workingJob(ctx, jobId);
		const point = await pointOf(ctx, jobId);
		const x = await findExchange(ctx.trx, jobId);
		const missing = await missingSteps(ctx, jobId, point, x);
		if (missing.length > 0) throw new RuleError('EXCHANGE_INCOMPLETE', missing.join(','));
		const at = nowIso();
		// The meters change places: the old one leaves the point, the new one leaves the fitter's stock.
		if (point.meter_id && x!.old_meter_id === point.meter_id) {
			await ctx.trx.updateTable('meters').set({ state: 'removed', updated_at: at }).where('id', '=', point.meter_id).execute();
		}
		const changes: Change[] = [];
		let fitted: { id: string; serial: string; holder: string | null } | null = null;
		if (x!.new_meter_id) {
			const meter = await ctx.trx.selectFrom('meters').select(['id', 'serial', 'manufacturer', 'model', 'holder_user_id']).where('id', '=', x!.new_meter_id).executeTakeFirstOrThrow();
			await ctx.trx.updateTable('meters').set({ state: 'installed', meter_point_id: point.point_id, holder_user_id: null, updated_at: at }).where('id', '=', meter.id).execute();
			changes.push({ entity: 'stock', id: meter.id, op: 'del', userId: meter.holder_user_id ?? ctx.userId, data: stockDto(meter) });
			fitted = { id: meter.id, serial: meter.serial, holder: meter.holder_user_id };
		}
		// The stock's own record: the meter and the seals applied on it leave the fitter's stock.
		const applied = (await sealsOf(ctx.trx, jobId)).filter((s) => s.meter_role === 'new' && s.state === 'applied' && s.number).map((s) => s.number!);
		changes.push(...(await recordFitted(ctx.trx, { userId: ctx.userId, jobId, at: ctx.at, meter: fitted, sealNumbers: applied })));
		ctx.points?.delete(jobId);
		const done = await saveExchange(ctx.trx, jobId, ctx.userId, { completed_at: ctx.at });
		await setFieldStatus(ctx, job, 'done', { completed_at: ctx.at });
		return [exchangeChange(job, done), jobTouched(job), ...changes];
	}
} satisfies { [N in MutationName]?: Mutator<N> };

/**
 * A meter the fitter was issued but the warehouse moved (took back, gave to someone else) before
 * the tablet heard of it: fitting it is a field fact, so it is applied, and the clash is stored for
 * planners to review. A meter never issued to this fitter stays "not in your stock".
 */
async function movedMeanwhile(ctx: MutationContext, jobId: string, serial: string) {
	const meter = await ctx.trx
		.selectFrom('meters')
		.leftJoin('users', 'users.id', 'meters.holder_user_id')
		.select(['meters.id', 'meters.serial', 'meters.manufacturer', 'meters.model', 'users.display_name as holder'])
		.where('meters.serial', '=', serial)
		.where('meters.kind', '=', 'lzo')
		.where('meters.state', '=', 'in_stock')
		.executeTakeFirst();
	if (!meter) return null;
	const issued = await ctx.trx.selectFrom('stock_movements').select('id').where('meter_id', '=', meter.id).where('kind', '=', 'issue').where('to_user_id', '=', ctx.userId).executeTakeFirst();
	if (!issued) return null;
	await ctx.trx.insertInto('sync_conflicts').values({
		id: newId(), entity: 'job', entity_id: jobId, field: 'new_meter_stock', office_value: meter.holder ?? 'magazyn', field_value: meter.serial,
		client_id: ctx.clientId, mutation_id: ctx.mutationId, user_id: ctx.userId, created_at: nowIso(), resolved_at: null
	}).execute();
	return meter;
}

/** What an exchange still lacks before it may be closed, in the order of the steps. */
async function missingSteps(ctx: MutationContext, jobId: string, point: Awaited<ReturnType<typeof jobPoint>>, x: Awaited<ReturnType<typeof findExchange>>): Promise<string[]> {
	const missing: string[] = [];
	if (!x?.old_meter_serial) missing.push('old_meter');
	const readings = await readingsOf(ctx.trx, jobId);
	const registers = isTariffGroup(point.tariff_group) ? registersFor(point.tariff_group, point.prosumer === 1) : [];
	for (const role of ['old', 'new'] as const) {
		if (registers.some((r) => !readings.some((x) => x.meter_role === role && x.register === r))) missing.push(`readings_${role}`);
	}
	const outages = await outagesOf(ctx.trx, jobId);
	if (outages.length === 0 || outages.some((o) => o.on_at === null)) missing.push('outage');
	if (!x?.new_meter_serial) missing.push('new_meter');
	if ((await sealsOf(ctx.trx, jobId)).filter((s) => s.meter_role === 'new').length === 0) missing.push('new_seals');
	if (!x || x.commissioning_state === 'not_requested') missing.push('commissioning');
	if (!x?.protocol_sha256) missing.push('protocol');
	return missing;
}
