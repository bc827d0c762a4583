import type { OperatorInfo } from '../domain/operator';
import { m } from '../paraglide/messages.js';
import type { Locale } from '../paraglide/runtime.js';

/** The operator's name as printed (the demo name when none is configured). */
export function operatorName(op: OperatorInfo, locale?: Locale): string {
	return op.name ?? m.operator_demo_name({}, locale ? { locale } : undefined);
}

/** What follows the number: "demo" or "free of charge" — never free unless configured free; else nothing. */
export function hotlineNote(op: OperatorInfo, locale?: Locale): string {
	const o = locale ? { locale } : undefined;
	if (op.demo) return m.hotline_demo_note({}, o);
	return op.hotlineFree ? m.hotline_free_note({}, o) : '';
}

/** "22 821 31 31 (…)" for documents. */
export function hotlineText(op: OperatorInfo, locale?: Locale): string {
	return `${op.hotline} ${hotlineNote(op, locale)}`.trim();
}
