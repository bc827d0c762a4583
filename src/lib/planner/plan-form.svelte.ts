import { trpc } from '$lib/api/client';
import type { RouterOutputs } from '$lib/session/types';
import { Remote } from './remote.svelte';

export type Estates = RouterOutputs['plan']['views']['estates'];
export type Crews = RouterOutputs['plan']['crews']['list'];
export type PlanSummary = RouterOutputs['plan']['schedule']['preview'];

/** The planning screen: what to plan (estates, crews, period, times), its preview and commit. */
export class PlanForm {
	estates = new Remote<Estates>();
	crews = new Remote<Crews>();
	preview = new Remote<PlanSummary>();
	commit = new Remote<PlanSummary>();

	estateIds = $state<string[]>([]);
	crewIds = $state<string[]>([]);
	from = $state('');
	to = $state('');
	exchangeMinutes = $state(15);
	setupMinutes = $state(15);
	travelMinutes = $state(10);
	slotMinutes = $state(60);
	inHomeVisitMinutes = $state(30);
	minNoticeDays = $state(5);

	async load(): Promise<void> {
		const [defaults] = await Promise.all([
			trpc.plan.schedule.defaults.query(),
			this.estates.run(() => trpc.plan.views.estates.query()),
			this.crews.run(() => trpc.plan.crews.list.query())
		]);
		this.from = defaults.from;
		this.to = defaults.to;
		this.crewIds = (this.crews.data?.crews ?? []).filter((c) => c.fitters.length > 0).map((c) => c.id);
		// Preselect the estates that still have meters to plan.
		this.estateIds = (this.estates.data ?? []).filter((e) => e.counts.unplanned + e.counts.no_access > 0).slice(0, 1).map((e) => e.id);
	}

	request() {
		return {
			estateIds: this.estateIds,
			crewIds: this.crewIds,
			from: this.from,
			to: this.to,
			exchangeMinutes: this.exchangeMinutes,
			setupMinutes: this.setupMinutes,
			travelMinutes: this.travelMinutes,
			slotMinutes: this.slotMinutes,
			inHomeVisitMinutes: this.inHomeVisitMinutes,
			minNoticeDays: this.minNoticeDays
		};
	}

	/** Any change of the inputs makes an earlier preview stale. */
	invalidate(): void {
		this.preview.data = null;
		this.commit.data = null;
	}

	runPreview = async (): Promise<void> => {
		this.commit.data = null;
		await this.preview.run(() => trpc.plan.schedule.preview.mutate(this.request()));
	};

	runCommit = async (): Promise<void> => {
		const hash = this.preview.data?.planHash;
		if (!hash) return;
		const done = await this.commit.run(() => trpc.plan.schedule.commit.mutate({ ...this.request(), expectedHash: hash }));
		if (done) {
			this.preview.data = null;
			await this.estates.run(() => trpc.plan.views.estates.query());
		}
	};
}
