import { m } from '$lib/paraglide/messages.js';

/** Functions per value (not lookups by key) so a missing translation fails the type check. */
const UNPLACED: Record<string, () => string> = {
	turn_back: m.plan_unplaced_turn_back,
	longer_than_a_day: m.plan_unplaced_longer_than_a_day,
	no_capacity: m.plan_unplaced_no_capacity,
	no_crew_days: m.plan_unplaced_no_crew_days
};

export const unplacedReasonLabel = (reason: string): string => (UNPLACED[reason] ?? (() => reason))();

const ABSENCE: Record<string, () => string> = { leave: m.plan_absence_leave, sick: m.plan_absence_sick, training: m.plan_absence_training, other: m.plan_absence_other };
export const absenceReasonLabel = (reason: string): string => (ABSENCE[reason] ?? (() => reason))();

export const WEEKDAYS: Array<{ day: number; label: () => string }> = [
	{ day: 1, label: m.plan_wd_1 }, { day: 2, label: m.plan_wd_2 }, { day: 3, label: m.plan_wd_3 }, { day: 4, label: m.plan_wd_4 },
	{ day: 5, label: m.plan_wd_5 }, { day: 6, label: m.plan_wd_6 }, { day: 7, label: m.plan_wd_7 }
];

const COMMISSIONING: Record<string, () => string> = {
	not_requested: m.plan_comm_not_requested, pending: m.plan_comm_pending, communicating: m.plan_comm_communicating, failed: m.plan_comm_failed, escalated: m.plan_comm_escalated
};
export const commissioningLabel = (state: string): string => (COMMISSIONING[state] ?? (() => state))();

export const BUCKETS = [
	{ key: 'le15', label: m.plan_bucket_le15 },
	{ key: 'le30', label: m.plan_bucket_le30 },
	{ key: 'le60', label: m.plan_bucket_le60 },
	{ key: 'le180', label: m.plan_bucket_le180 },
	{ key: 'gt180', label: m.plan_bucket_gt180 }
] as const;
