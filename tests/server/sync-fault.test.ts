import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '$server/trpc/router';
import { openDatabase, type Database } from '$server/db/database';
import { ensureClientId, openWymianaDb, type WymianaDb } from '$lib/offline/db';
import { mutate } from '$lib/offline/outbox';
import { SyncEngine } from '$lib/offline/sync-engine';
import { trpcTransport } from '$lib/offline/transport';
import { AppProcess, freePort } from '../support/app-process';
import { startChaosProxy } from '../support/chaos-proxy';
import { dbKinds, postgresUrl, type TestDbKind } from './harness';

/**
 * Fault injection: several simulated tablets (the real offline engine on fake IndexedDB) push
 * 10,000 notes through a proxy that loses requests and responses, while the server is killed and
 * restarted twice. Afterwards the server must hold every note exactly once, in each device's order.
 */
const DEVICES = [
	{ login: 'monter1', label: 'm1-tablet' },
	{ login: 'monter1', label: 'm1-phone' },
	{ login: 'monter2', label: 'm2-tablet' },
	{ login: 'monter3', label: 'm3-tablet' },
	{ login: 'monter3', label: 'm3-phone' }
];
const PER_DEVICE = Number(process.env.FAULT_MUTATIONS_PER_DEVICE ?? 2000);
const CHUNK = 100;

interface Device {
	label: string;
	db: WymianaDb;
	engine: SyncEngine;
	clientId: string;
	jobIds: string[];
}

function cookieFetch(jar: Map<string, string>): typeof fetch {
	return async (input, init) => {
		const headers = new Headers(init?.headers);
		if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
		const res = await fetch(input, { ...init, headers });
		for (const c of res.headers.getSetCookie()) {
			const [pair] = c.split(';');
			const [k, v] = pair!.split('=');
			if (k && v !== undefined) jar.set(k.trim(), v.trim());
		}
		return res;
	};
}

async function retry<T>(fn: () => Promise<T>): Promise<T> {
	for (let i = 0; ; i++) {
		try {
			return await fn();
		} catch (e) {
			if (i > 200) throw e;
			await new Promise((r) => setTimeout(r, 50));
		}
	}
}

/**
 * One instance per database kind, and on PostgreSQL also two server processes behind one proxy
 * that sends each request to either (as a load balancer would, with no session affinity): state
 * lives in the database only, so nothing may be lost or doubled across instances either.
 */
const SCENARIOS: Array<{ kind: TestDbKind; instances: number }> = [
	...dbKinds.map((kind) => ({ kind, instances: 1 })),
	...(dbKinds.includes('postgres') ? [{ kind: 'postgres' as const, instances: 2 }] : [])
];

for (const { kind, instances } of SCENARIOS) describe(`sync under faults, ${instances} server instance${instances > 1 ? 's' : ''} [${kind}]`, () => {
	let apps: AppProcess[];
	let proxy: Awaited<ReturnType<typeof startChaosProxy>>;
	let dir: string;
	let databaseUrl: string;
	let schema: string | null = null;

	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'wymiana-fault-'));
		if (kind === 'postgres') {
			schema = `fault_${Date.now().toString(36)}`;
			const c = new pg.Client({ connectionString: postgresUrl });
			await c.connect();
			await c.query(`create schema ${schema}`);
			await c.end();
			const url = new URL(postgresUrl!);
			url.searchParams.set('options', `-c search_path=${schema}`);
			databaseUrl = url.toString();
		} else {
			databaseUrl = `file:${join(dir, 'fault.db')}`;
		}
		apps = [];
		for (let i = 0; i < instances; i++) {
			const app = new AppProcess(await freePort(), { DATABASE_URL: databaseUrl });
			// One at a time: the first migrates and seeds, the next finds the database ready.
			await app.start();
			apps.push(app);
		}
		let next = 0;
		proxy = await startChaosProxy(() => apps[next++ % apps.length]!.port, { dropRequest: 0.1, dropResponse: 0.1, seed: 20261122 });
	}, 120_000);

	afterAll(async () => {
		await proxy?.close();
		for (const app of apps ?? []) await app.stop();
		if (schema) {
			const c = new pg.Client({ connectionString: postgresUrl });
			await c.connect();
			await c.query(`drop schema if exists ${schema} cascade`);
			await c.end();
		}
		rmSync(dir, { recursive: true, force: true });
	});

	async function device(login: string, label: string): Promise<Device> {
		const jar = new Map<string, string>();
		const base = `http://127.0.0.1:${proxy.port}`;
		const doFetch = cookieFetch(jar);
		const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${base}/api/trpc`, fetch: doFetch })] });
		await retry(() => client.auth.signIn.mutate({ login, password: 'monter-demo', client: 'app' }));
		const db = openWymianaDb(`fault-${label}`, { indexedDB: new IDBFactory(), IDBKeyRange });
		const engine = new SyncEngine(db, trpcTransport(client, { fetch: doFetch, blobUrl: (h) => `${base}/api/blobs/${h}` }), { locks: null });
		const clientId = await ensureClientId(db);
		// The first sync brings the crew's jobs onto the device.
		while ((await engine.sync()) !== 'synced') await new Promise((r) => setTimeout(r, 20));
		const jobIds = (await db.jobs.toArray()).map((j) => j.id);
		expect(jobIds.length).toBeGreaterThan(0);
		return { label, db, engine, clientId, jobIds };
	}

	it(`applies ${DEVICES.length * PER_DEVICE} mutations exactly once despite lost messages and server crashes`, async () => {
		const devices = await Promise.all(DEVICES.map((d) => device(d.login, d.label)));
		const total = devices.length * PER_DEVICE;
		let created = 0;
		const restartAt = [Math.floor(total * 0.35), Math.floor(total * 0.7)];
		let restarting: Promise<void> = Promise.resolve();
		const started = performance.now();

		await Promise.all(
			devices.map(async (d) => {
				for (let i = 1; i <= PER_DEVICE; i++) {
					const jobId = d.jobIds[i % d.jobIds.length]!;
					await mutate(d.db, 'job.note', { jobId, noteId: uuidv7(), text: `${d.label}#${i}` });
					created++;
					if (restartAt.length && created >= restartAt[0]!) {
						restartAt.shift();
						// Crash a different instance each time when there are several.
						const victim = apps[restartAt.length % apps.length]!;
						restarting = restarting.then(() => victim.restart());
					}
					if (i % CHUNK === 0) await d.engine.sync();
				}
				// Keep syncing until the server has acknowledged everything.
				for (let n = 0; ; n++) {
					await d.engine.sync();
					if ((await d.db.outbox.count()) === 0) break;
					if (n > 5000) throw new Error(`${d.label} never drained: ${d.engine.snapshot.lastError}`);
					await new Promise((r) => setTimeout(r, 20));
				}
			})
		);
		await restarting;
		const seconds = (performance.now() - started) / 1000;

		// Read the server's state straight from its database.
		const database: Database = openDatabase(databaseUrl);
		try {
			let lost = 0;
			let doubled = 0;
			let outOfOrder = 0;
			for (const d of devices) {
				const rows = await database.db
					.selectFrom('job_notes')
					.select(['text'])
					.where('text', 'like', `${d.label}#%`)
					.orderBy('created_at')
					.orderBy('id')
					.execute();
				const seq = rows.map((r) => Number(r.text.split('#')[1]));
				const distinct = new Set(seq);
				doubled += seq.length - distinct.size;
				for (let i = 1; i <= PER_DEVICE; i++) if (!distinct.has(i)) lost++;
				for (let i = 1; i < seq.length; i++) if (seq[i]! < seq[i - 1]!) outOfOrder++;
				const client = await database.db.selectFrom('sync_clients').select('last_mutation_id').where('client_id', '=', d.clientId).executeTakeFirstOrThrow();
				expect(Number(client.last_mutation_id)).toBe(PER_DEVICE);
				const log = await database.db.selectFrom('mutation_log').select((eb) => eb.fn.countAll<number>().as('n')).where('client_id', '=', d.clientId).where('status', '=', 'applied').executeTakeFirstOrThrow();
				expect(Number(log.n)).toBe(PER_DEVICE);
			}
			const s = proxy.stats;
			process.stdout.write(
				`[${kind}, ${instances} instance${instances > 1 ? 's' : ''}] lost=${lost} doubled=${doubled} outOfOrder=${outOfOrder} mutations=${total} devices=${devices.length} ` +
					`restarts=${apps.reduce((n, a) => n + a.restarts, 0)} droppedRequests=${s.droppedRequests} droppedResponses=${s.droppedResponses} ` +
					`refusedWhileDown=${s.upstreamDown} seconds=${seconds.toFixed(1)}\n`
			);
			expect({ lost, doubled, outOfOrder }).toEqual({ lost: 0, doubled: 0, outOfOrder: 0 });
			expect(apps.reduce((n, a) => n + a.restarts, 0)).toBe(2);
			expect(s.droppedRequests).toBeGreaterThan(0);
			expect(s.droppedResponses).toBeGreaterThan(0);
		} finally {
			await database.close();
			for (const d of devices) d.db.close();
		}
	}, 600_000);

	if (instances > 1) {
		it('shares the sign-in counters between instances: failures on one slow the login down on the other', async () => {
			const attempt = async (port: number, password: string) => {
				const res = await fetch(`http://127.0.0.1:${port}/api/trpc/auth.signIn`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ login: 'monter2', password, client: 'app' })
				});
				return ((await res.json()) as { error?: { data?: { appCode?: string } } }).error?.data?.appCode ?? 'OK';
			};
			// The free failures and the first one that starts the slow-down, spread over both instances…
			const codes = [];
			for (let i = 0; i < 4; i++) codes.push(await attempt(apps[i % 2]!.port, 'wrong password'));
			expect(codes).toEqual(Array(4).fill('INVALID_CREDENTIALS'));
			// …so the next try must wait on either instance, even with the right password.
			expect(await attempt(apps[1]!.port, 'wrong password')).toBe('THROTTLED');
			expect(await attempt(apps[0]!.port, 'monter-demo')).toBe('THROTTLED');
		}, 60_000);
	}
});
