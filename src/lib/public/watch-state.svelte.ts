import { trpc } from '$lib/api/client';
import { Remote } from '$lib/planner/remote.svelte';
import type { RouterOutputs } from '$lib/session/types';

export type WatchReports = RouterOutputs['publicWatch']['reports'];
export type WatchLookups = RouterOutputs['publicWatch']['lookups'];

/** The planner's view of what residents sent and how badges are being checked. */
export class PublicWatch extends Remote<{ reports: WatchReports; lookups: WatchLookups }> {
	get reports(): WatchReports | null {
		return this.data?.reports ?? null;
	}

	get lookups(): WatchLookups | null {
		return this.data?.lookups ?? null;
	}

	async load(): Promise<void> {
		await this.run(async () => {
			const [reports, lookups] = await Promise.all([trpc.publicWatch.reports.query(), trpc.publicWatch.lookups.query()]);
			return { reports, lookups };
		});
	}
}
