import type { Kysely } from 'kysely';
import type { DB, JobNotesTable, JobPhotosTable, ReadingsTable } from '../db/schema';
import type { Selectable } from 'kysely';
import { jobsWithPlace, toJobDto } from '../jobs/jobs.repository';

/** The shapes a tablet stores, one builder per entity, shared by snapshots and the change log. */
export const noteDto = (n: Selectable<JobNotesTable>) => ({ id: n.client_note_id, jobId: n.job_id, text: n.text, at: n.at });
export const readingDto = (r: Selectable<ReadingsTable>) => ({
	id: r.id, jobId: r.job_id, meterRole: r.meter_role, register: r.register, value: r.value,
	unreadableReason: r.unreadable_reason, photoSha256: r.photo_sha256, at: r.at
});
export const photoDto = (p: Selectable<JobPhotosTable>, uploaded: boolean) => ({
	id: p.id, jobId: p.job_id, sha256: p.sha256, kind: p.kind, contentType: p.content_type, size: p.size, at: p.at, uploaded
});
export const stockDto = (m: { id: string; serial: string; manufacturer: string; model: string }) => ({
	id: m.id, serial: m.serial, manufacturer: m.manufacturer, model: m.model
});

/** The current state of these jobs, as tablets store them. */
export async function jobDtos(db: Kysely<DB>, ids: string[]): Promise<Map<string, ReturnType<typeof toJobDto>>> {
	const out = new Map<string, ReturnType<typeof toJobDto>>();
	for (let i = 0; i < ids.length; i += 500) {
		for (const row of await jobsWithPlace(db).where('jobs.id', 'in', ids.slice(i, i + 500)).execute()) out.set(row.id, toJobDto(row));
	}
	return out;
}
