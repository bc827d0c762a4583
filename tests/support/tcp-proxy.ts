import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP relay on loopback that a test can cut and restore: with it cut, connections through it are
 * dropped and new ones refused at once, the way a database host looks while it restarts. Only for tests.
 */
export interface TcpProxy {
	port: number;
	cut(): void;
	restore(): void;
	/**
	 * PostgreSQL only: the next connection through the relay is killed as it starts, the way
	 * `pg_terminate_backend` catches a backend that has just said it is ready: its ReadyForQuery and
	 * a FATAL "terminating connection due to administrator command" reach the client in one packet.
	 */
	terminateNextAfterReady(): void;
	close(): Promise<void>;
}

/** A FATAL 57P01 ErrorResponse, as PostgreSQL sends it before it closes a terminated backend. */
function adminShutdownMessage(): Buffer {
	const fields = Buffer.concat(
		[['S', 'FATAL'], ['V', 'FATAL'], ['C', '57P01'], ['M', 'terminating connection due to administrator command']].map(([k, v]) => Buffer.from(`${k}${v}\0`)).concat(Buffer.from('\0'))
	);
	const head = Buffer.alloc(5);
	head.write('E', 0);
	head.writeInt32BE(fields.length + 4, 1);
	return Buffer.concat([head, fields]);
}

/**
 * The server's side of a PostgreSQL connection up to and including its first ReadyForQuery ('Z'),
 * message by message; `undefined` while it has not come yet.
 */
function untilReady(seen: Buffer): number | undefined {
	let at = 0;
	while (at + 5 <= seen.length) {
		const end = at + 1 + seen.readInt32BE(at + 1);
		if (end > seen.length) return undefined;
		if (seen[at] === 0x5a) return end;
		at = end;
	}
	return undefined;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
	let up = true;
	let killNext = false;
	const open = new Set<Socket>();
	const server = createServer((client) => {
		if (!up) {
			client.destroy();
			return;
		}
		const upstream = connect(target);
		open.add(client).add(upstream);
		const end = () => {
			client.destroy();
			upstream.destroy();
			open.delete(client);
			open.delete(upstream);
		};
		client.on('error', end).on('close', end);
		upstream.on('error', end).on('close', end);
		client.pipe(upstream);
		if (killNext) {
			killNext = false;
			let seen = Buffer.alloc(0);
			const onData = (chunk: Buffer) => {
				seen = Buffer.concat([seen, chunk]);
				const ready = untilReady(seen);
				if (ready === undefined) return;
				upstream.off('data', onData);
				upstream.pause();
				// One write: the client reads "ready" and the FATAL in the same 'data' event.
				client.end(Buffer.concat([seen.subarray(0, ready), adminShutdownMessage()]), () => upstream.destroy());
			};
			upstream.on('data', onData);
		} else {
			upstream.pipe(client);
		}
	});
	await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
	return {
		port: (server.address() as { port: number }).port,
		cut() {
			up = false;
			for (const s of open) s.destroy();
			open.clear();
		},
		restore() {
			up = true;
		},
		terminateNextAfterReady() {
			killNext = true;
		},
		close: () =>
			new Promise((ok) => {
				up = false;
				for (const s of open) s.destroy();
				server.close(() => ok());
			})
	};
}
