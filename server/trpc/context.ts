import type { Session, User } from '../db/schema';
import type { Services } from '../services';
import type { Actor } from '../audit';
import type { Locale } from '../i18n';

export interface CookieJar {
	get(name: string): string | undefined;
	set(name: string, value: string, opts: { expires: Date }): void;
	delete(name: string): void;
}

export interface Context {
	services: Services;
	requestId: string;
	ip: string | null;
	userAgent: string | null;
	locale: Locale;
	auth: { session: Session; user: User } | null;
	/** Why a cookie was sent but no session came of it. */
	sessionProblem: 'expired' | 'revoked' | null;
	cookies: CookieJar;
}

export function actorOf(ctx: Context): Actor {
	return {
		userId: ctx.auth?.user.id ?? null,
		sessionKind: ctx.auth?.session.kind ?? null,
		device: ctx.auth?.session.device_label ?? ctx.userAgent?.slice(0, 200) ?? null,
		ip: ctx.ip
	};
}
