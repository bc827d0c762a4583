import type { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { Locale } from '../i18n';
import { hasMessage, translate } from '../i18n';
import { APP_CODE_FOR_TRPC, AppError, messageKeyFor, type AppErrorCode } from '../errors';

export interface ErrorData {
	appCode: AppErrorCode;
	messageKey: string;
	message: string;
	fieldErrors: Record<string, string[]>;
	retryAfterSeconds?: number;
}

type Issue = ZodError['issues'][number];

/** One zod issue → a translated sentence. Custom issues carry their own message key. */
function issueMessage(issue: Issue, locale: Locale): string {
	const t = (key: string, params: Record<string, unknown> = {}) => translate(key, params, locale);
	const custom = (issue as { params?: { key?: string } }).params?.key ?? issue.message;
	if (issue.code === 'custom' && hasMessage(custom)) return t(custom);
	switch (issue.code) {
		case 'invalid_type':
			return issue.message.endsWith('received undefined') ? t('field_required') : t('field_invalid_type');
		case 'too_small':
			return issue.origin === 'string' || issue.origin === 'array'
				? Number(issue.minimum) <= 1 && issue.origin === 'string' ? t('field_required') : t('field_too_short', { min: Number(issue.minimum) })
				: t('field_too_small', { min: Number(issue.minimum) });
		case 'too_big':
			return issue.origin === 'string' || issue.origin === 'array'
				? t('field_too_long', { max: Number(issue.maximum) })
				: t('field_too_big', { max: Number(issue.maximum) });
		case 'invalid_format':
			return hasMessage(custom) ? t(custom) : t('field_invalid_format');
		case 'invalid_value':
			return t('field_invalid_value');
		case 'unrecognized_keys':
			return t('field_unknown_key');
		default:
			return hasMessage(custom) ? t(custom) : t('field_invalid');
	}
}

export function zodFieldErrors(error: ZodError, locale: Locale): Record<string, string[]> {
	// No prototype: a client may name a field "__proto__" or "constructor".
	const out: Record<string, string[]> = Object.create(null);
	for (const issue of error.issues) {
		const paths =
			issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
		for (const path of paths) {
			const key = path.length ? path.map(String).join('.') : '_';
			(Object.hasOwn(out, key) ? out[key]! : (out[key] = [])).push(issueMessage(issue, locale));
		}
	}
	return { ...out };
}

/** The stable, translated part of every error the API returns. */
export function errorData(error: TRPCError, locale: Locale, requestId: string | undefined): ErrorData {
	const cause = error.cause;
	if (cause instanceof ZodError) {
		return {
			appCode: 'VALIDATION',
			messageKey: messageKeyFor('VALIDATION'),
			message: translate(messageKeyFor('VALIDATION'), {}, locale),
			fieldErrors: zodFieldErrors(cause, locale)
		};
	}
	if (cause instanceof AppError) {
		const key = messageKeyFor(cause.code);
		return {
			appCode: cause.code,
			messageKey: key,
			message: translate(key, { ...cause.params, requestId: requestId ?? '' }, locale),
			fieldErrors: cause.fieldErrors ?? {},
			...(cause.retryAfterSeconds !== undefined ? { retryAfterSeconds: cause.retryAfterSeconds } : {})
		};
	}
	const appCode = APP_CODE_FOR_TRPC[error.code] ?? 'INTERNAL';
	const key = messageKeyFor(appCode);
	return { appCode, messageKey: key, message: translate(key, { requestId: requestId ?? '' }, locale), fieldErrors: {} };
}
