import type { WymianaDb } from './db';

/**
 * "Something changed on this tablet" listeners. Apart from outbox.ts so that the sync's scheduler
 * (loaded with the job list) does not pull in the mutation schemas and zod; those load with the
 * first screen that records a change.
 */
type Listener = () => void;
// Per database, so several independent databases (tests, a second fitter) do not wake each other.
const listeners = new WeakMap<WymianaDb, Set<Listener>>();

/** Called after every local change is committed: the sync engine debounces a push on it. */
export function onLocalChange(db: WymianaDb, listener: Listener): () => void {
	let set = listeners.get(db);
	if (!set) listeners.set(db, (set = new Set()));
	set.add(listener);
	return () => set.delete(listener);
}

export function notifyLocalChange(db: WymianaDb): void {
	for (const listener of listeners.get(db) ?? []) listener();
}
