import { LookupLogBuffer } from '../badges/lookup-log';
import { watchWorkerChanges } from '../db/worker-changes';
import type { Services } from '../services';
import { createPublicLimiters, publicPolicyFromEnv, type PublicLimiters } from './limits';
import { VerifyPageCache } from './verify-cache';

/**
 * What the public pages keep between requests in a running server: the shared limiters (written
 * behind), the look-up log buffer and the cache of rendered badge pages. One per Services, made on
 * first use, written out and closed at shutdown.
 */
export interface PublicRuntime {
	limits: PublicLimiters;
	lookups: LookupLogBuffer;
	pages: VerifyPageCache;
	close(): Promise<void>;
}

const perServices = new WeakMap<Services, PublicRuntime>();

export function publicRuntime(services: Services): PublicRuntime {
	let rt = perServices.get(services);
	if (!rt) {
		const limits = createPublicLimiters(services.limiters, publicPolicyFromEnv());
		const lookups = new LookupLogBuffer(services.db);
		// WYMIANA_VERIFY_CACHE=off: every look-up is rendered (e.g. behind a pooler that drops LISTEN).
		const changes = process.env.WYMIANA_VERIFY_CACHE === 'off' ? { version: () => null, close: async () => {} } : watchWorkerChanges(services.database);
		rt = {
			limits,
			lookups,
			pages: new VerifyPageCache(changes),
			close: async () => {
				await Promise.all([limits.close(), lookups.close(), changes.close()]);
			}
		};
		perServices.set(services, rt);
	}
	return rt;
}

/** At shutdown, before the database closes: writes what is held in memory. */
export async function closePublicRuntime(services: Services): Promise<void> {
	const rt = perServices.get(services);
	perServices.delete(services);
	await rt?.close();
}
