/**
 * /verify under load: the page for a valid badge, requested as a phone's browser requests it
 * (Accept-Encoding, Accept-Language), next to a bare node:http server answering a small static
 * page, both as child processes driven by autocannon on loopback in the same run.
 *
 * The server answers repeated look-ups of a badge from memory (server/public/verify-fast-path.ts):
 * the page SvelteKit rendered this minute, with the limits taken and every look-up logged (both
 * written to the database behind, in batches). A third figure, with that cache switched off,
 * shows what a rendered answer costs.
 *
 * All the load comes from one address and one badge, which is not the traffic the per-address and
 * per-badge limits are set for (a resident: ~10 look-ups in 10 minutes). The benchmark therefore
 * raises PUBLIC_VERIFY_PER_IP / PUBLIC_VERIFY_PER_BADGE so the limiter keeps counting but never
 * blocks. With TEST_DATABASE_URL set the page is measured on PostgreSQL too (a fresh schema).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import pg from 'pg';
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

/** What a phone's browser sends with the request (Chromium on Android, Polish). */
const PHONE_HEADERS = {
	'user-agent': 'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
	accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
	'accept-encoding': 'gzip, deflate, br',
	'accept-language': 'pl-PL,pl;q=0.9,en-US;q=0.8,en;q=0.7'
};

async function load(url: string): Promise<Load> {
	const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, pipelining: 1, headers: PHONE_HEADERS });
	return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

/** A fresh database for the app under test: an SQLite file, or a new PostgreSQL schema. */
async function freshDatabase(kind: 'sqlite' | 'postgres'): Promise<{ url: string; badge: () => Promise<string>; drop: () => Promise<void> }> {
	const query = `select badge_number from workers where status = 'active' and valid_until >= $1 order by created_at limit 1`;
	const today = new Date().toISOString().slice(0, 10);
	if (kind === 'sqlite') {
		const dir = mkdtempSync(join(tmpdir(), 'wymiana-bench-verify-'));
		const path = join(dir, 'bench.db');
		return {
			url: `file:${path}`,
			badge: async () => {
				const db = new SQLite(path, { readonly: true });
				const row = db.prepare(query.replace('$1', '?')).get(today) as { badge_number: string };
				db.close();
				return row.badge_number;
			},
			drop: async () => rmSync(dir, { recursive: true, force: true })
		};
	}
	const base = process.env.TEST_DATABASE_URL!;
	const schema = `bench_verify_${Date.now().toString(36)}`;
	const admin = new pg.Client({ connectionString: base });
	await admin.connect();
	await admin.query(`create schema ${schema}`);
	const url = new URL(base);
	url.searchParams.set('options', `-c search_path=${schema}`);
	return {
		url: url.toString(),
		badge: async () => (await admin.query<{ badge_number: string }>(query.replace('workers', `${schema}.workers`), [today])).rows[0]!.badge_number,
		drop: async () => {
			await admin.query(`drop schema if exists ${schema} cascade`);
			await admin.end();
		}
	};
}

async function benchOne(kind: 'sqlite' | 'postgres', baseline: Load, opts: { rendered?: boolean } = {}): Promise<BenchRow[]> {
	const database = await freshDatabase(kind);
	const app = new AppProcess(await freePort(), {
		DATABASE_URL: database.url,
		LOG_LEVEL: 'warn',
		PUBLIC_VERIFY_PER_IP: '1000000000',
		PUBLIC_VERIFY_PER_BADGE: '1000000000',
		...(opts.rendered ? { WYMIANA_VERIFY_CACHE: 'off' } : {})
	});
	const label = opts.rendered ? `${kind}, every request rendered (WYMIANA_VERIFY_CACHE=off)` : kind;
	try {
		await app.start();
		const verifyUrl = `${app.url}/verify?badge=${encodeURIComponent(await database.badge())}`;
		const page = await (await fetch(verifyUrl)).text();
		if (!page.includes('WAŻNY')) throw new Error('the /verify page did not show the valid badge');
		await autocannon({ url: verifyUrl, connections: 10, duration: 2, headers: PHONE_HEADERS }); // warm-up: JIT, pools
		const verify = await load(verifyUrl);
		process.stdout.write(
			`  /verify (${label}): ${verify.rps.toFixed(0)} req/s, p50 ${verify.p50} ms, p99 ${verify.p99} ms, non-2xx ${verify.non2xx}, errors ${verify.errors}; ` +
				`ratio to bare ${(verify.rps / baseline.rps).toFixed(3)}\n`
		);
		if (verify.non2xx > 0 || verify.errors > 0) throw new Error(`/verify answered ${verify.non2xx} non-2xx and ${verify.errors} errors under load`);
		if (opts.rendered) {
			return [{ bench: 'verify', case: `/verify valid badge, ${label}`, value: verify.rps, unit: 'req/s', baseline: { label: 'bare node:http', value: baseline.rps } }];
		}
		return [
			{ bench: 'verify', case: `/verify valid badge, ${kind}, ${CONNECTIONS} conns`, value: verify.rps, unit: 'req/s', baseline: { label: 'bare node:http', value: baseline.rps }, goal: '≥ 0.25 of baseline' },
			// Latency ratios to a ~1 ms baseline mean nothing; the bare server's latencies are printed above.
			{ bench: 'verify', case: `/verify p50 latency, ${kind}`, value: verify.p50, unit: 'ms' },
			{ bench: 'verify', case: `/verify p99 latency, ${kind}`, value: verify.p99, unit: 'ms', goal: '< 50 ms' }
		];
	} finally {
		await app.stop();
		await database.drop();
	}
}

export async function run(): Promise<BenchRow[]> {
	const barePort = await freePort();
	const bare = await startBare(barePort);
	try {
		await autocannon({ url: `http://127.0.0.1:${barePort}/`, connections: 10, duration: 2, headers: PHONE_HEADERS });
		const baseline = await load(`http://127.0.0.1:${barePort}/`);
		process.stdout.write(`  bare node:http: ${baseline.rps.toFixed(0)} req/s, p50 ${baseline.p50} ms, p99 ${baseline.p99} ms (${CONNECTIONS} connections, ${DURATION_S} s)\n`);
		const rows = await benchOne('sqlite', baseline);
		// For scale: the first look-up of a badge in a minute (and every one with the cache off) is
		// rendered by SvelteKit with its database work in the request.
		rows.push(...(await benchOne('sqlite', baseline, { rendered: true })));
		if (process.env.TEST_DATABASE_URL) rows.push(...(await benchOne('postgres', baseline)));
		else process.stdout.write('  (PostgreSQL case skipped: TEST_DATABASE_URL is not set)\n');
		return rows;
	} finally {
		bare.kill();
	}
}
