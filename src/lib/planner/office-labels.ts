import { m } from '$lib/paraglide/messages.js';

/** Labels of the back office (people, badges, stock, audit): functions per value, as in labels.ts. */
const BADGE_STATE: Record<string, () => string> = {
	valid: m.office_state_valid, suspended: m.office_state_suspended, revoked: m.office_state_revoked, expired: m.office_state_expired, not_yet_valid: m.office_state_not_yet_valid
};
export const badgeStateLabel = (state: string): string => (BADGE_STATE[state] ?? (() => state))();

const LOOKUP: Record<string, () => string> = {
	valid: m.office_state_valid, suspended: m.office_state_suspended, revoked: m.office_lookup_revoked, expired: m.office_state_expired, not_yet_valid: m.office_state_not_yet_valid,
	unknown: m.office_lookup_other, typo: m.office_lookup_other, format: m.office_lookup_other, limited: m.office_lookup_other
};
export const lookupOutcomeLabel = (outcome: string): string => (LOOKUP[outcome] ?? (() => outcome))();

const ROLE: Record<string, () => string> = { fitter: m.office_role_fitter, planner: m.office_role_planner, warehouse: m.office_role_warehouse, admin: m.office_role_admin };
export const roleLabel = (role: string): string => (ROLE[role] ?? (() => role))();
