/**
 * The planner's view of one job: where and what, the plan, everything that happened (from the
 * planner's edits and the tablets' synced facts), readings with their corrections, outage, seals,
 * commissioning, conflicts, booking, exceptions, photos and the protocol.
 */
import type { Kysely } from 'kysely';
import { warsawDate } from '../../src/lib/domain/time';
import type { DB } from '../db/schema';
import { findJob, toJobDto } from './jobs.repository';

/** Whole calendar days from one 'YYYY-MM-DD' to another. */
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T12:00:00Z`) - Date.parse(`${from}T12:00:00Z`)) / 86_400_000);

export type TimelineEvent = {
	at: string;
	kind: 'planned' | 'moved' | 'booked' | 'mutation' | 'rejected' | 'note' | 'exception' | 'visit';
	/** The mutation's name ('exchange.oldMeter'…) or the planner's action. */
	name: string;
	who: string | null;
	/** When the tablet's record reached the server (synced facts only). */
	receivedAt: string | null;
	detail: string | null;
};

export async function jobPage(db: Kysely<DB>, jobId: string) {
	const row = await findJob(db, jobId);
	if (!row) return null;
	const job = await db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
	const [crew, exchange, readings, outages, seals, photos, visits, exceptions, notes, conflicts, mutations, moves, slot, oldMeter, reports, recorders] = await Promise.all([
		row.crew_id ? db.selectFrom('crews').select(['id', 'name']).where('id', '=', row.crew_id).executeTakeFirst() : undefined,
		db.selectFrom('exchanges as x').leftJoin('users as u', 'u.id', 'x.user_id').selectAll('x').select('u.display_name as fitter').where('x.job_id', '=', jobId).executeTakeFirst(),
		db.selectFrom('readings as r').leftJoin('users as u', 'u.id', 'r.user_id').selectAll('r').select('u.display_name as fitter').where('r.job_id', '=', jobId).orderBy('r.created_at').orderBy('r.id').execute(),
		db.selectFrom('outages').selectAll().where('job_id', '=', jobId).orderBy('off_at').execute(),
		db.selectFrom('seals').selectAll().where('job_id', '=', jobId).orderBy('created_at').execute(),
		db
			.selectFrom('job_photos as p')
			.leftJoin('blobs as b', 'b.sha256', 'p.sha256')
			.leftJoin('users as u', 'u.id', 'p.user_id')
			.select(['p.id', 'p.sha256', 'p.kind', 'p.content_type', 'p.size', 'p.at', 'p.user_id', 'u.display_name as fitter', 'b.sha256 as stored'])
			.where('p.job_id', '=', jobId)
			.orderBy('p.at')
			.orderBy('p.id')
			.execute(),
		db.selectFrom('no_access_visits as v').leftJoin('users as u', 'u.id', 'v.user_id').selectAll('v').select('u.display_name as fitter').where('v.job_id', '=', jobId).orderBy('v.at').execute(),
		db.selectFrom('job_exceptions as e').leftJoin('users as u', 'u.id', 'e.user_id').selectAll('e').select('u.display_name as fitter').where('e.job_id', '=', jobId).orderBy('e.at').execute(),
		db.selectFrom('job_notes as n').leftJoin('users as u', 'u.id', 'n.user_id').select(['n.id', 'n.text', 'n.at', 'n.user_id', 'u.display_name as fitter']).where('n.job_id', '=', jobId).orderBy('n.at').execute(),
		db.selectFrom('sync_conflicts as c').leftJoin('users as u', 'u.id', 'c.user_id').select(['c.id', 'c.field', 'c.office_value', 'c.field_value', 'c.created_at', 'c.resolved_at', 'u.display_name as fitter']).where('c.entity', '=', 'job').where('c.entity_id', '=', jobId).orderBy('c.created_at').execute(),
		db
			.selectFrom('mutation_log as m')
			.leftJoin('users as u', 'u.id', 'm.user_id')
			.select(['m.name', 'm.status', 'm.reason_message', 'm.client_at', 'm.received_at', 'u.display_name as fitter'])
			.where('m.job_id', '=', jobId)
			.orderBy('m.client_at')
			.orderBy('m.mutation_id')
			.limit(500)
			.execute(),
		db.selectFrom('audit_log as a').leftJoin('users as u', 'u.id', 'a.user_id').select(['a.at', 'a.action', 'a.changes', 'u.display_name as who']).where('a.entity', '=', 'jobs').where('a.entity_id', '=', jobId).orderBy('a.at').execute(),
		job.slot_id ? db.selectFrom('appointment_slots').select(['starts_at', 'ends_at', 'published_at']).where('id', '=', job.slot_id).executeTakeFirst() : undefined,
		db.selectFrom('meters').select(['serial', 'manufacturer', 'model', 'state']).where('meter_point_id', '=', job.meter_point_id).where('kind', '=', 'conventional').executeTakeFirst(),
		db.selectFrom('suspicious_reports').select(['id', 'reference', 'created_at', 'occurred_at', 'address', 'description', 'badge_seen']).where('job_id', '=', jobId).orderBy('created_at', 'desc').limit(50).execute(),
		// Each fitter who recorded something here, with their crew: facts a crew recorded after the
		// office moved the job are marked as such.
		db
			.selectFrom('users as u')
			.innerJoin('workers as w', 'w.id', 'u.worker_id')
			.leftJoin('crews as c', 'c.id', 'w.crew_id')
			.select(['u.id', 'w.crew_id', 'c.name as crew'])
			.where((eb) =>
				eb.or([
					eb.exists(eb.selectFrom('readings as r2').select('r2.id').whereRef('r2.user_id', '=', 'u.id').where('r2.job_id', '=', jobId)),
					eb.exists(eb.selectFrom('job_photos as p2').select('p2.id').whereRef('p2.user_id', '=', 'u.id').where('p2.job_id', '=', jobId)),
					eb.exists(eb.selectFrom('job_notes as n2').select('n2.id').whereRef('n2.user_id', '=', 'u.id').where('n2.job_id', '=', jobId))
				])
			)
			.execute()
	]);
	const crewOf = new Map(recorders.map((r) => [r.id, r]));
	const crewNames = conflicts.some((c) => c.field === 'crew_id') ? new Map((await db.selectFrom('crews').select(['id', 'name']).execute()).map((c) => [c.id, c.name])) : new Map<string, string>();
	const crewName = (field: string, value: string | null) => (field === 'crew_id' && value ? (crewNames.get(value) ?? value) : value);
	/** Who recorded a fact, and whether their crew is no longer the job's (recorded after a move). */
	const recordedBy = (userId: string | null, fitter: string | null) => {
		const r = userId ? crewOf.get(userId) : undefined;
		return { fitter, fitterCrew: r?.crew ?? null, otherCrew: !!r?.crew_id && r.crew_id !== job.crew_id };
	};

	const timeline: TimelineEvent[] = [
		{ at: job.created_at, kind: 'planned' as const, name: 'plan', who: null, receivedAt: null, detail: job.planned_date },
		...moves.map((a): TimelineEvent => ({ at: a.at, kind: 'moved', name: a.action, who: a.who, receivedAt: null, detail: a.changes })),
		...(job.booked_at ? [{ at: job.booked_at, kind: 'booked' as const, name: 'booking', who: null, receivedAt: null, detail: job.booking_reference }] : []),
		...mutations.map((x): TimelineEvent => ({
			at: x.client_at, kind: x.status === 'rejected' ? 'rejected' : 'mutation', name: x.name, who: x.fitter, receivedAt: x.received_at,
			detail: x.status === 'rejected' ? x.reason_message : null
		}))
	].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

	const outageRows = outages.map((o) => ({
		id: o.id, offAt: o.off_at, onAt: o.on_at, overrunReason: o.overrun_reason,
		minutes: o.on_at ? Math.round((Date.parse(o.on_at) - Date.parse(o.off_at)) / 6_000) / 10 : null
	}));
	// Readings per meter and register, the original first and each correction after it: nothing is replaced.
	const registers = new Map<string, { meterRole: 'old' | 'new'; register: string; readings: Array<{ id: string; value: string | null; unreadableReason: string | null; at: string; fitter: string | null; fitterCrew: string | null; otherCrew: boolean; corrects: string | null; confirmedUnusual: boolean; photoSha256: string | null; source: 'manual' | 'optical'; correctionReason: string | null }> }>();
	for (const r of readings) {
		const key = `${r.meter_role}|${r.register}`;
		const entry = registers.get(key) ?? { meterRole: r.meter_role, register: r.register, readings: [] };
		entry.readings.push({ id: r.id, value: r.value, unreadableReason: r.unreadable_reason, at: r.at, ...recordedBy(r.user_id, r.fitter), corrects: r.corrects_reading_id ?? null, confirmedUnusual: r.confirmed_unusual === 1, photoSha256: r.photo_sha256, source: r.source === 'optical' ? 'optical' : 'manual', correctionReason: r.correction_reason ?? null });
		registers.set(key, entry);
	}

	return {
		job: {
			...toJobDto(row),
			crew: crew ?? null,
			createdAt: job.created_at,
			startedAt: job.started_at,
			completedAt: job.completed_at,
			exceptionReason: job.exception_reason ?? null,
			bookingReference: job.booking_reference,
			bookedAt: job.booked_at,
			// The plan was committed `noticeDays` before the date (the rule is at least 5).
			noticeDays: job.planned_date ? daysBetween(warsawDate(new Date(job.created_at)), job.planned_date) : null,
			slot: slot ? { startsAt: slot.starts_at, endsAt: slot.ends_at, publishedAt: slot.published_at } : null,
			oldMeter: oldMeter ?? null
		},
		timeline,
		exchange: exchange
			? {
					fitter: exchange.fitter,
					oldMeterSerial: exchange.old_meter_serial, oldMeterMismatch: exchange.old_meter_mismatch === 1, mismatchReason: exchange.mismatch_reason,
					irregularitySuspected: exchange.irregularity_suspected === 1,
					newMeterSerial: exchange.new_meter_serial, newMeterModel: exchange.new_meter_model, notInStockReason: exchange.not_in_stock_reason,
					contactorClosed: exchange.contactor_closed, voltageOk: exchange.voltage_ok, tariffProgrammed: exchange.tariff_programmed,
					wmbusEnabled: exchange.wmbus_enabled, wmbusRequested: exchange.wmbus_requested,
					commissioning: {
						state: exchange.commissioning_state, attempts: exchange.commissioning_attempts, lastAnswer: exchange.commissioning_error,
						requestId: exchange.hes_request_id, updatedAt: exchange.commissioning_updated_at, nextAt: exchange.commissioning_next_at ?? null
					},
					signatureKind: exchange.signature_refused === 1 ? ('refused' as const) : exchange.signature_kind,
					signerName: exchange.signer_name ?? null,
					refusalReason: exchange.refusal_reason ?? null,
					protocolSha256: exchange.protocol_sha256,
					completedAt: exchange.completed_at ?? null
				}
			: null,
		readings: [...registers.values()].sort((a, b) => (a.meterRole === b.meterRole ? a.register.localeCompare(b.register) : a.meterRole === 'old' ? -1 : 1)),
		outages: outageRows,
		seals: seals.map((s) => ({ id: s.id, meterRole: s.meter_role, number: s.number, state: s.state, photoSha256: s.photo_sha256 })),
		photos: photos.map((p) => ({ id: p.id, sha256: p.sha256, kind: p.kind, contentType: p.content_type, size: p.size, at: p.at, uploaded: p.stored !== null, ...recordedBy(p.user_id, p.fitter) })),
		visits: visits.map((v) => ({ id: v.id, attempt: v.attempt, noticeLeft: v.notice_left === 1, photoSha256: v.photo_sha256, at: v.at, fitter: v.fitter })),
		exceptions: exceptions.map((e) => ({ id: e.id, reason: e.reason, note: e.note, photoSha256: e.photo_sha256, at: e.at, fitter: e.fitter, attempt: e.attempt ?? null })),
		notes: notes.map((n) => ({ id: n.id, text: n.text, at: n.at, ...recordedBy(n.user_id, n.fitter) })),
		reports: reports.map((r) => ({ id: r.id, reference: r.reference, createdAt: r.created_at, occurredAt: r.occurred_at, address: r.address, description: r.description, badgeSeen: r.badge_seen })),
		// A crew clash reads as the crews' names, not their ids.
		conflicts: conflicts.map((c) => ({ id: c.id, field: c.field, office: crewName(c.field, c.office_value), field_value: crewName(c.field, c.field_value), at: c.created_at, resolved: c.resolved_at !== null, fitter: c.fitter }))
	};
}

export type JobPage = NonNullable<Awaited<ReturnType<typeof jobPage>>>;
