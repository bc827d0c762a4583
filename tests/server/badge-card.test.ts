import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateBadgeNumber } from '$lib/domain/badge';
import { renderBadgeCard } from '$server/badges/badge-card';
import { signBadgeToken, verifyBadgeToken } from '$server/badges/badge-token';
import { demoPortraitSvg } from '$server/demo/seed';
import { publicKeys } from '$server/public/keys';
import { createZxingWasmEngine } from '$lib/scan/engines/zxing-wasm';
import { nodeZxingWasm } from '../support/barcodes';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';

/** Reads the QR code off a rendered page image, with the engine the fitter's scanner leads with. */
async function decodeQr(pngPath: string): Promise<string | undefined> {
	const png = PNG.sync.read(readFileSync(pngPath));
	const engine = createZxingWasmEngine(nodeZxingWasm());
	const result = await engine.decode({ data: new Uint8ClampedArray(png.data), width: png.width, height: png.height });
	return result?.text;
}

describeEachDb('badge card PDF', (kind) => {
	let tdb: TestDatabase;
	const dir = mkdtempSync(join(tmpdir(), 'wymiana-card-'));
	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
	});
	afterAll(async () => {
		await tdb?.destroy();
		rmSync(dir, { recursive: true, force: true });
	});

	it('prints name, company, number and a QR that leads to the signed verification page', async () => {
		const keys = await publicKeys(tdb.db);
		const badge = generateBadgeNumber((n) => randomBytes(n));
		const url = `https://wymiana.example/v/${signBadgeToken(keys, badge)}`;
		const pdf = await renderBadgeCard(
			{
				firstName: 'Łukasz',
				lastName: 'Żółkiewski',
				company: 'Energo-Montaż Sp. z o.o.',
				badgeNumber: badge,
				validUntil: '2027-06-30',
				photo: { contentType: 'image/svg+xml', data: Buffer.from(demoPortraitSvg('Łukasz', 'Żółkiewski', { background: '#cfe3f5', figure: '#2f5d8a' })) },
				url,
				hotline: '800 000 000'
			},
			'pl'
		);
		const file = join(dir, `card-${kind}.pdf`);
		writeFileSync(file, pdf);
		const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
		for (const expected of ['IDENTYFIKATOR MONTERA', 'Łukasz', 'Żółkiewski', 'Energo-Montaż Sp. z o.o.', badge, 'Ważny do 2027-06-30', 'Infolinia: 800 000 000']) {
			expect(text).toContain(expected);
		}
		execFileSync('pdftoppm', ['-r', '300', '-png', '-singlefile', file, join(dir, `card-${kind}`)]);
		// The card area, for people to look at (tests/e2e/screenshots; absent in a fresh clone).
		mkdirSync(join(import.meta.dirname, '../e2e/screenshots'), { recursive: true });
		execFileSync('pdftoppm', ['-r', '200', '-png', '-singlefile', '-x', '0', '-y', '0', '-W', '1300', '-H', '900', file, join(import.meta.dirname, '../e2e/screenshots/badge-card-pdf')]);
		const decoded = await decodeQr(join(dir, `card-${kind}.png`));
		expect(decoded).toBe(url);
		expect(verifyBadgeToken(keys, (decoded ?? '').split('/v/')[1]!)).toBe(badge);
	});
});
