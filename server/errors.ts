/**
 * Errors the application raises on purpose. Each has a stable code (clients may branch on it) and a
 * message key the UI translates. Framework-free, so services and repositories can throw it.
 */
export type AppErrorCode =
	| 'VALIDATION'
	| 'INVALID_CREDENTIALS'
	| 'ACCOUNT_DISABLED'
	| 'THROTTLED'
	| 'LOCKED'
	| 'TOTP_INVALID'
	| 'TOTP_NOT_ENROLLED'
	| 'TOTP_ALREADY_ENROLLED'
	| 'MFA_REQUIRED'
	| 'UNAUTHORIZED'
	| 'SESSION_EXPIRED'
	| 'SESSION_REVOKED'
	| 'FORBIDDEN'
	| 'NOT_FOUND'
	| 'CONFLICT'
	| 'SYNC_GAP'
	| 'PLAN_CHANGED'
	| 'PLAN_NOTICE_TOO_SHORT'
	| 'PLAN_CREW_UNAVAILABLE'
	| 'PLAN_NO_ROOM'
	| 'PLAN_NOT_MOVABLE'
	| 'PLAN_NOT_CANCELLABLE'
	| 'PLAN_BOOKED'
	| 'PLAN_JOB_STARTED'
	| 'PLAN_PERIOD'
	| 'SLOT_UNAVAILABLE'
	| 'SLOT_FULL'
	| 'BOOKING_NOT_FOUND'
	| 'BOOKING_LOCKED'
	| 'BATCH_TOO_LARGE'
	| 'NOT_BATCHABLE'
	| 'UNAVAILABLE'
	| 'MESSAGE_STOPPED'
	| 'MESSAGE_NO_RECIPIENT'
	| 'MESSAGE_RESEND_LIMIT'
	| 'INTERNAL';

export type TrpcCode =
	| 'BAD_REQUEST'
	| 'UNAUTHORIZED'
	| 'FORBIDDEN'
	| 'NOT_FOUND'
	| 'CONFLICT'
	| 'TOO_MANY_REQUESTS'
	| 'SERVICE_UNAVAILABLE'
	| 'INTERNAL_SERVER_ERROR';

export const TRPC_CODE: Record<AppErrorCode, TrpcCode> = {
	VALIDATION: 'BAD_REQUEST',
	INVALID_CREDENTIALS: 'UNAUTHORIZED',
	ACCOUNT_DISABLED: 'FORBIDDEN',
	THROTTLED: 'TOO_MANY_REQUESTS',
	LOCKED: 'TOO_MANY_REQUESTS',
	TOTP_INVALID: 'UNAUTHORIZED',
	TOTP_NOT_ENROLLED: 'BAD_REQUEST',
	TOTP_ALREADY_ENROLLED: 'CONFLICT',
	MFA_REQUIRED: 'FORBIDDEN',
	UNAUTHORIZED: 'UNAUTHORIZED',
	SESSION_EXPIRED: 'UNAUTHORIZED',
	SESSION_REVOKED: 'UNAUTHORIZED',
	FORBIDDEN: 'FORBIDDEN',
	NOT_FOUND: 'NOT_FOUND',
	CONFLICT: 'CONFLICT',
	SYNC_GAP: 'CONFLICT',
	PLAN_CHANGED: 'CONFLICT',
	PLAN_NOTICE_TOO_SHORT: 'BAD_REQUEST',
	PLAN_CREW_UNAVAILABLE: 'BAD_REQUEST',
	PLAN_NO_ROOM: 'CONFLICT',
	PLAN_NOT_MOVABLE: 'CONFLICT',
	PLAN_NOT_CANCELLABLE: 'CONFLICT',
	PLAN_BOOKED: 'CONFLICT',
	PLAN_JOB_STARTED: 'CONFLICT',
	PLAN_PERIOD: 'BAD_REQUEST',
	SLOT_UNAVAILABLE: 'CONFLICT',
	SLOT_FULL: 'CONFLICT',
	BOOKING_NOT_FOUND: 'NOT_FOUND',
	BOOKING_LOCKED: 'CONFLICT',
	BATCH_TOO_LARGE: 'BAD_REQUEST',
	NOT_BATCHABLE: 'BAD_REQUEST',
	UNAVAILABLE: 'SERVICE_UNAVAILABLE',
	MESSAGE_STOPPED: 'CONFLICT',
	MESSAGE_NO_RECIPIENT: 'CONFLICT',
	MESSAGE_RESEND_LIMIT: 'TOO_MANY_REQUESTS',
	INTERNAL: 'INTERNAL_SERVER_ERROR'
};

/** tRPC codes that carry no AppError (thrown by tRPC itself) map back to one of ours. */
export const APP_CODE_FOR_TRPC: Partial<Record<string, AppErrorCode>> = {
	BAD_REQUEST: 'VALIDATION',
	PARSE_ERROR: 'VALIDATION',
	UNAUTHORIZED: 'UNAUTHORIZED',
	FORBIDDEN: 'FORBIDDEN',
	NOT_FOUND: 'NOT_FOUND',
	CONFLICT: 'CONFLICT',
	TOO_MANY_REQUESTS: 'THROTTLED',
	METHOD_NOT_SUPPORTED: 'VALIDATION',
	PAYLOAD_TOO_LARGE: 'VALIDATION',
	SERVICE_UNAVAILABLE: 'UNAVAILABLE'
};

export function messageKeyFor(code: AppErrorCode): string {
	return `error_${code.toLowerCase()}`;
}

export class AppError extends Error {
	readonly retryAfterSeconds?: number;
	readonly params: Record<string, string | number>;
	readonly fieldErrors?: Record<string, string[]>;

	constructor(
		readonly code: AppErrorCode,
		opts: {
			retryAfterSeconds?: number;
			params?: Record<string, string | number>;
			fieldErrors?: Record<string, string[]>;
			detail?: string;
		} = {}
	) {
		super(opts.detail ?? code);
		this.name = 'AppError';
		this.retryAfterSeconds = opts.retryAfterSeconds;
		this.params = opts.params ?? {};
		this.fieldErrors = opts.fieldErrors;
	}
}

/**
 * A setting (an environment variable) the server cannot start with. `npm start` prints its message
 * alone, without a stack. Recognised by name (`isSettingsError`): the built app bundles its own
 * copy of this class.
 */
export class SettingsError extends Error {
	override name = 'SettingsError';
}

export const isSettingsError = (e: unknown): e is Error => e instanceof Error && e.name === 'SettingsError';
