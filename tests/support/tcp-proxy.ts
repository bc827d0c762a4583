import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP relay on loopback that a test can cut and restore: with it cut, connections through it are
 * dropped and new ones refused at once, the way a database host looks while it restarts. Only for tests.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
	let up = true;
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
		upstream.pipe(client);
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
		close: () =>
			new Promise((ok) => {
				up = false;
				for (const s of open) s.destroy();
				server.close(() => ok());
			})
	};
}
