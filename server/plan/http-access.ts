import type { Session, User } from '../db/schema';
import { mfaRequiredFor } from '../auth/auth.service';
import type { Actor } from '../audit';

export type HttpRefusal = { status: 401 | 403; code: 'UNAUTHORIZED' | 'SESSION_EXPIRED' | 'FORBIDDEN' | 'MFA_REQUIRED' };

/**
 * The same rule as plannerProcedure, for plain HTTP endpoints (file uploads and downloads):
 * a planner or admin with a verified second factor. Returns the refusal instead of throwing so
 * callers answer with their framework's error.
 */
export function plannerRefusal(
	auth: { session: Session; user: User } | null,
	sessionProblem: 'expired' | 'revoked' | null
): HttpRefusal | null {
	if (!auth) return { status: 401, code: sessionProblem === 'expired' ? 'SESSION_EXPIRED' : 'UNAUTHORIZED' };
	if (auth.user.role !== 'planner' && auth.user.role !== 'admin') return { status: 403, code: 'FORBIDDEN' };
	if (mfaRequiredFor(auth.user.role) && !(auth.session.mfa_verified && auth.user.totp_enabled)) return { status: 403, code: 'MFA_REQUIRED' };
	return null;
}

export function httpActor(auth: { session: Session; user: User }, ip: string | null, userAgent: string | null): Actor {
	return { userId: auth.user.id, sessionKind: auth.session.kind, device: userAgent?.slice(0, 200) ?? null, ip };
}

/** plannerRefusal, then admins only (people and badges). */
export function adminRefusal(auth: { session: Session; user: User } | null, sessionProblem: 'expired' | 'revoked' | null): HttpRefusal | null {
	return plannerRefusal(auth, sessionProblem) ?? (auth!.user.role === 'admin' ? null : { status: 403, code: 'FORBIDDEN' });
}

/** The client's address from SvelteKit's getClientAddress, or null where the adapter cannot tell. */
export function clientAddress(read: () => string): string | null {
	try {
		return read();
	} catch {
		return null;
	}
}
