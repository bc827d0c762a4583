import { trpc } from '$lib/api/client';
import type { RouterOutputs } from '$lib/session/types';
import { Pager, Remote } from './remote.svelte';

type Estates = RouterOutputs['plan']['views']['estates'];
type Stairwells = RouterOutputs['plan']['views']['estate'];
type Crews = RouterOutputs['plan']['crews']['list'];
export type StairwellRow = Stairwells[number];
export type StatusFilter = '' | 'unplanned' | 'planned' | 'in_progress' | 'done' | 'no_access' | 'turned_back' | 'cancelled';

/** Per-estate view: its buildings and stairwells with dates, crews and statuses; moving a block. */
export class EstateScreen {
	estates = new Remote<Estates>();
	rows = new Remote<Stairwells>();
	crews = new Remote<Crews>();
	move = new Remote<{ moved: number }>();
	pager = new Pager(40);

	estateId = $state('');
	status = $state<StatusFilter>('');
	from = $state('');
	to = $state('');
	/** The stairwell whose block is being moved. */
	moving = $state.raw<StairwellRow | null>(null);
	moveDate = $state('');
	moveCrew = $state('');

	async load(): Promise<void> {
		await Promise.all([this.estates.run(() => trpc.plan.views.estates.query()), this.crews.run(() => trpc.plan.crews.list.query())]);
		const params = new URLSearchParams(location.search);
		this.estateId = params.get('estate') ?? this.estates.data?.find((e) => e.counts.planned > 0)?.id ?? this.estates.data?.[0]?.id ?? '';
		await this.refresh();
	}

	refresh = async (): Promise<void> => {
		if (!this.estateId) return;
		this.pager.page = 0;
		await this.rows.run(() =>
			trpc.plan.views.estate.query({ estateId: this.estateId, status: this.status || undefined, from: this.from || undefined, to: this.to || undefined })
		);
	};

	startMove(row: StairwellRow): void {
		this.moving = row;
		this.moveDate = row.block?.date ?? '';
		this.moveCrew = row.block?.crewId ?? '';
		this.move.error = null;
	}

	confirmMove = async (): Promise<void> => {
		const row = this.moving;
		if (!row?.block) return;
		const done = await this.move.run(() =>
			trpc.plan.schedule.moveBlock.mutate({ buildingId: row.buildingId, stairwell: row.stairwell, date: row.block!.date, toDate: this.moveDate, toCrewId: this.moveCrew })
		);
		if (done) {
			this.moving = null;
			await this.refresh();
		}
	};

	get estate() {
		return this.estates.data?.find((e) => e.id === this.estateId) ?? null;
	}
}
