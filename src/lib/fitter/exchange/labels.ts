import type { LocalSeal } from '$lib/offline/db';
import { m } from '$lib/paraglide/messages.js';

export function sealState(state: LocalSeal['state']): string {
	return state === 'intact' ? m.fitter_seal_intact() : state === 'broken' ? m.fitter_seal_broken() : state === 'missing' ? m.fitter_seal_missing() : m.fitter_seal_applied();
}

export function commissioningLabel(state: string): string {
	switch (state) {
		case 'pending':
			return m.fitter_hes_pending();
		case 'communicating':
			return m.fitter_hes_communicating();
		case 'failed':
			return m.fitter_hes_failed();
		case 'escalated':
			return m.fitter_hes_escalated();
		default:
			return m.fitter_hes_not_requested();
	}
}
