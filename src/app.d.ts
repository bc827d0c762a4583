import type { Session, User } from '$server/db/schema';
import type { KeepablePage } from '$server/public/verify-fast-path';
import type { OperatorInfo } from '$lib/domain/operator';

declare global {
	namespace App {
		interface Locals {
			requestId: string;
			auth: { session: Session; user: User } | null;
			sessionProblem: 'expired' | 'revoked' | null;
			/** Set by /verify when its rendered page may be served again from memory this minute. */
			keepPage?: KeepablePage | null;
		}
		interface PageData {
			/** Public pages: the operator's configured name, hotline and addresses. */
			operator?: OperatorInfo;
		}
		interface Error {
			message: string;
			requestId?: string;
		}
	}
}

export {};
