import { trpc } from '$lib/api/client';
import { errorMessage } from '$lib/api/errors';
import type { RouterOutputs } from '$lib/session/types';

export type WatchReports = RouterOutputs['publicWatch']['reports'];
export type WatchLookups = RouterOutputs['publicWatch']['lookups'];

/** The planner's view of what residents sent and how badges are being checked. */
export class PublicWatch {
	reports = $state.raw<WatchReports | null>(null);
	lookups = $state.raw<WatchLookups | null>(null);
	loading = $state(false);
	error = $state<string | null>(null);

	async load(): Promise<void> {
		this.loading = true;
		this.error = null;
		try {
			[this.reports, this.lookups] = await Promise.all([trpc.publicWatch.reports.query(), trpc.publicWatch.lookups.query()]);
		} catch (err) {
			this.error = errorMessage(err);
		} finally {
			this.loading = false;
		}
	}
}
