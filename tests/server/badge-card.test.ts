import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateBadgeNumber } from '$lib/domain/badge';
import { addDaysToDate, warsawDate } from '$lib/domain/time';
import { renderBadgeCard } from '$server/badges/badge-card';
import { printCrewCards } from '$server/badges/badge-print';
import { newTotpSecret } from '$server/auth/totp';
import type { BadgeStatus, Role } from '$server/db/schema';
import { adminRefusal } from '$server/plan/http-access';
import { createServices } from '$server/services';
import { newId } from '$server/util/ids';
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

	it('prints a crew’s cards in one PDF: everyone whose badge is valid or starts later, nobody suspended, revoked, expired or disabled', async () => {
		const at = new Date().toISOString();
		const today = warsawDate();
		const crew = newId();
		await tdb.db.insertInto('crews').values({ id: crew, name: 'Ekipa Północ', created_at: at }).execute();
		const worker = async (lastName: string, status: BadgeStatus, validFrom: string, validUntil: string, crewId: string | null = crew) => {
			const row = {
				id: newId(), first_name: 'Jan', last_name: lastName, company: 'Montaż Sp. z o.o.', badge_number: generateBadgeNumber((n) => randomBytes(n)),
				photo_sha256: null, status, valid_from: validFrom, valid_until: validUntil, code_secret: newTotpSecret(), crew_id: crewId, is_demo: 0 as const,
				created_at: at, updated_at: at
			};
			await tdb.db.insertInto('workers').values(row).execute();
			return row;
		};
		const year = addDaysToDate(today, 365);
		const printed = [
			await worker('Adamczyk', 'active', today, year),
			await worker('Bąk', 'active', addDaysToDate(today, 7), year), // starts next week: printed ahead
			...(await Promise.all(Array.from({ length: 8 }, (_, i) => worker(`Zieliński${i}`, 'active', today, year))))
		];
		const left = [
			await worker('Cichy', 'suspended', today, year),
			await worker('Duda', 'revoked', today, year),
			await worker('Ejsmont', 'active', addDaysToDate(today, -100), addDaysToDate(today, -1)),
			await worker('Fijałek', 'active', today, year)
		];
		await tdb.db.insertInto('users').values({
			id: newId(), login: 'fijalek', display_name: 'Jan Fijałek', role: 'fitter', password_hash: 'x', totp_secret: null, totp_enabled: 0,
			totp_last_step: null, worker_id: left[3]!.id, disabled: 1, is_demo: 0, created_at: at, updated_at: at
		}).execute();
		const otherCrew = await worker('Gajewski', 'active', today, year, null);
		const actor = { userId: null, sessionKind: null, device: 'test', ip: null };
		const ctx = { db: tdb.db, blobs: createServices(tdb).blobs, origin: 'https://wymiana.example', locale: 'pl' as const, actor };

		const result = await printCrewCards(ctx, crew);
		expect(result?.badgeNumbers.sort()).toEqual(printed.map((w) => w.badge_number).sort());
		const file = join(dir, `crew-${kind}.pdf`);
		writeFileSync(file, result!.pdf!);
		const pages = execFileSync('pdfinfo', [file], { encoding: 'utf8' }).match(/Pages:\s+(\d+)/)?.[1];
		expect(pages).toBe('2'); // ten cards, eight to a sheet
		const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
		expect(text).toContain('Identyfikatory ekipy Ekipa Północ');
		expect(text).toMatch(/Wydruk z \d{1,2} \p{L}+ \d{4} · 10 identyfikatorów · arkusz 1 z 2/u);
		for (const w of printed) expect(text).toContain(w.badge_number);
		for (const w of [...left, otherCrew]) {
			expect(text).not.toContain(w.badge_number);
			expect(text).not.toContain(w.last_name);
		}
		mkdirSync(join(import.meta.dirname, '../e2e/screenshots'), { recursive: true });
		execFileSync('pdftoppm', ['-r', '60', '-png', '-singlefile', file, join(import.meta.dirname, '../e2e/screenshots/badge-cards-crew-pdf')]);
		const trail = await tdb.db.selectFrom('audit_log').select(['action', 'changes']).where('entity_id', '=', crew).execute();
		expect(trail.map((a) => [a.action, JSON.parse(a.changes!).badge_numbers[1].length])).toEqual([['badge-cards-printed', 10]]);

		// A crew with nobody to print gives no PDF (the route answers 404 with the reason); no crew: null.
		const empty = newId();
		await tdb.db.insertInto('crews').values({ id: empty, name: 'Pusta', created_at: at }).execute();
		expect((await printCrewCards(ctx, empty))?.pdf).toBeNull();
		expect(await printCrewCards(ctx, newId())).toBeNull();
	});

	it('lets only a signed-in admin with a second factor print cards', () => {
		const auth = (role: Role, mfa = true) => ({ user: { role, totp_enabled: 1 }, session: { mfa_verified: mfa ? 1 : 0 } }) as unknown as Parameters<typeof adminRefusal>[0];
		expect(adminRefusal(auth('admin'), null)).toBeNull();
		expect(adminRefusal(auth('planner'), null)).toEqual({ status: 403, code: 'FORBIDDEN' });
		expect(adminRefusal(auth('warehouse'), null)).toEqual({ status: 403, code: 'FORBIDDEN' });
		expect(adminRefusal(auth('admin', false), null)).toEqual({ status: 403, code: 'MFA_REQUIRED' });
		expect(adminRefusal(null, 'expired')).toEqual({ status: 401, code: 'SESSION_EXPIRED' });
	});
});
