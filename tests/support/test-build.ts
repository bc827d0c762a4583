/**
 * `npm test`'s build step: the app built into build-test/ (or WYMIANA_BUILD_DIR when set), never
 * into the build/ that a running `npm start` loads its pages from. The test processes inherit the
 * variable, so the servers they start serve this build.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildDir } from '../../server/build-dir';
import { ensureBuilt } from '../../server/start';

export const TEST_BUILD_DIR = 'build-test';

/** `force`: build even when the build is current (a test of the step itself). */
export function buildForTests({ force = false } = {}): void {
	process.env.WYMIANA_BUILD_DIR ||= TEST_BUILD_DIR;
	if (force) rmSync(join(buildDir(), '.source-hash'), { force: true });
	ensureBuilt();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) buildForTests({ force: process.argv.includes('--force') });
