/**
 * The production HTTP server: SvelteKit's adapter-node handler on node:http (adapter-node's
 * "custom server"), with the app's fast path tried first, and the graceful shutdown of
 * adapter-node's own entry. `npm start` runs it after checking the build; it serves the build as is.
 *
 * Environment as adapter-node's: HOST, PORT, ORIGIN, ADDRESS_HEADER, XFF_DEPTH, SHUTDOWN_TIMEOUT
 * (seconds to finish requests after SIGTERM), KEEP_ALIVE_TIMEOUT, HEADERS_TIMEOUT (seconds).
 */
import http from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registeredFastPath } from './fast-path';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, next?: () => void) => void;

const buildDir = join(resolve(import.meta.dirname, '..'), 'build');

function seconds(name: string): number | undefined {
	const v = process.env[name];
	if (v === undefined || v === '') return undefined;
	const n = Number.parseInt(v, 10);
	if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of seconds, got ${JSON.stringify(v)}`);
	return n;
}

export async function serve(): Promise<http.Server> {
	// Importing the handler initialises the app (SvelteKit's init hook: migrations, demo data), which
	// registers the fast path.
	const { handler } = (await import(pathToFileURL(join(buildDir, 'handler.js')).href)) as { handler: Handler };
	const fastPath = registeredFastPath();
	const notFound = (res: http.ServerResponse) => () => {
		res.statusCode = 404;
		res.end('Not found');
	};
	const kit = (req: http.IncomingMessage, res: http.ServerResponse) => handler(req, res, notFound(res));
	const server = http.createServer(fastPath ? (req, res) => fastPath(req, res, () => kit(req, res)) : kit);

	const keepAlive = seconds('KEEP_ALIVE_TIMEOUT');
	if (keepAlive !== undefined) server.keepAliveTimeout = keepAlive * 1000;
	const headersTimeout = seconds('HEADERS_TIMEOUT');
	if (headersTimeout !== undefined) server.headersTimeout = headersTimeout * 1000;

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
	await serve();
	process.stdout.write(`Listening on http://${process.env.HOST || '0.0.0.0'}:${process.env.PORT || 3000}\n`);
}
