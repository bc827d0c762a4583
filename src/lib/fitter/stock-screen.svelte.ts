import { normalizeSerial } from '$lib/domain/exchange';
import type { LocalStock } from '$lib/offline/db';
import { FitterHome } from './fitter-home.svelte';
import { LiveRead } from './live-read.svelte';

/** What the fitter holds, from the tablet's database (offline): meters and seal numbers, searchable. */
export class StockScreen {
	readonly home = new FitterHome();
	readonly #live = new LiveRead((device) => device.db.stock.toArray());
	search = $state('');

	loaded = $derived(this.#live.loaded);
	storageError = $derived(this.#live.storageError);
	#items = $derived<LocalStock[]>(this.#live.value ?? []);
	#matching = $derived.by(() => {
		const q = normalizeSerial(this.search);
		return this.#items.filter((i) => !q || normalizeSerial(i.serial).includes(q)).sort((a, b) => a.serial.localeCompare(b.serial));
	});
	/** Items from before seals were kept on the tablet carry no kind: they are meters. */
	meters = $derived(this.#matching.filter((i) => i.kind !== 'seal'));
	seals = $derived(this.#matching.filter((i) => i.kind === 'seal'));
	totals = $derived({ meters: this.#items.filter((i) => i.kind !== 'seal').length, seals: this.#items.filter((i) => i.kind === 'seal').length });

	start(): void {
		void this.home.start();
	}

	watch(): () => void {
		return this.#live.watch();
	}

	destroy(): void {
		this.home.destroy();
	}
}
