import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { seeded } from '../../server/hes/hes-simulator';

export interface ChaosOptions {
	/** Drop the request before the server sees it. */
	dropRequest: number;
	/** Let the server handle it, then drop the answer: the client must resend. */
	dropResponse: number;
	/** Deterministic randomness (mulberry32 seed). */
	seed: number;
}

export interface ChaosStats {
	forwarded: number;
	droppedRequests: number;
	droppedResponses: number;
	upstreamDown: number;
}


/**
 * An HTTP proxy on loopback that loses requests and responses at random, the way a tablet's
 * connection does in a basement. Only for tests.
 */
export async function startChaosProxy(upstreamPort: () => number, opts: ChaosOptions): Promise<{ port: number; stats: ChaosStats; close(): Promise<void> }> {
	const random = seeded(opts.seed);
	const stats: ChaosStats = { forwarded: 0, droppedRequests: 0, droppedResponses: 0, upstreamDown: 0 };
	const handle = (req: IncomingMessage, res: ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			if (random() < opts.dropRequest) {
				stats.droppedRequests++;
				res.socket?.destroy();
				return;
			}
			const dropAnswer = random() < opts.dropResponse;
			const upstream = request(
				{ host: '127.0.0.1', port: upstreamPort(), method: req.method, path: req.url, headers: req.headers },
				(up) => {
					const body: Buffer[] = [];
					up.on('data', (c: Buffer) => body.push(c));
					up.on('end', () => {
						if (dropAnswer) {
							stats.droppedResponses++;
							res.socket?.destroy();
							return;
						}
						stats.forwarded++;
						res.writeHead(up.statusCode ?? 502, up.headers);
						res.end(Buffer.concat(body));
					});
					up.on('error', () => res.socket?.destroy());
				}
			);
			upstream.on('error', () => {
				stats.upstreamDown++;
				res.socket?.destroy();
			});
			upstream.end(Buffer.concat(chunks));
		});
	};
	const server: Server = createServer(handle);
	await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
	const port = (server.address() as { port: number }).port;
	return {
		port,
		stats,
		close: () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok()); })
	};
}
