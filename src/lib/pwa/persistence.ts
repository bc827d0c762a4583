/**
 * Persistent storage keeps the browser from evicting IndexedDB (the outbox, photos not yet sent)
 * when the tablet runs low on space. Chromium grants it silently to installed or often-used sites,
 * Firefox asks the user, Safari decides by itself; none of them guarantees a yes.
 */

export type Persistence = 'granted' | 'not_granted' | 'unsupported';

function storageManager(): StorageManager | null {
	return typeof navigator !== 'undefined' && navigator.storage ? navigator.storage : null;
}

/** Asks once per sign-in; never throws, since signing in must not fail because of this. */
export async function requestPersistence(): Promise<Persistence> {
	const storage = storageManager();
	if (!storage?.persist) return 'unsupported';
	try {
		if (await storage.persisted()) return 'granted';
		return (await storage.persist()) ? 'granted' : 'not_granted';
	} catch {
		return 'not_granted';
	}
}

export async function currentPersistence(): Promise<Persistence> {
	const storage = storageManager();
	if (!storage?.persisted) return 'unsupported';
	try {
		return (await storage.persisted()) ? 'granted' : 'not_granted';
	} catch {
		return 'not_granted';
	}
}

export async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
	const storage = storageManager();
	if (!storage?.estimate) return null;
	try {
		const { usage, quota } = await storage.estimate();
		return usage === undefined || quota === undefined ? null : { usage, quota };
	} catch {
		return null;
	}
}
