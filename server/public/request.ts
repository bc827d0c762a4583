import type { Services } from '../services';
import type { PublicLimiters } from './limits';
import { publicRuntime } from './runtime';

/** What a public page's server code needs from the request: the services, limits and client address. */
export interface PublicRequest {
	services: Services;
	limits: PublicLimiters;
	ip: string;
}

export function publicRequest(services: Services, getClientAddress: () => string): PublicRequest {
	let ip = 'unknown';
	try {
		ip = getClientAddress();
	} catch {
		// No socket address (in-process rendering): all such requests share one bucket.
	}
	return { services, limits: publicRuntime(services).limits, ip };
}
