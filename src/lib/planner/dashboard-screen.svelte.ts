import { trpc } from '$lib/api/client';
import { addDaysToDate, warsawDate } from '$lib/domain/time';
import type { RouterOutputs } from '$lib/session/types';
import { Remote } from './remote.svelte';

export type Dashboard = RouterOutputs['plan']['stats']['dashboard'];
type Estates = RouterOutputs['plan']['views']['estates'];

export class DashboardScreen {
	data = new Remote<Dashboard>();
	estates = new Remote<Estates>();
	from = $state(addDaysToDate(warsawDate(), -30));
	to = $state(addDaysToDate(warsawDate(), 30));
	estateId = $state('');

	load = async (): Promise<void> => {
		await Promise.all([this.estates.run(() => trpc.plan.views.estates.query()), this.refresh()]);
	};

	refresh = async (): Promise<void> => {
		await this.data.run(() => trpc.plan.stats.dashboard.query({ from: this.from, to: this.to, estateId: this.estateId || undefined }));
	};
}

/** Series colours that read on light and dark backgrounds. */
export const PALETTE = ['#2f6fd0', '#2e9b57', '#d08a1c', '#c8463b', '#7a4bc4', '#6b7583'];
