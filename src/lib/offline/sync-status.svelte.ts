import type { Rejection } from './db';
import type { SyncEngine, SyncSnapshot, UploadProgress } from './sync-engine';

/** The engine's snapshot as runes, for components. The engine itself stays rune-free (Node tests). */
export class SyncStatus {
	pending = $state(0);
	lastSyncAt = $state<string | null>(null);
	lastError = $state<string | null>(null);
	syncing = $state(false);
	rejected = $state.raw<Rejection[]>([]);
	uploadProgress = $state.raw<UploadProgress | null>(null);
	authRequired = $state(false);
	loaded = $state(false);

	/** Follows the engine; returns the unsubscribe (use as an $effect cleanup or on sign-out). */
	follow(engine: SyncEngine): () => void {
		return engine.subscribe((s) => this.set(s));
	}

	private set(s: SyncSnapshot): void {
		this.pending = s.pending;
		this.lastSyncAt = s.lastSyncAt;
		this.lastError = s.lastError;
		this.syncing = s.syncing;
		this.rejected = s.rejected;
		this.uploadProgress = s.uploadProgress;
		this.authRequired = s.authRequired;
		this.loaded = s.loaded;
	}
}
