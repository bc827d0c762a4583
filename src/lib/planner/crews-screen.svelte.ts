import { trpc } from '$lib/api/client';
import { addDaysToDate, warsawDate } from '$lib/domain/time';
import type { RouterOutputs } from '$lib/session/types';
import { Remote } from './remote.svelte';

type Crews = RouterOutputs['plan']['crews']['list'];
export type CrewRow = Crews['crews'][number];
type FitterView = RouterOutputs['plan']['views']['fitter'];

/** Crews, their calendars, fitters and absences; a fitter's own view. */
export class CrewsScreen {
	list = new Remote<Crews>();
	action = new Remote<unknown>();
	holidays = new Remote<string[]>();
	fitter = new Remote<FitterView>();

	newCrew = $state('');
	/** Calendar edits per crew id, until saved. */
	drafts = $state<Record<string, { workDays: number[]; start: string; end: string }>>({});
	absence = $state({ workerId: '', from: '', to: '', reason: 'leave' as 'leave' | 'sick' | 'training' | 'other' });
	fitterId = $state('');
	fitterFrom = $state(warsawDate());
	fitterTo = $state(addDaysToDate(warsawDate(), 27));

	load = async (): Promise<void> => {
		const data = await this.list.run(() => trpc.plan.crews.list.query());
		if (data) {
			this.drafts = Object.fromEntries(data.crews.map((c) => [c.id, { workDays: [...c.workDays], start: c.start, end: c.end }]));
			const first = data.crews.flatMap((c) => c.fitters)[0];
			if (!this.absence.workerId && first) this.absence.workerId = first.id;
			if (!this.fitterId && first) {
				this.fitterId = first.id;
				void this.showFitter();
			}
		}
		void this.holidays.run(() => trpc.plan.crews.holidays.query({ year: Number(warsawDate().slice(0, 4)) }));
	};

	private async act(fn: () => Promise<unknown>): Promise<void> {
		const done = await this.action.run(fn);
		if (done !== null) await this.load();
	}

	createCrew = () => this.act(async () => {
		await trpc.plan.crews.create.mutate({ name: this.newCrew });
		this.newCrew = '';
		return true;
	});

	saveCalendar = (crewId: string) => this.act(() => trpc.plan.crews.setCalendar.mutate({ crewId, ...this.drafts[crewId]! }));
	setAnnounceArrival = (crewId: string, on: boolean) => this.act(() => trpc.plan.crews.setAnnounceArrival.mutate({ crewId, on }));
	moveFitter = (workerId: string, crewId: string) => this.act(() => trpc.plan.crews.moveFitter.mutate({ workerId, crewId: crewId || null }));
	addAbsence = () => this.act(() => trpc.plan.crews.addAbsence.mutate({ ...this.absence }));
	removeAbsence = (absenceId: string) => this.act(() => trpc.plan.crews.removeAbsence.mutate({ absenceId }));
	showFitter = () => this.fitter.run(() => trpc.plan.views.fitter.query({ workerId: this.fitterId, from: this.fitterFrom, to: this.fitterTo }));

	toggleDay(crewId: string, day: number, on: boolean): void {
		const d = this.drafts[crewId]!;
		d.workDays = on ? [...d.workDays, day].sort() : d.workDays.filter((x) => x !== day);
	}

	get allFitters() {
		return [...(this.list.data?.crews.flatMap((c) => c.fitters) ?? []), ...(this.list.data?.unassigned ?? [])];
	}
}
