import { trpc } from '$lib/api/client';
import { errorMessage } from '$lib/api/errors';
import type { RouterOutputs } from '$lib/session/types';

export type OverviewData = RouterOutputs['plan']['overview'];

export class PlanOverview {
	data = $state.raw<OverviewData | null>(null);
	loading = $state(false);
	error = $state<string | null>(null);

	async load(): Promise<void> {
		this.loading = true;
		this.error = null;
		try {
			this.data = await trpc.plan.overview.query();
		} catch (err) {
			this.error = errorMessage(err);
		} finally {
			this.loading = false;
		}
	}
}
