import type { OperatorInfo } from '../../src/lib/domain/operator';
import { SettingsError } from '../errors';

/**
 * The operator's facts from the environment, checked once:
 *   WYMIANA_OPERATOR_NAME   the operator's name as residents know it
 *   WYMIANA_HOTLINE         the hotline as printed ("22 821 31 31"); unset: the demo number, marked as demo
 *   WYMIANA_HOTLINE_FREE    1 only when the line is free of charge for callers (default: not called free)
 *   WYMIANA_VERIFY_URL      badge check address (default: <PUBLIC_ORIGIN>/verify)
 *   WYMIANA_BOOKING_URL     booking address (default: <PUBLIC_ORIGIN>/harmonogram/wizyta)
 * PUBLIC_ORIGIN (or ORIGIN) is the public address of this app.
 */
export const DEMO_HOTLINE = '800 000 000';

export class OperatorConfigError extends SettingsError {}

const HOTLINE = /^\+?[\d ]{6,20}$/;

function url(value: string, name: string): string {
	let u: URL;
	try {
		u = new URL(value);
	} catch {
		throw new OperatorConfigError(`${name} must be an absolute http(s) address, got "${value}"`);
	}
	if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new OperatorConfigError(`${name} must be an http(s) address, got "${value}"`);
	return u.href.replace(/\/$/, '');
}

export function operatorFromEnv(env: NodeJS.ProcessEnv = process.env): OperatorInfo {
	const get = (k: string) => env[k]?.trim() || undefined;
	const origin = url(get('PUBLIC_ORIGIN') ?? get('ORIGIN') ?? 'http://localhost:3000', 'PUBLIC_ORIGIN');
	const hotline = get('WYMIANA_HOTLINE');
	if (hotline !== undefined && (!HOTLINE.test(hotline) || hotline.replace(/\D/g, '').length < 6))
		throw new OperatorConfigError(`WYMIANA_HOTLINE must be a phone number of digits and spaces ("22 821 31 31"), got "${hotline}"`);
	const free = get('WYMIANA_HOTLINE_FREE');
	if (free !== undefined && free !== '0' && free !== '1') throw new OperatorConfigError(`WYMIANA_HOTLINE_FREE must be 0 or 1, got "${free}"`);
	const name = get('WYMIANA_OPERATOR_NAME');
	if (name !== undefined && name.length > 120) throw new OperatorConfigError('WYMIANA_OPERATOR_NAME is longer than 120 characters');
	return {
		name: name ?? null,
		hotline: hotline ?? DEMO_HOTLINE,
		hotlineFree: hotline !== undefined && free === '1',
		demo: hotline === undefined,
		verifyUrl: url(get('WYMIANA_VERIFY_URL') ?? `${origin}/verify`, 'WYMIANA_VERIFY_URL'),
		bookingUrl: url(get('WYMIANA_BOOKING_URL') ?? `${origin}/harmonogram/wizyta`, 'WYMIANA_BOOKING_URL'),
		faqUrl: `${origin}/pytania`
	};
}

let cached: OperatorInfo | undefined;

/** The process's operator facts (read at first use; a bad value stops the request with its reason in the log). */
export function operatorInfo(): OperatorInfo {
	return (cached ??= operatorFromEnv());
}
