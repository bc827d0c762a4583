import { trpc } from '$lib/api/client';
import { addDaysToDate } from '$lib/domain/time';
import type { RouterOutputs } from '$lib/session/types';
import { Remote } from './remote.svelte';

type CrewDays = RouterOutputs['plan']['views']['crewDay'];
export type TimelineBlock = CrewDays[number]['blocks'][number];
type Estates = RouterOutputs['plan']['views']['estates'];
type Crews = RouterOutputs['plan']['crews']['list'];

/** Minutes after midnight of a crew's 'HH:MM' working-hours bound. */
export const clockMinutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Each crew's day as a timeline; moving one job to another crew-day. */
export class TimelineScreen {
	day = new Remote<CrewDays>();
	estates = new Remote<Estates>();
	crews = new Remote<Crews>();
	move = new Remote<{ moved: number }>();
	reassign = new Remote<{ moved: number; started: number }>();

	date = $state('');
	crewId = $state('');
	estateId = $state('');
	status = $state('');
	selected = $state.raw<TimelineBlock | null>(null);
	moveJobId = $state('');
	moveDate = $state('');
	moveCrew = $state('');
	/** The planner was warned that a tablet started the job and moves it anyway. */
	confirmStarted = $state(false);
	reassignFrom = $state('');
	reassignTo = $state('');
	reassignStarted = $state(false);

	async load(firstDate: string): Promise<void> {
		this.date = firstDate;
		await Promise.all([this.estates.run(() => trpc.plan.views.estates.query()), this.crews.run(() => trpc.plan.crews.list.query()), this.refresh()]);
	}

	refresh = async (): Promise<void> => {
		this.selected = null;
		await this.day.run(() =>
			trpc.plan.views.crewDay.query({
				date: this.date,
				crewId: this.crewId || undefined,
				estateId: this.estateId || undefined,
				status: (this.status || undefined) as 'planned' | undefined
			})
		);
	};

	shift = (days: number): Promise<void> => {
		this.date = addDaysToDate(this.date, days);
		return this.refresh();
	};

	startMove(jobId: string, crewId: string): void {
		this.moveJobId = jobId;
		this.moveDate = this.date;
		this.moveCrew = crewId;
		this.confirmStarted = false;
		this.move.error = null;
	}

	confirmMove = async (): Promise<void> => {
		const done = await this.move.run(() => trpc.plan.schedule.moveJob.mutate({ jobId: this.moveJobId, toDate: this.moveDate, toCrewId: this.moveCrew, confirmStarted: this.confirmStarted }));
		if (done) {
			this.moveJobId = '';
			await this.refresh();
		}
	};

	/** A crew's whole day to another crew on the same date (a sick fitter). */
	confirmReassign = async (): Promise<void> => {
		const done = await this.reassign.run(() =>
			trpc.plan.schedule.reassignDay.mutate({ fromCrewId: this.reassignFrom, date: this.date, toCrewId: this.reassignTo, confirmStarted: this.reassignStarted })
		);
		if (done) {
			this.reassignStarted = false;
			await this.refresh();
		}
	};

	/** The visible hours: the crews' working hours, padded by an hour. */
	get axis(): { start: number; end: number } {
		const crews = this.day.data ?? [];
		const start = Math.min(8 * 60, ...crews.map((c) => clockMinutes(c.start))) - 60;
		const end = Math.max(16 * 60, ...crews.map((c) => clockMinutes(c.end))) + 60;
		return { start: Math.max(0, start), end: Math.min(24 * 60, end) };
	}
}
