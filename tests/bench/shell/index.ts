/**
 * The fitter shell's weight: JavaScript a tablet downloads until /app shows the signed-in job list,
 * gzipped, measured in Chromium from the responses it really loaded — next to the whole client
 * build (every JS chunk, gzipped) in the same run; and, second figure, with the other fitter
 * screens the app then prefetches for offline use. The scanner, PDF and signature code must load
 * only when a fitter opens those steps (reported if it does not).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { buildDir } from '../../../server/build-dir';
import { ensureBuilt } from '../../../server/start';
import { CHROMIUM_ARGS, chromiumPath } from '../../e2e/browser';
import { startApp } from '../../e2e/app-server';
import type { BenchRow } from '../report';


function* jsFiles(dir: string): Generator<string> {
	for (const entry of readdirSync(dir)) {
		const path = join(dir, entry);
		if (statSync(path).isDirectory()) yield* jsFiles(path);
		else if (entry.endsWith('.js')) yield path;
	}
}

export async function run(): Promise<BenchRow[]> {
	const executablePath = chromiumPath();
	if (!executablePath) throw new Error('Chromium is needed for the shell-size figure (apt-get install -y chromium)');
	ensureBuilt();
	const app = await startApp({ LOG_LEVEL: 'silent' });
	const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
	try {
		const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'pl-PL', serviceWorkers: 'block' });
		const page = await context.newPage();
		const loaded = new Map<string, number>();
		page.on('response', async (res) => {
			const type = res.headers()['content-type'] ?? '';
			if (!/javascript/.test(type)) return;
			try {
				loaded.set(new URL(res.url()).pathname, gzipSync(await res.body(), { level: 9 }).length);
			} catch {
				// a redirect or an aborted request has no body
			}
		});
		await page.goto(`${app.url}/app`, { waitUntil: 'networkidle' });
		await page.getByLabel('Login').fill('monter1');
		await page.getByLabel('Hasło', { exact: true }).fill('monter-demo');
		await page.getByRole('button', { name: 'Zaloguj się' }).click();
		await page.getByRole('heading', { name: 'Najbliższe zlecenia' }).waitFor();
		// What the fitter waited for: the scripts loaded until the job list showed.
		const untilList = [...loaded.values()].reduce((a, b) => a + b, 0);
		const scriptsUntilList = loaded.size;
		// Then the app fetches the other fitter screens' code for offline use (not the scanner).
		await page.waitForLoadState('networkidle');
		await page.waitForTimeout(1500);
		const shell = [...loaded.values()].reduce((a, b) => a + b, 0);
		let all = 0;
		for (const file of jsFiles(join(buildDir(), 'client', '_app'))) all += gzipSync(readFileSync(file), { level: 9 }).length;
		const scanLoaded = [...loaded.keys()].filter((p) => /zxing|scan|pdf|signature/i.test(p));
		process.stdout.write(
			`shell: ${scriptsUntilList} scripts, ${(untilList / 1024).toFixed(1)} KB gzipped until the job list shows; ` +
				`${loaded.size} scripts, ${(shell / 1024).toFixed(1)} KB with the other screens prefetched for offline use; ` +
				`whole client build ${(all / 1024).toFixed(1)} KB gzipped${scanLoaded.length ? `; scanner/PDF code loaded early: ${scanLoaded.join(', ')}` : ''}\n`
		);
		return [
			{
				bench: 'shell',
				case: 'fitter /app until the job list shows, JS gzipped',
				value: untilList / 1024,
				unit: 'KB',
				baseline: { label: 'whole client build', value: all / 1024 },
				goal: '≤ 150 KB before the scanner loads'
			},
			{
				bench: 'shell',
				case: 'with every fitter screen prefetched (offline), JS gzipped',
				value: shell / 1024,
				unit: 'KB',
				baseline: { label: 'whole client build', value: all / 1024 }
			}
		];
	} finally {
		await browser.close();
		await app.stop();
	}
}
