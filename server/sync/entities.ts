import { operatorInfo } from '../operator/operator-config';
import type { Kysely } from 'kysely';
import type { DB, ExchangesTable, JobNotesTable, JobPhotosTable, NoAccessVisitsTable, OutagesTable, ReadingsTable, SealsTable, WorkersTable } from '../db/schema';
import type { Selectable } from 'kysely';
import { prepared } from '../db/prepared';
import { jobsWithPlace, toJobDto } from '../jobs/jobs.repository';

/** The shapes a tablet stores, one builder per entity, shared by snapshots and the change log. */
export const noteDto = (n: Selectable<JobNotesTable>) => ({ id: n.client_note_id, jobId: n.job_id, text: n.text, at: n.at });
export const readingDto = (r: Selectable<ReadingsTable>) => ({
	id: r.id, jobId: r.job_id, meterRole: r.meter_role, register: r.register, value: r.value,
	unreadableReason: r.unreadable_reason, photoSha256: r.photo_sha256, at: r.at,
	confirmedUnusual: r.confirmed_unusual === 1, correctsReadingId: r.corrects_reading_id ?? null,
	// The raw telegram stays on the server (evidence for the office); tablets need only its source.
	source: r.source ?? 'manual', correctionReason: r.correction_reason ?? null
});
export const photoDto = (p: Selectable<JobPhotosTable>, uploaded: boolean) => ({
	id: p.id, jobId: p.job_id, sha256: p.sha256, kind: p.kind, contentType: p.content_type, size: p.size, at: p.at, uploaded
});
export const stockDto = (m: { id: string; serial: string; manufacturer: string; model: string }) => ({
	id: m.id, serial: m.serial, manufacturer: m.manufacturer, model: m.model, kind: 'meter' as const
});
/** A numbered seal on the fitter's stock, in the same tablet table as meters (its number as serial). */
export const sealStockDto = (number: string) => ({ id: `seal:${number}`, serial: number, manufacturer: '', model: '', kind: 'seal' as const });

/**
 * Jobs read per statement, the list padded with nulls (which match no job) so that it is always one
 * prepared statement: a push's jobs take one, or a few.
 */
const JOBS_PER_READ = 20;
const jobsByIds = prepared((db, ids: (string | null)[]) =>
	jobsWithPlace(db).where('jobs.id', 'in', Array.from({ length: JOBS_PER_READ }, (_, i) => ids[i] as string))
);

/** The current state of these jobs, as tablets store them. */
export async function jobDtos(db: Kysely<DB>, ids: string[]): Promise<Map<string, ReturnType<typeof toJobDto>>> {
	const out = new Map<string, ReturnType<typeof toJobDto>>();
	for (let i = 0; i < ids.length; i += JOBS_PER_READ) {
		const chunk: (string | null)[] = ids.slice(i, i + JOBS_PER_READ);
		while (chunk.length < JOBS_PER_READ) chunk.push(null);
		for (const row of await jobsByIds(db, chunk)) out.set(row.id, toJobDto(row));
	}
	return out;
}

export const exchangeDto = (x: Selectable<ExchangesTable>) => ({
	id: x.job_id, jobId: x.job_id, oldMeterSerial: x.old_meter_serial, oldMeterMismatch: x.old_meter_mismatch === 1,
	mismatchReason: x.mismatch_reason, mismatchPhotoSha256: x.mismatch_photo_sha256, irregularitySuspected: x.irregularity_suspected === 1,
	newMeterSerial: x.new_meter_serial, newMeterId: x.new_meter_id, newMeterModel: x.new_meter_model, notInStockReason: x.not_in_stock_reason,
	contactorClosed: x.contactor_closed === null ? null : x.contactor_closed === 1, tariffProgrammed: x.tariff_programmed,
	wmbusEnabled: x.wmbus_enabled === null ? null : x.wmbus_enabled === 1, wmbusRequested: x.wmbus_requested === null ? null : x.wmbus_requested === 1,
	voltageOk: x.voltage_ok === null ? null : x.voltage_ok === 1, commissioningState: x.commissioning_state,
	commissioningAttempts: x.commissioning_attempts, commissioningError: x.commissioning_error, signatureKind: x.signature_refused === 1 ? ('refused' as const) : x.signature_kind,
	signerName: x.signer_name ?? null, refusalReason: x.refusal_reason ?? null, signatureSha256: x.signature_sha256, protocolSha256: x.protocol_sha256, completedAt: x.completed_at ?? null
});
export const outageDto = (o: Selectable<OutagesTable>) => ({ id: o.id, jobId: o.job_id, offAt: o.off_at, onAt: o.on_at, overrunReason: o.overrun_reason });
export const sealDto = (s: Selectable<SealsTable>) => ({ id: s.id, jobId: s.job_id, meterRole: s.meter_role, number: s.number, state: s.state, photoSha256: s.photo_sha256 });
export const visitDto = (v: Selectable<NoAccessVisitsTable>) => ({ id: v.id, jobId: v.job_id, attempt: v.attempt, noticeLeft: v.notice_left === 1, photoSha256: v.photo_sha256, at: v.at });
/**
 * The signed-in fitter's own badge, with the live code's secret: only ever sent to that user. The
 * operator's configured facts travel with it (every put replaces the tablet's row), for the protocol.
 */
export const profileDto = (w: Selectable<WorkersTable>) => ({
	id: 'me', workerId: w.id, firstName: w.first_name, lastName: w.last_name, company: w.company, badgeNumber: w.badge_number,
	validUntil: w.valid_until, status: w.status, codeSecret: w.code_secret, operator: operatorInfo()
});
