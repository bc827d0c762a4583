import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '$server/auth/sessions';
import { renderBarcode } from '../support/barcodes';
import { writeFakeCameraVideo } from '../support/fake-camera';
import { CHROMIUM_ARGS, chromiumPath } from './browser';
import { startApp, type RunningApp } from './app-server';
import { submitSignIn } from './sign-in';

const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });

const TABLET = { width: 1280, height: 800 };
const NAME = 'wymiana.test';
const SERIAL = '2412345678';

/**
 * A tablet on the site's network: `npm start` serving HTTPS itself (a certificate made here, for a
 * name that is not localhost) and no ORIGIN set. Chromium resolves the name to this machine and
 * trusts exactly this certificate's key, as a tablet trusts the site's CA.
 */
describe('https: a tablet reaches the app by a network name over TLS', () => {
	let app: RunningApp;
	let dir: string;
	let context: BrowserContext;
	let page: Page;
	let base: string;
	const consoleLines: string[] = [];

	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'wymiana-https-e2e-'));
		const cert = join(dir, 'cert.pem');
		const key = join(dir, 'key.pem');
		execFileSync('openssl', [
			'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
			'-keyout', key, '-out', cert, '-subj', `/CN=${NAME}`, '-addext', `subjectAltName=DNS:${NAME}`
		], { stdio: 'ignore' });
		const spki = createHash('sha256').update(new X509Certificate(readFileSync(cert)).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
		const label = await renderBarcode('CODE_128', SERIAL, { scale: 4, height: 15, margin: 40 });
		const video = writeFakeCameraVideo(join(dir, 'meter-label.y4m'), label, { width: 1280, height: 720, frames: 6 });

		app = await startApp({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key, ORIGIN: undefined });
		base = `https://${NAME}:${app.port}`;
		context = await chromium.launchPersistentContext(join(dir, 'profile'), {
			executablePath: chromiumPath()!,
			args: [
				...CHROMIUM_ARGS,
				`--host-resolver-rules=MAP ${NAME} 127.0.0.1`,
				`--ignore-certificate-errors-spki-list=${spki}`,
				'--use-fake-device-for-media-stream',
				`--use-file-for-fake-video-capture=${video}`
			],
			viewport: TABLET,
			locale: 'pl-PL',
			permissions: ['camera']
		});
		page = context.pages()[0] ?? (await context.newPage());
		page.on('console', (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
		page.on('pageerror', (err) => consoleLines.push(`pageerror: ${err.message}`));
	});
	afterAll(async () => {
		await context?.close();
		await app?.stop();
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	it('prints the HTTPS addresses a tablet can use at start', () => {
		expect(app.output()).toContain(`Wymiana is running at https://localhost:${app.port}`);
	});

	it('signs a fitter in under the network name, with a Secure session cookie and HSTS', async () => {
		const res = await page.goto(`${base}/app`);
		expect(res?.status()).toBe(200);
		expect(res?.headers()['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
		await page.getByRole('heading', { name: 'Logowanie montera' }).waitFor();
		await submitSignIn(page, 'monter1', 'monter-demo');
		await page.getByRole('heading', { name: 'Najbliższe zlecenia' }).waitFor();
		const session = (await context.cookies(base)).find((c) => c.name === SESSION_COOKIE);
		expect(session).toMatchObject({ secure: true, httpOnly: true, domain: NAME });
		await page.screenshot({ path: join(shots, 'https-fitter-home-1280.png') });
	});

	it('accepts a write whose Origin is the address the tablet used, and refuses a foreign one', async () => {
		const signIn = (origin: string) =>
			new Promise<number>((ok, fail) => {
				const req = httpsRequest(
					{ host: '127.0.0.1', port: app.port, servername: NAME, path: '/api/trpc/auth.signIn', method: 'POST', rejectUnauthorized: false, headers: { host: `${NAME}:${app.port}`, origin, 'content-type': 'application/json' } },
					(res) => {
						res.resume();
						ok(res.statusCode!);
					}
				);
				req.on('error', fail);
				req.end(JSON.stringify({ login: 'nobody', password: 'wrong password', client: 'app' }));
			});
		// Refused for the credentials (not as cross-site): the request reached sign-in.
		expect(await signIn(base)).toBe(401);
		expect(await signIn('https://evil.example')).toBe(403);
		expect(await signIn(`https://localhost:${app.port}`)).toBe(403);
	});

	it('is controlled by the service worker and starts offline', async () => {
		// The worker installed during the first visit; a new tab under the same name is controlled.
		const tab = await context.newPage();
		await tab.goto(`${base}/app`);
		try {
			await tab.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
		} catch (err) {
			const state = await tab.evaluate(async () => {
				const r = await navigator.serviceWorker.getRegistration();
				return JSON.stringify({ secure: isSecureContext, scope: r?.scope, active: r?.active?.state, installing: r?.installing?.state, waiting: r?.waiting?.state });
			});
			throw new Error(`no service worker controller; registration ${state}\n${consoleLines.join('\n')}`, { cause: err });
		}
		expect(await tab.evaluate(() => window.isSecureContext)).toBe(true);
		await context.setOffline(true);
		try {
			const res = await tab.reload();
			expect(res?.fromServiceWorker()).toBe(true);
			await tab.locator('.fitter-app main#main').waitFor();
			await tab.getByRole('heading', { name: 'Najbliższe zlecenia' }).waitFor();
			await tab.screenshot({ path: join(shots, 'https-app-offline-1280.png') });
		} finally {
			await context.setOffline(false);
			await tab.close();
		}
	});

	it('scans a meter label with the camera', async () => {
		await page.goto(`${base}/app/scan-check`);
		await page.getByRole('heading', { name: 'Test skanera' }).waitFor();
		await page.getByRole('button', { name: 'Uruchom test skanera' }).click();
		try {
			await page.getByText(`Odczytano ${SERIAL} (CODE_128, aparat)`).waitFor({ timeout: 20_000 });
		} catch (err) {
			throw new Error(`no scan\n${consoleLines.join('\n')}`, { cause: err });
		}
		await page.screenshot({ path: join(shots, 'https-scan-1280.png') });
	});
});

/**
 * An operator setting HTTPS up with a wrong file, or another setting wrong, is told which and why
 * in one line, and the server does not start.
 */
describe('npm start with a certificate or a setting it cannot use', () => {
	let dir: string;
	beforeAll(() => {
		dir = mkdtempSync(join(tmpdir(), 'wymiana-https-bad-'));
		for (const name of ['a', 'b']) {
			execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-keyout', join(dir, `${name}-key.pem`), '-out', join(dir, `${name}.pem`), '-subj', `/CN=${name}`], { stdio: 'ignore' });
		}
		writeFileSync(join(dir, 'not.pem'), 'not a certificate');
	});
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	const start = (env: Record<string, string>) =>
		spawnSync(process.execPath, ['--import', 'tsx', 'server/start.ts'], {
			cwd: resolve(import.meta.dirname, '../..'),
			env: { ...process.env, PORT: '0', DATABASE_URL: `file:${join(dir, 'x.db')}`, ...env },
			encoding: 'utf8',
			timeout: 60_000
		});

	it.each([
		['a missing file', () => ({ TLS_CERT_FILE: join(dir, 'none.pem'), TLS_KEY_FILE: join(dir, 'a-key.pem') }), /^✗ TLS_CERT_FILE \S+none\.pem cannot be read: ENOENT$/m],
		['a key that is not the certificate’s', () => ({ TLS_CERT_FILE: join(dir, 'a.pem'), TLS_KEY_FILE: join(dir, 'b-key.pem') }), /^✗ TLS_CERT_FILE .* must be a PEM certificate and its unencrypted private key: .*key values mismatch$/m],
		['a file that is not PEM', () => ({ TLS_CERT_FILE: join(dir, 'not.pem'), TLS_KEY_FILE: join(dir, 'a-key.pem') }), /^✗ TLS_CERT_FILE .* must be a PEM certificate and its unencrypted private key: .*no start line$/m],
		['a certificate without its key', () => ({ TLS_CERT_FILE: join(dir, 'a.pem') }), /^✗ HTTPS needs both TLS_CERT_FILE and TLS_KEY_FILE \(PEM files\)$/m],
		['an S3 store without a bucket', () => ({ WYMIANA_BLOB_STORE: 's3' }), /^✗ WYMIANA_BLOB_STORE=s3 needs WYMIANA_S3_BUCKET/m],
		['no syncs allowed at all', () => ({ WYMIANA_SYNC_CONCURRENCY: '0' }), /^✗ WYMIANA_SYNC_CONCURRENCY must be a whole number ≥ 1, got "0"$/m]
	])('refuses to start on %s, saying what is wrong without a stack trace', (_case, env, message) => {
		const run = start(env());
		expect(run.status, run.stdout + run.stderr).toBe(1);
		expect(run.stderr).toMatch(message);
		expect(run.stderr).not.toMatch(/^\s+at /m);
	}, 90_000);
});
