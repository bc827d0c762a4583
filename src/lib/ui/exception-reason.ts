import type { ExceptionReason } from '$lib/domain/mutations';
import { m } from '$lib/paraglide/messages.js';

/** Functions per value (not lookups by key) so a missing translation fails the type check. */
const REASONS: Record<ExceptionReason, () => string> = {
	cabinet_locked: m.exception_cabinet_locked,
	unsafe: m.exception_unsafe,
	meter_missing: m.exception_meter_missing,
	customer_refused: m.exception_customer_refused,
	other: m.exception_other
};

/** Why a job could not be done on site, in words (fitter and planner alike). */
export function exceptionReasonLabel(reason: string): string {
	return (Object.hasOwn(REASONS, reason) ? REASONS[reason as ExceptionReason] : () => reason)();
}

const PHOTO_KINDS: Record<string, () => string> = {
	display: m.photo_kind_display, meter: m.photo_kind_meter, seal: m.photo_kind_seal, no_access: m.photo_kind_no_access,
	mismatch: m.photo_kind_mismatch, new_meter: m.photo_kind_new_meter, signature: m.photo_kind_signature, protocol: m.photo_kind_protocol,
	exception: m.photo_kind_exception, other: m.photo_kind_other
};

/** What a job's photo shows. */
export function photoKindLabel(kind: string): string {
	return (PHOTO_KINDS[kind] ?? m.photo_kind_other)();
}
