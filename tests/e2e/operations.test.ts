import { createHash } from 'node:crypto';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CHROMIUM_ARGS, chromiumPath, untilServiceWorkerControls } from './browser';
import { startApp, type RunningApp } from './app-server';
import { enrolOnPlan, submitSignIn } from './sign-in';

/**
 * What an operator's security review and on-call checks see on the running app: the headers of
 * real responses, no Content-Security-Policy violation while the pages work in Chromium, refused
 * cross-site writes, readiness, and a graceful stop that finishes requests in flight.
 */
const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });

describe('operations: headers, CSRF, readiness and graceful shutdown', () => {
	let app: RunningApp;
	let browser: Browser;

	beforeAll(async () => {
		app = await startApp();
		browser = await chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_ARGS });
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	function directives(csp: string): Map<string, string[]> {
		return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name!, values]));
	}

	it('sends a strict CSP and the security headers on pages, with the camera allowed only in the fitter app', async () => {
		for (const path of ['/', '/verify', '/app', '/plan']) {
			const res = await fetch(app.url + path);
			expect(res.status, path).toBe(200);
			const csp = directives(res.headers.get('content-security-policy') ?? '');
			expect(csp.get('frame-ancestors'), path).toEqual(["'none'"]);
			expect(csp.get('object-src'), path).toEqual(["'none'"]);
			const scripts = csp.get('script-src') ?? [];
			expect(scripts, path).toContain("'wasm-unsafe-eval'");
			expect(scripts, path).not.toContain("'unsafe-inline'");
			expect(scripts, path).not.toContain("'unsafe-eval'");
			// SvelteKit's own start-up script is allowed by its hash, nothing else inline.
			expect(scripts.some((s) => s.startsWith("'sha256-")), path).toBe(true);
			expect(res.headers.get('x-content-type-options')).toBe('nosniff');
			expect(res.headers.get('referrer-policy')).toBe('same-origin');
			expect(res.headers.get('x-frame-options')).toBe('DENY');
			expect(res.headers.get('permissions-policy')).toContain(path === '/app' ? 'camera=(self)' : 'camera=()');
			expect(res.headers.get('permissions-policy')).toContain('geolocation=()');
			// Plain HTTP here: HSTS only behind HTTPS.
			expect(res.headers.get('strict-transport-security')).toBeNull();
		}
		const api = await fetch(`${app.url}/api/trpc/auth.me`);
		expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
		expect(api.headers.get('content-type')).toContain('application/json');
	});

	it('runs the public pages, the fitter app and the planner console in Chromium without a CSP violation', async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'pl-PL' });
		const page = await context.newPage();
		const violations: string[] = [];
		page.on('console', (msg) => {
			if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
		});
		for (const path of ['/', '/verify', '/app', '/plan']) {
			await page.goto(app.url + path, { waitUntil: 'networkidle' });
		}
		await page.goto(`${app.url}/app`, { waitUntil: 'networkidle' });
		await submitSignIn(page, 'monter1', 'monter-demo');
		await page.getByRole('heading', { name: 'Najbliższe zlecenia' }).waitFor();
		expect(violations).toEqual([]);
		await context.close();
	});

	it('refuses a cross-site write to the API but serves the same request from our own origin', async () => {
		const body = JSON.stringify({ login: 'monter1', password: 'monter-demo', client: 'app' });
		const forged = await fetch(`${app.url}/api/trpc/auth.signIn`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'text/plain' }, body });
		expect(forged.status).toBe(403);
		expect(forged.headers.get('set-cookie')).toBeNull();
		const sameSite = await fetch(`${app.url}/api/trpc/auth.signIn`, { method: 'POST', headers: { origin: app.url, 'content-type': 'application/json' }, body });
		expect(sameSite.status).not.toBe(403);
	});

	it('lets an admin cut off a lost tablet: its sync is refused with the reason and its unsent work stays on it', async () => {
		const tablet = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'pl-PL' });
		const fitter = await tablet.newPage();
		const header = () => fitter.getByRole('status', { name: 'Stan połączenia' });
		await fitter.goto(`${app.url}/app`);
		await submitSignIn(fitter, 'monter2', 'monter-demo');
		await expect.poll(() => header().innerText(), { timeout: 30_000 }).toContain('Wszystko wysłane');
		// Straight into a basement after the first sign-in, then lost there with a note not yet sent.
		await untilServiceWorkerControls(fitter);
		await tablet.setOffline(true);
		await fitter.locator('a[href^="/app/job/"]').filter({ hasText: 'Zaplanowane' }).first().click();
		await fitter.getByRole('button', { name: 'Rozpocznij pracę' }).click();
		await fitter.getByLabel('Treść notatki').fill('Notatka z zgubionego tabletu');
		await fitter.getByRole('button', { name: 'Dodaj notatkę' }).click();
		await expect.poll(() => header().innerText()).toContain('czeka');

		const office = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'pl-PL' });
		const admin = await office.newPage();
		await enrolOnPlan(admin, app.url, 'admin', 'admin-demo');
		await admin.getByRole('link', { name: 'Urządzenia' }).click();
		const row = admin.getByRole('row').filter({ hasText: 'monter2' }).filter({ hasText: 'Tablet montera' });
		await row.getByRole('button', { name: 'Cofnij dostęp' }).click();
		await row.getByRole('button', { name: 'Tak, cofnij' }).click();
		await admin.getByText('Dostęp cofnięty').waitFor();
		await expect.poll(() => row.count()).toBe(0);
		await admin.screenshot({ path: join(shots, 'admin-devices-1440.png') });

		await tablet.setOffline(false);
		await expect.poll(() => header().innerText(), { timeout: 30_000 }).toContain('Administrator cofnął dostęp tego tabletu');
		expect(await header().innerText()).toMatch(/\d+ zmian\S* czek/);
		await fitter.screenshot({ path: join(shots, 'sync-revoked-1280.png') });
		await office.close();
		await tablet.close();
	});

	it('is ready, and on SIGTERM finishes an upload in flight before it exits cleanly', async () => {
		const ready = await fetch(`${app.url}/readyz`);
		expect(ready.status).toBe(200);
		expect(await ready.json()).toMatchObject({ status: 'ready' });

		const signIn = await fetch(`${app.url}/api/trpc/auth.signIn`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', origin: app.url },
			body: JSON.stringify({ login: 'monter1', password: 'monter-demo', client: 'app' })
		});
		const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
		expect(cookie).toMatch(/=/);

		// A photo of 600 KB sent slowly, in 6 chunks, while the server is told to stop.
		const bytes = new Uint8Array(600_000).map((_, i) => (i * 7919) % 251);
		const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, ...bytes.subarray(4)]);
		const sha = createHash('sha256').update(png).digest('hex');
		let sent = 0;
		const body = new ReadableStream<Uint8Array>({
			async pull(controller) {
				if (sent >= png.length) return controller.close();
				if (sent === 200_000) app.signal('SIGTERM');
				await new Promise((r) => setTimeout(r, 150));
				controller.enqueue(png.subarray(sent, sent + 100_000));
				sent += 100_000;
			}
		});
		const upload = await fetch(`${app.url}/api/blobs/${sha}`, {
			method: 'PUT',
			headers: { cookie, origin: app.url, 'content-type': 'image/png', 'content-length': String(png.length) },
			body,
			duplex: 'half'
		} as RequestInit);
		expect(upload.status).toBe(201);
		expect(await app.exited).toBe(0);
		// Stopped means stopped: no new connections.
		await expect(fetch(`${app.url}/healthz`)).rejects.toThrow();
	});
});
