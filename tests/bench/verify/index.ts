/**
 * /verify under load: the page for a valid badge (rate limits on, every request consumes a point
 * per address and per badge in the database, looks the badge up, logs the look-up and renders the
 * page with its live code), next to a bare node:http server answering a small static page, both
 * as child processes driven by autocannon on loopback in the same run.
 *
 * All the load comes from one address and one badge, which is not the traffic the per-address and
 * per-badge limits are set for (a resident: ~10 look-ups in 10 minutes). The benchmark therefore
 * raises PUBLIC_VERIFY_PER_IP / PUBLIC_VERIFY_PER_BADGE so the limiter keeps counting but never
 * blocks; the database work of the limiter is fully in the figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import { AppProcess, freePort } from '../../support/app-process';
import type { BenchRow } from '../report';

const DURATION_S = Number(process.env.BENCH_VERIFY_SECONDS ?? 10);
const CONNECTIONS = 50;

const BARE = `
const http = require('node:http');
const body = Buffer.from('<!doctype html><html lang="pl"><head><meta charset="utf-8"><title>ok</title></head><body><h1>Sprawdź identyfikator</h1><p>WAŻNY</p></body></html>');
http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length }); res.end(body); })
	.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

async function startBare(port: number): Promise<ChildProcess> {
	const child = spawn(process.execPath, ['-e', BARE], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
	await new Promise<void>((ok) => child.stdout!.once('data', () => ok()));
	return child;
}

interface Load {
	rps: number;
	p50: number;
	p99: number;
	non2xx: number;
	errors: number;
}

async function load(url: string): Promise<Load> {
	const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, pipelining: 1 });
	return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

export async function run(): Promise<BenchRow[]> {
	const dir = mkdtempSync(join(tmpdir(), 'wymiana-bench-verify-'));
	const dbPath = join(dir, 'bench.db');
	const app = new AppProcess(await freePort(), {
		DATABASE_URL: `file:${dbPath}`,
		LOG_LEVEL: 'warn',
		PUBLIC_VERIFY_PER_IP: '1000000000',
		PUBLIC_VERIFY_PER_BADGE: '1000000000'
	});
	const barePort = await freePort();
	const bare = await startBare(barePort);
	try {
		await app.start();
		const db = new SQLite(dbPath, { readonly: true });
		const badge = (db.prepare(`select badge_number from workers where status = 'active' and valid_until >= date('now') limit 1`).get() as { badge_number: string }).badge_number;
		db.close();
		const verifyUrl = `${app.url}/verify?badge=${encodeURIComponent(badge)}`;
		const page = await (await fetch(verifyUrl)).text();
		if (!page.includes('WAŻNY')) throw new Error('the /verify page did not show the valid badge');

		// Warm both up briefly (JIT, connection pools), then measure one after the other.
		await autocannon({ url: verifyUrl, connections: 10, duration: 2 });
		const baseline = await load(`http://127.0.0.1:${barePort}/`);
		const verify = await load(verifyUrl);
		const lookups = new SQLite(dbPath, { readonly: true });
		const logged = (lookups.prepare('select count(*) as n from badge_lookups').get() as { n: number }).n;
		lookups.close();
		process.stdout.write(
			`  /verify: ${verify.rps.toFixed(0)} req/s, p50 ${verify.p50} ms, p99 ${verify.p99} ms, non-2xx ${verify.non2xx}, errors ${verify.errors}; look-ups logged ${logged}\n` +
				`  bare node:http: ${baseline.rps.toFixed(0)} req/s, p50 ${baseline.p50} ms, p99 ${baseline.p99} ms\n` +
				`  ratio ${(verify.rps / baseline.rps).toFixed(2)} (${CONNECTIONS} connections, ${DURATION_S} s each, SQLite, limits on but raised for one-address load)\n`
		);
		if (verify.non2xx > 0 || verify.errors > 0) throw new Error(`/verify answered ${verify.non2xx} non-2xx and ${verify.errors} errors under load`);
		return [
			{ bench: 'verify', case: `/verify valid badge, ${CONNECTIONS} conns`, value: verify.rps, unit: 'req/s', baseline: { label: 'bare node:http', value: baseline.rps }, goal: '≥ 0.25 of baseline' },
			{ bench: 'verify', case: '/verify p50 latency', value: verify.p50, unit: 'ms', baseline: { label: 'bare node:http', value: Math.max(baseline.p50, 0.01) } },
			{ bench: 'verify', case: '/verify p99 latency', value: verify.p99, unit: 'ms', baseline: { label: 'bare node:http', value: Math.max(baseline.p99, 0.01) }, goal: '< 50 ms' }
		];
	} finally {
		bare.kill();
		await app.stop();
		rmSync(dir, { recursive: true, force: true });
	}
}
