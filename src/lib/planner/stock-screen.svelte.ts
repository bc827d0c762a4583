import Papa from 'papaparse';
import { trpc } from '$lib/api/client';
import { warsawDate } from '$lib/domain/time';
import type { RouterOutputs } from '$lib/session/types';
import { Remote } from './remote.svelte';

export interface RangeDraft {
	from: string;
	to: string;
}

/** Lines of a scanned or pasted list: one code per line, blanks ignored. */
export function lines(text: string): string[] {
	return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

/**
 * A delivery note as lines: `serial` alone (the form's manufacturer and model apply) or
 * `serial;manufacturer;model` (a CSV of the delivery note; a header line is skipped).
 */
export function deliveryLines(text: string, manufacturer: string, model: string) {
	const rows = Papa.parse<string[]>(text.trim(), { delimiter: '', skipEmptyLines: 'greedy' }).data;
	return rows
		.filter((r, i) => !(i === 0 && r[0] && !/\d/.test(r[0])))
		.map((r) => ({ serial: (r[0] ?? '').trim(), manufacturer: (r[1] ?? '').trim() || manufacturer, model: (r[2] ?? '').trim() || model }));
}

/** Field errors of a list (`meters.3.serial`, `serials.3`) as "line 4: …", in line order. */
export function lineErrors(fields: Record<string, string[]>, prefix: string): { line: number; message: string }[] {
	return Object.entries(fields)
		.filter(([k]) => k.startsWith(`${prefix}.`))
		.map(([k, messages]) => ({ line: Number(k.split('.')[1]) + 1, message: messages.join(' ') }))
		.filter((e) => Number.isFinite(e.line))
		.sort((a, b) => a.line - b.line);
}

const ranges = (drafts: RangeDraft[]) => drafts.filter((r) => r.from.trim()).map((r) => ({ from: r.from.trim(), to: r.to.trim() }));

/** The warehouse screen: stock, deliveries in, issues and returns, removed meters, the day's reconciliation. */
export class StockScreen {
	overview = new Remote<RouterOutputs['stock']['overview']>();
	holdings = new Remote<RouterOutputs['stock']['holdings']>();
	removed = new Remote<RouterOutputs['stock']['removed']>();
	recon = new Remote<RouterOutputs['stock']['reconciliation']>();
	delivery = new Remote<RouterOutputs['stock']['receive']>();
	move = new Remote<RouterOutputs['stock']['issue']>();
	handIn = new Remote<RouterOutputs['stock']['handIn']>();

	reference = $state('');
	manufacturer = $state('Apator');
	model = $state('GAMA 150');
	deliveryText = $state('');
	deliveryRanges = $state<RangeDraft[]>([{ from: '', to: '' }]);

	fitterId = $state('');
	serialsText = $state('');
	moveRanges = $state<RangeDraft[]>([{ from: '', to: '' }]);
	moveDone = $state<{ direction: 'issue' | 'return'; meters: number; seals: number } | null>(null);

	handInSerial = $state('');
	day = $state(warsawDate());
	holdingsOf = $state<string | null>(null);
	search = $state('');

	load = async () => {
		await Promise.all([
			this.overview.run(() => trpc.stock.overview.query()),
			this.removed.run(() => trpc.stock.removed.query()),
			this.recon.run(() => trpc.stock.reconciliation.query({ day: this.day }))
		]);
	};

	loadRecon = () => this.recon.run(() => trpc.stock.reconciliation.query({ day: this.day }));

	showHoldings = (userId: string) => {
		this.holdingsOf = userId;
		this.search = '';
		void this.holdings.run(() => trpc.stock.holdings.query({ fitterUserId: userId }));
	};

	loadCsv = async (file: File) => {
		this.deliveryText = await file.text();
	};

	receive = async () => {
		const done = await this.delivery.run(() =>
			trpc.stock.receive.mutate({ reference: this.reference, meters: deliveryLines(this.deliveryText, this.manufacturer, this.model), sealRanges: ranges(this.deliveryRanges) })
		);
		if (!done) return;
		this.reference = '';
		this.deliveryText = '';
		this.deliveryRanges = [{ from: '', to: '' }];
		await this.load();
	};

	transfer = async (direction: 'issue' | 'return') => {
		this.moveDone = null;
		const input = { fitterUserId: this.fitterId, serials: lines(this.serialsText), sealRanges: ranges(this.moveRanges) };
		const done = await this.move.run(() => (direction === 'issue' ? trpc.stock.issue.mutate(input) : trpc.stock.takeBack.mutate(input)));
		if (!done) return;
		this.moveDone = { direction, ...done };
		this.serialsText = '';
		this.moveRanges = [{ from: '', to: '' }];
		await this.load();
		if (this.holdingsOf === this.fitterId) this.showHoldings(this.fitterId);
	};

	scanIn = async () => {
		if (!(await this.handIn.run(() => trpc.stock.handIn.mutate({ serial: this.handInSerial })))) return;
		this.handInSerial = '';
		await Promise.all([this.removed.run(() => trpc.stock.removed.query()), this.loadRecon()]);
	};
}
