import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * An answer given at the node:http level, before SvelteKit turns the request into a web Request:
 * it either ends the response or calls `next()` (SvelteKit then answers).
 */
export type FastPath = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/*
 * The HTTP server (server/serve.ts, run from source) and the app (bundled by SvelteKit) are two
 * module graphs in one process; the app's init hook hands its fast path over through this
 * process-wide slot, so there is one database, one limiter and one page cache.
 */
const SLOT = Symbol.for('wymiana.fastPath');
type Slot = { [SLOT]?: FastPath };

export function registerFastPath(fastPath: FastPath): void {
	(globalThis as Slot)[SLOT] = fastPath;
}

export function registeredFastPath(): FastPath | undefined {
	return (globalThis as Slot)[SLOT];
}
