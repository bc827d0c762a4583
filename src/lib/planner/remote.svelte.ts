import { untrack } from 'svelte';
import { errorMessage, fieldErrors } from '$lib/api/errors';

/** One request's state for a screen: the last answer, whether one is running, and its error. */
export class Remote<T> {
	data = $state.raw<T | null>(null);
	loading = $state(false);
	error = $state<string | null>(null);
	fields = $state.raw<Record<string, string[]>>({});

	/**
	 * Runs `fn`; keeps the previous data on failure. Returns the answer or null. `fn` runs untracked:
	 * screens start their first load in an `$effect`, which would otherwise follow every filter the
	 * request reads and fetch again on each change, on top of the screen's own Apply.
	 */
	async run(fn: () => Promise<T>): Promise<T | null> {
		this.loading = true;
		this.error = null;
		this.fields = {};
		try {
			const value = await untrack(fn);
			this.data = value;
			return value;
		} catch (err) {
			this.error = errorMessage(err);
			this.fields = fieldErrors(err);
			return null;
		} finally {
			this.loading = false;
		}
	}
}

/** Pages of a long list, so tables stay readable with thousands of rows. */
export class Pager {
	page = $state(0);
	constructor(readonly size = 50) {}

	slice<R>(rows: readonly R[]): R[] {
		const last = Math.max(0, Math.ceil(rows.length / this.size) - 1);
		if (this.page > last) this.page = last;
		return rows.slice(this.page * this.size, (this.page + 1) * this.size);
	}

	pages(total: number): number {
		return Math.max(1, Math.ceil(total / this.size));
	}
}
