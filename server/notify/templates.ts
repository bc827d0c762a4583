import type { MessageChannel, MessageTemplate } from '../db/schema';
import { documentDateTimeIn, formatTimeIn } from '../../src/lib/domain/format';
import { translate } from '../i18n';

/** What a message says, stored with the outbox row: instants and a reference, nothing personal. */
export interface MessageParams {
	windowStart: string;
	windowEnd: string;
	reference: string | null;
	/** A visit cancelled by the operator (the job is off; a new date comes with the next plan), not by the resident. */
	byOperator?: boolean;
}

/** Links and the hotline every message carries; the operator's own address only, no shorteners. */
export interface MessageContext {
	origin: string;
	hotline: string;
	operator: string;
	/** The configured badge check and booking addresses (server/operator/operator-config.ts). */
	verifyUrl: string;
	bookingUrl: string;
	stopCode: string;
}

const LOCALE = 'pl' as const;

/**
 * The text of one message, in Polish (residents are written to formally, in the operator's
 * language). SMS: the main sentence, the reference and the footer; e-mail: the same with a
 * greeting and signature. Every message says how to verify the fitter and that they never ask
 * for money, and how to stop the messages.
 */
export function renderMessage(template: MessageTemplate, channel: MessageChannel, params: MessageParams, ctx: MessageContext): { subject: string; text: string } {
	const origin = ctx.origin.replace(/\/$/, '');
	const values = {
		date: documentDateTimeIn(LOCALE, params.windowStart).date,
		start: formatTimeIn(LOCALE, params.windowStart),
		end: formatTimeIn(LOCALE, params.windowEnd),
		booking: ctx.bookingUrl,
		reference: params.reference ?? ''
	};
	const t = (key: string, p: Record<string, unknown> = {}) => translate(key, p, LOCALE);
	const key = template === 'visit_cancelled' && params.byOperator ? 'visit_cancelled_operator' : template;
	const main = [t(`notify_sms_${key}`, values), params.reference ? t('notify_reference', values) : ''].filter(Boolean).join(' ');
	const footer = t('notify_footer', { verify: ctx.verifyUrl, hotline: ctx.hotline, stop: `${origin}/stop/${ctx.stopCode}` });
	const subject = t(`notify_subject_${template}`, values);
	// The en dash is outside the GSM alphabet: one would make the whole SMS 70 characters a part.
	if (channel === 'sms') return { subject, text: `${main} ${footer}`.replaceAll('–', '-') };
	return { subject, text: [t('notify_mail_greeting'), '', main, '', footer, '', t('notify_mail_signature'), ctx.operator, '', t('notify_mail_auto')].join('\n') };
}
