/**
 * The production HTTP server: SvelteKit's adapter-node handler on node:http (adapter-node's
 * "custom server"), with the app's fast path tried first, and the graceful shutdown of
 * adapter-node's own entry. `npm start` runs it after checking the build; it serves the build as is.
 *
 * Environment as adapter-node's: HOST, PORT, ORIGIN, PROTOCOL_HEADER, ADDRESS_HEADER, XFF_DEPTH,
 * SHUTDOWN_TIMEOUT (seconds to finish requests after SIGTERM), KEEP_ALIVE_TIMEOUT, HEADERS_TIMEOUT
 * (seconds); TLS_CERT_FILE and TLS_KEY_FILE (PEM files) to serve HTTPS itself; and
 * WYMIANA_BUILD_DIR, the build to serve (build/ by default).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createSecureContext } from 'node:tls';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildDir } from './build-dir';
import { SettingsError } from './errors';
import { registeredFastPath } from './fast-path';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, next?: () => void) => void;

function seconds(name: string): number | undefined {
	const v = process.env[name];
	if (v === undefined || v === '') return undefined;
	const n = Number.parseInt(v, 10);
	if (!Number.isFinite(n) || n < 0) throw new SettingsError(`${name} must be a number of seconds, got ${JSON.stringify(v)}`);
	return n;
}

/**
 * Without ORIGIN (and no proxy's PROTOCOL_HEADER), adapter-node takes every request for https and
 * its host from the Host header. Tell it the scheme the request really came in on, so the app's
 * URL is the one the browser used — on whatever address a tablet reaches it by — and its own
 * origin checks compare like with like. Set on every request, so a client cannot choose it.
 */
const SCHEME_HEADER = 'x-wymiana-scheme';

function tlsOptions(): https.ServerOptions | null {
	const cert = process.env.TLS_CERT_FILE;
	const key = process.env.TLS_KEY_FILE;
	if (!cert && !key) return null;
	if (!cert || !key) throw new SettingsError('HTTPS needs both TLS_CERT_FILE and TLS_KEY_FILE (PEM files)');
	const options = { cert: pemFile('TLS_CERT_FILE', cert), key: pemFile('TLS_KEY_FILE', key) };
	try {
		// What https.createServer would refuse later, said now: not PEM, encrypted, or a key that
		// is not the certificate's.
		createSecureContext(options);
	} catch (e) {
		throw new SettingsError(`TLS_CERT_FILE (${cert}) and TLS_KEY_FILE (${key}) must be a PEM certificate and its unencrypted private key: ${(e as Error).message}`);
	}
	return options;
}

function pemFile(name: string, path: string): Buffer {
	try {
		return readFileSync(path);
	} catch (e) {
		throw new SettingsError(`${name} ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
	}
}

export async function serve(): Promise<http.Server> {
	const tls = tlsOptions();
	const ownScheme = !process.env.ORIGIN && !process.env.PROTOCOL_HEADER;
	if (ownScheme) process.env.PROTOCOL_HEADER = SCHEME_HEADER;
	// Importing the handler initialises the app (SvelteKit's init hook: migrations, demo data), which
	// registers the fast path.
	const { handler } = (await import(pathToFileURL(join(buildDir(), 'handler.js')).href)) as { handler: Handler };
	const fastPath = registeredFastPath();
	const notFound = (res: http.ServerResponse) => () => {
		res.statusCode = 404;
		res.end('Not found');
	};
	const kit = (req: http.IncomingMessage, res: http.ServerResponse) => handler(req, res, notFound(res));
	const app = fastPath ? (req: http.IncomingMessage, res: http.ServerResponse) => fastPath(req, res, () => kit(req, res)) : kit;
	const scheme = tls ? 'https' : 'http';
	const listener = ownScheme
		? (req: http.IncomingMessage, res: http.ServerResponse) => {
				req.headers[SCHEME_HEADER] = scheme;
				app(req, res);
			}
		: app;
	const server: http.Server = tls ? https.createServer(tls, listener) : http.createServer(listener);

	// An idle keep-alive connection is kept 65 s (Node's default is 5 s): longer than a load
	// balancer's or a client's own idle timeout (60 s at most of them), so the server is never the
	// side that closes a connection the other end is about to reuse — the request sent on it would
	// fail with "other side closed". headersTimeout stays above it (Node's advice).
	const keepAlive = seconds('KEEP_ALIVE_TIMEOUT') ?? 65;
	server.keepAliveTimeout = keepAlive * 1000;
	server.headersTimeout = (seconds('HEADERS_TIMEOUT') ?? Math.max(60, keepAlive + 1)) * 1000;

	// As adapter-node: stop accepting, close idle keep-alive connections (and each one as it goes
	// idle), let requests in flight finish, then tell the app (it closes the database).
	let shutdownTimer: ReturnType<typeof setTimeout> | undefined;
	const shutdown = (reason: NodeJS.Signals) => {
		if (shutdownTimer) return;
		server.closeIdleConnections();
		server.close((error) => {
			if (error) return;
			clearTimeout(shutdownTimer);
			process.emit('sveltekit:shutdown' as never, reason as never);
		});
		shutdownTimer = setTimeout(() => server.closeAllConnections(), (seconds('SHUTDOWN_TIMEOUT') ?? 30) * 1000);
	};
	server.on('request', (req: http.IncomingMessage) => {
		req.on('close', () => {
			if (shutdownTimer) server.closeIdleConnections();
		});
	});
	process.on('SIGTERM', shutdown);
	process.on('SIGINT', shutdown);

	const host = process.env.HOST || '0.0.0.0';
	const port = Number(process.env.PORT || 3000);
	await new Promise<void>((ok, fail) => {
		server.once('error', fail);
		server.listen({ host, port }, () => {
			server.off('error', fail);
			ok();
		});
	});
	return server;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	const server = await serve();
	process.stdout.write(`Listening on ${server instanceof https.Server ? 'https' : 'http'}://${process.env.HOST || '0.0.0.0'}:${process.env.PORT || 3000}\n`);
}
