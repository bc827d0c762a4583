import type { MutationName } from '$lib/domain/mutations';
import { m } from '$lib/paraglide/messages.js';

/** A function per mutation (not a lookup by key) so a missing translation fails the type check. */
const LABELS: Record<MutationName, () => string> = {
	'job.start': m.mutation_job_start,
	'job.note': m.mutation_job_note,
	'reading.record': m.mutation_reading_record,
	'photo.attach': m.mutation_photo_attach,
	'job.noAccess': m.mutation_job_no_access,
	'job.cannotComplete': m.mutation_job_cannot_complete,
	'job.complete': m.mutation_job_complete,
	'exchange.oldMeter': m.fitter_mutation_old_meter,
	'seal.record': m.fitter_mutation_seal,
	'outage.start': m.fitter_mutation_outage_start,
	'outage.end': m.fitter_mutation_outage_end,
	'exchange.newMeter': m.fitter_mutation_new_meter,
	'exchange.commission': m.fitter_mutation_commission,
	'exchange.protocol': m.fitter_mutation_protocol,
	'exchange.complete': m.fitter_mutation_complete
};

/** A field change (sync mutation) in words, for the fitter's refusals and the planner's timeline. */
export function mutationLabel(name: string): string {
	return (Object.hasOwn(LABELS, name) ? LABELS[name as MutationName] : m.mutation_other)();
}
