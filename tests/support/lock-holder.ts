/**
 * A process that takes a file lock, holds it until a release file appears (or at once without
 * one) and logs what it did, for the file-lock test:
 * `node --import tsx tests/support/lock-holder.ts <lock> <log> [<release file>]`.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { withFileLock } from '../../server/util/file-lock';

const [lock, log, release] = process.argv.slice(2) as [string, string, string | undefined];
const note = (line: string) => appendFileSync(log, `${line}\n`);
withFileLock(lock, (holder) => note(`${process.pid} waits for ${holder}`), () => {
	note(`${process.pid} in`);
	while (release && !existsSync(release)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
	note(`${process.pid} out`);
});
