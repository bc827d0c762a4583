import { m } from '$lib/paraglide/messages.js';

export const JOB_STATUSES = [
	'planned',
	'in_progress',
	'done',
	'no_access',
	'turned_back',
	'cancelled'
] as const;

export type JobStatus = (typeof JOB_STATUSES)[number];

/** A function per status (not a lookup by key) so a missing translation fails the type check. */
const LABELS: Record<JobStatus, () => string> = {
	planned: m.status_planned,
	in_progress: m.status_in_progress,
	done: m.status_done,
	no_access: m.status_no_access,
	turned_back: m.status_turned_back,
	cancelled: m.status_cancelled
};

export function jobStatusLabel(status: JobStatus): string {
	return LABELS[status]();
}
