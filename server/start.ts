/**
 * `npm start`: build the app if the build is missing or older than the sources, then serve it.
 * Migrations and the demo seed run in the server's init hook (server/app.ts), before it listens.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Server as HttpsServer } from 'node:https';
import { networkInterfaces } from 'node:os';
import { pathToFileURL } from 'node:url';
import { buildDir, ROOT } from './build-dir';
import { isSettingsError } from './errors';
import { withFileLock } from './util/file-lock';

const root = ROOT;
const SOURCES = ['src', 'server', 'static', 'svelte.config.js', 'vite.config.ts', 'package-lock.json', 'package.json'];
const IGNORED = new Set(['paraglide', 'node_modules', '.svelte-kit']);
/** What the i18n compiler writes beside its settings on every run (git ignores it too): not a source. */
const IGNORED_PATHS = new Set(['src/lib/i18n/project.inlang/cache', 'src/lib/i18n/project.inlang/README.md']);

function* files(path: string): Generator<string> {
	if (!existsSync(path)) return;
	if (statSync(path).isFile()) {
		yield path;
		return;
	}
	for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
		const child = join(path, entry.name);
		if (IGNORED.has(entry.name) || entry.name.startsWith('.') || IGNORED_PATHS.has(relative(root, child))) continue;
		yield* files(child);
	}
}

/** A hash of the sources' contents: stale means different, whatever the file times say. */
export function sourceHash(): string {
	const h = createHash('sha256');
	for (const source of SOURCES) {
		for (const file of files(join(root, source))) {
			h.update(file.slice(root.length)).update('\0').update(readFileSync(file)).update('\0');
		}
	}
	return h.digest('hex');
}

/** Builds into buildDir() unless it holds a build of exactly these sources. */
export function ensureBuilt(): void {
	const stampFile = join(buildDir(), '.source-hash');
	const hash = sourceHash();
	const built = () => existsSync(join(buildDir(), 'handler.js')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === hash;
	if (built()) return;
	withBuildLock(() => {
		// Another build may have made exactly this one while this process waited.
		if (built()) return;
		process.stdout.write(existsSync(stampFile) ? 'Sources changed; rebuilding…\n' : 'No build yet; building (about a minute)…\n');
		const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
		// A test runner's NODE_ENV=test would give a development build (no service worker).
		const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
		if (result.status !== 0) {
			process.stderr.write('The build failed; see the messages above.\n');
			process.exit(result.status ?? 1);
		}
		writeFileSync(stampFile, hash + '\n');
	});
}

/**
 * One build at a time in a checkout. Every build, whatever its output directory, works in the
 * same .svelte-kit/ and writes the same i18n output: `npm start` and `npm test` building at once
 * (each into its own directory) gave a build whose every page failed to start in the browser, and
 * its stamp then said it was current.
 */
const BUILD_LOCK = join(root, '.svelte-kit', 'wymiana-build.lock');

/** Runs `work` (a build, or anything else that writes .svelte-kit/ or the i18n output) alone. */
export function withBuildLock<T>(work: () => T): T {
	return withFileLock(BUILD_LOCK, (holder) => process.stdout.write(`Another build is running in this checkout (process ${holder}); waiting for it…\n`), work);
}

/**
 * The addresses a tablet on the same network can open. Without HTTPS only localhost gets a
 * service worker and a camera (browsers allow them in a secure context only), so over plain HTTP
 * the list says so.
 */
export function reachableAt(port: string, https: boolean): string {
	const scheme = https ? 'https' : 'http';
	const lan = Object.values(networkInterfaces())
		.flat()
		.filter((a) => a && !a.internal && a.family === 'IPv4')
		.map((a) => `  ${scheme}://${a!.address}:${port}`);
	const lines = [`Wymiana is running at ${scheme}://localhost:${port}`];
	if (process.env.ORIGIN) lines.push(`  ORIGIN is set: browsers must use ${process.env.ORIGIN}`);
	else if (lan.length) {
		lines.push(`On this network${https ? '' : ' (plain HTTP: tablets get no offline mode and no camera; see "HTTPS for tablets" in the README)'}:`, ...lan);
	}
	return lines.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	ensureBuilt();
	process.env.PORT ??= '3000';
	// No ORIGIN by default: the server answers on whatever address it is reached by (localhost, a
	// LAN address, a name), each request checked against its own host. Behind a proxy, set ORIGIN
	// or PROTOCOL_HEADER (see the README).
	process.env.BODY_SIZE_LIMIT ??= '25M';
	const server = await (await import('./serve')).serve().catch((e: unknown) => {
		if (!isSettingsError(e)) throw e;
		process.stderr.write(`✗ ${e.message}\n`);
		process.exit(1);
	});
	process.stdout.write(reachableAt(process.env.PORT, server instanceof HttpsServer));
}
