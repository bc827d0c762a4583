import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

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

function mulberry32(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/**
 * An HTTP proxy on loopback that loses requests and responses at random, the way a tablet's
 * connection does in a basement. Only for tests.
 */
export async function startChaosProxy(upstreamPort: () => number, opts: ChaosOptions): Promise<{ port: number; stats: ChaosStats; close(): Promise<void> }> {
	const random = mulberry32(opts.seed);
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
