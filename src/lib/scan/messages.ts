/** What is wrong with a code, in words (messages/scan), for the scanner and any form. */
import { m } from '$lib/paraglide/messages.js';
import type { CodeCheck, CodeKind } from '$lib/domain/codes';

type Problem = Extract<CodeCheck, { ok: false }>;

const WRONG_KIND: Record<CodeKind, Record<CodeKind, (() => string) | null>> = {
	ppe: { ppe: null, meter_serial: m.scan_error_wrong_kind_ppe_meter_serial, seal: m.scan_error_wrong_kind_ppe_seal },
	meter_serial: { ppe: m.scan_error_wrong_kind_meter_serial_ppe, meter_serial: null, seal: m.scan_error_wrong_kind_meter_serial_seal },
	seal: { ppe: m.scan_error_wrong_kind_seal_ppe, meter_serial: m.scan_error_wrong_kind_seal_meter_serial, seal: null }
};

const FORMAT: Record<CodeKind, () => string> = {
	ppe: m.scan_error_format_ppe,
	meter_serial: m.scan_error_format_meter_serial,
	seal: m.scan_error_format_seal
};

const CHECK: Record<CodeKind, () => string> = {
	ppe: m.scan_error_check_ppe,
	meter_serial: m.scan_error_check_meter_serial,
	seal: m.scan_error_check_seal
};

export function codeProblemMessage(expected: CodeKind, problem: Problem): string {
	if (problem.problem === 'wrong_kind' && problem.detectedKind) {
		const message = WRONG_KIND[problem.detectedKind][expected];
		if (message) return message();
	}
	return problem.problem === 'check' ? CHECK[expected]() : FORMAT[expected]();
}

export function codeKindName(kind: CodeKind): string {
	return kind === 'ppe' ? m.scan_kind_ppe() : kind === 'meter_serial' ? m.scan_kind_meter_serial() : m.scan_kind_seal();
}

export function manualHint(kind: CodeKind): string {
	return kind === 'ppe' ? m.scan_manual_hint_ppe() : kind === 'meter_serial' ? m.scan_manual_hint_meter_serial() : m.scan_manual_hint_seal();
}

/** After a few seconds without any code: what usually hides the bars (a reflection, movement). */
export function missHint(torchOn: boolean): string {
	return torchOn ? m.scan_hint_glare_torch() : m.scan_hint_glare();
}
