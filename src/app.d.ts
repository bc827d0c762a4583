import type { Session, User } from '$server/db/schema';

declare global {
	namespace App {
		interface Locals {
			requestId: string;
			auth: { session: Session; user: User } | null;
			sessionProblem: 'expired' | 'revoked' | null;
		}
		interface Error {
			message: string;
			requestId?: string;
		}
	}
}

export {};
