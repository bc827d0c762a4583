import pino from 'pino';

/**
 * JSON logs. Never log passwords, tokens, TOTP codes or residents' data: the redact list is a net,
 * not a licence.
 */
export const log = pino({
	level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' || process.env.VITEST ? 'silent' : 'info'),
	base: { service: 'wymiana' },
	redact: {
		paths: ['password', '*.password', 'code', '*.code', 'token', '*.token', 'cookie', '*.cookie', 'headers.cookie'],
		censor: '[redacted]'
	}
});

export type Logger = typeof log;
