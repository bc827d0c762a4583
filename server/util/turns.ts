/**
 * Gives the event loop back for a turn. Long work in a request (checking a 100 k-row file, reading
 * a big table in pages on SQLite, whose driver is synchronous) awaits this between steps, so no
 * other request waits behind it for more than one step.
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Calls `nextTurn` every `every` calls: `const step = everyFew(2000); for (…) await step();`. */
export function everyFew(every: number): () => Promise<void> | undefined {
	let n = 0;
	return () => (++n % every === 0 ? nextTurn() : undefined);
}
