import type { RequestEvent } from '@sveltejs/kit';
import { getServices } from '$server/app';
import { publicRequest, type PublicRequest } from '$server/public/request';

/** The public pages' view of a request (services, limits, client address). Server-only. */
export function fromEvent(event: Pick<RequestEvent, 'getClientAddress'>): PublicRequest {
	return publicRequest(getServices(), () => event.getClientAddress());
}
