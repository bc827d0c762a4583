import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');

/**
 * The built app: `build/`, or WYMIANA_BUILD_DIR (relative to the repository, or absolute). `npm test`
 * builds into `build-test/`, so it never replaces the files a running `npm start` loads its pages
 * from. svelte.config.js reads the same variable for adapter-node's output.
 */
export function buildDir(): string {
	return resolve(ROOT, process.env.WYMIANA_BUILD_DIR || 'build');
}
