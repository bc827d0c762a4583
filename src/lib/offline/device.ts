import { trpc } from '$lib/api/client';
import { startAutoSync } from './auto-sync';
import { dbNameFor, openWymianaDb, type WymianaDb } from './db';
import { SyncEngine } from './sync-engine';
import { trpcTransport } from './transport';

/** The signed-in fitter's database and sync engine, shared by the fitter screens on this tab. */
export interface OfflineDevice {
	userId: string;
	db: WymianaDb;
	engine: SyncEngine;
}

// Browser-only singleton (the fitter app is ssr = false): one tab has one signed-in fitter at a time.
let current: (OfflineDevice & { stop: () => void }) | null = null;

/** Opens the fitter's database and starts syncing; calling it again for the same user is a no-op. */
export function startDevice(userId: string): OfflineDevice {
	if (current?.userId === userId) return current;
	stopDevice();
	const db = openWymianaDb(dbNameFor(userId));
	const engine = new SyncEngine(db, trpcTransport(trpc));
	const stopAutoSync = startAutoSync(engine);
	current = {
		userId,
		db,
		engine,
		stop: () => {
			stopAutoSync();
			db.close();
		}
	};
	return current;
}

/** The running device, for screens other than the job list (diagnostics, job detail). */
export function currentDevice(): OfflineDevice | null {
	return current;
}

/** Stops syncing. The database stays on the tablet: queued work waits for the fitter's next sign-in. */
export function stopDevice(): void {
	current?.stop();
	current = null;
}
