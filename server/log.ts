import pino, { type LoggerOptions } from 'pino';

/**
 * JSON logs. Never log passwords, tokens, TOTP codes, secrets or residents' data: the redact list
 * is a net, not a licence.
 */
export const LOG_OPTIONS: LoggerOptions = {
	level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' || process.env.VITEST ? 'silent' : 'info'),
	base: { service: 'wymiana' },
	redact: {
		paths: [
			'password', '*.password', 'password_hash', '*.password_hash',
			'code', '*.code', 'token', '*.token', 'secret', '*.secret', 'code_secret', '*.code_secret', 'totp_secret', '*.totp_secret',
			'cookie', '*.cookie', 'headers.cookie', 'headers.authorization', '*.headers.cookie', '*.headers.authorization',
			'phone', '*.phone', 'resident_phone', '*.resident_phone', 'residentPhone', '*.residentPhone',
			'email', '*.email', 'resident_email', '*.resident_email', 'recipient', '*.recipient', 'to', '*.to'
		],
		censor: '[redacted]'
	}
};

export const log = pino(LOG_OPTIONS);

export type Logger = typeof log;
