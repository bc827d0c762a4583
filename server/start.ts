/**
 * `npm start`: build the app if the build is missing or older than the sources, then serve it.
 * Migrations and the demo seed run in the server's init hook (server/app.ts), before it listens.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const buildDir = join(root, 'build');
const stampFile = join(buildDir, '.source-hash');
const SOURCES = ['src', 'server', 'static', 'svelte.config.js', 'vite.config.ts', 'package-lock.json', 'package.json'];
const IGNORED = new Set(['paraglide', 'node_modules', '.svelte-kit']);

function* files(path: string): Generator<string> {
	if (!existsSync(path)) return;
	if (statSync(path).isFile()) {
		yield path;
		return;
	}
	for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
		if (IGNORED.has(entry.name) || entry.name.startsWith('.')) continue;
		yield* files(join(path, entry.name));
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

export function ensureBuilt(): void {
	const hash = sourceHash();
	const current = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : null;
	if (current === hash && existsSync(join(buildDir, 'handler.js'))) return;
	process.stdout.write(current ? 'Sources changed; rebuilding…\n' : 'No build yet; building (about a minute)…\n');
	const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
	// A test runner's NODE_ENV=test would give a development build (no service worker).
	const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
	if (result.status !== 0) {
		process.stderr.write('The build failed; see the messages above.\n');
		process.exit(result.status ?? 1);
	}
	writeFileSync(stampFile, hash + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	ensureBuilt();
	process.env.PORT ??= '3000';
	// adapter-node takes a request for https unless told otherwise, and then refuses the browser's
	// own http form posts and API calls as cross-site. Behind a proxy or on another address, set
	// ORIGIN (see the README).
	process.env.ORIGIN ??= `http://localhost:${process.env.PORT}`;
	process.env.BODY_SIZE_LIMIT ??= '25M';
	await (await import('./serve')).serve();
	process.stdout.write(`Wymiana is running at http://localhost:${process.env.PORT}\n`);
}
