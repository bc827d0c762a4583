import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** How long an empty lock file may exist before it counts as left by a holder that died writing it. */
const EMPTY_LOCK_STALE_MS = 10_000;

/**
 * Runs `work` holding a lock between processes on one machine: a file created exclusively that
 * holds the holder's pid. Another process waits (synchronously, half a second at a time; `onWait`
 * is told the holder's pid once). A lock whose process is gone (killed midway, or exited without
 * releasing) is taken over.
 */
export function withFileLock<T>(file: string, onWait: (holder: number) => void, work: () => T): T {
	mkdirSync(dirname(file), { recursive: true });
	let told = false;
	for (;;) {
		try {
			const fd = openSync(file, 'wx');
			writeSync(fd, String(process.pid));
			closeSync(fd);
			break;
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
		}
		const holder = lockHolder(file);
		if (holder === null) continue;
		if (holder.stale) {
			rmSync(file, { force: true });
			continue;
		}
		if (!told) onWait(holder.pid);
		told = true;
		Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
	}
	try {
		return work();
	} finally {
		rmSync(file, { force: true });
	}
}

/**
 * Who holds the lock, and whether it is stale: its process is gone, or the file still holds no
 * process id after EMPTY_LOCK_STALE_MS. Null: it was released meanwhile.
 */
function lockHolder(file: string): { pid: number; stale: boolean } | null {
	let pid = 0;
	try {
		pid = Number(readFileSync(file, 'utf8'));
		// Not a process id (empty, or damaged: 0 and -1 would signal a whole group, never "gone").
		if (!Number.isInteger(pid) || pid <= 0) return { pid: 0, stale: Date.now() - statSync(file).mtimeMs > EMPTY_LOCK_STALE_MS };
		process.kill(pid, 0);
		return { pid, stale: false };
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') return null;
		if (code === 'ESRCH') return { pid, stale: true };
		// EPERM: the process exists but belongs to another user.
		if (code === 'EPERM') return { pid, stale: false };
		throw e;
	}
}
