import { fail } from '@sveltejs/kit';
import type { Actor } from '$server/audit';
import { stopByCode, stopCodeExists } from '$server/notify/notify.service';
import { fromEvent } from '$lib/public/request.server';
import type { Actions, PageServerLoad } from './$types';

const RESIDENT: Actor = { userId: null, sessionKind: null, device: 'resident (stop link)', ip: null };

/** The link at the end of every message. Opening it only asks (link previews must not stop anything). */
export const load: PageServerLoad = async (event) => {
	event.setHeaders({ 'cache-control': 'no-store', 'x-robots-tag': 'noindex' });
	return { known: await stopCodeExists(fromEvent(event).services.db, event.params.code) };
};

export const actions: Actions = {
	default: async (event) => {
		const done = await stopByCode(fromEvent(event).services.db, event.params.code, RESIDENT);
		if (!done) return fail(404, { stopped: false });
		return { stopped: true };
	}
};
