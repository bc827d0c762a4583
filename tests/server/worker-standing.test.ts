import { addDaysToDate } from '$lib/domain/time';
import { signBadgeToken } from '$server/badges/badge-token';
import { publicKeys } from '$server/public/keys';
import { newId, nowIso } from '$server/util/ids';
import { PASSWORD } from './fixtures';
import { hashPassword } from '$server/auth/password';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AppProcess, freePort } from '../support/app-process';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { seedPublicWorld } from './public-world';

/**
 * Residents are told to trust /verify against fraudsters. Whatever stops a worker from working —
 * the account disabled, the badge suspended, revoked or past its date — must show on the very next
 * request on every instance (with its page cache warm), on the QR page and in "scheduled here", and
 * the live code must no longer be shown.
 */
describeEachDb('a worker who may not work reads as not valid everywhere at once', (kind) => {
	let tdb: TestDatabase;
	let world: Awaited<ReturnType<typeof seedPublicWorld>>;
	let apps: AppProcess[];
	let userId: string;
	let token: string;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		world = await seedPublicWorld(tdb.db);
		userId = newId();
		await tdb.db.insertInto('users').values({
			id: userId, login: 'jan.testowy', display_name: 'Jan Testowy', role: 'fitter', password_hash: await hashPassword(PASSWORD), totp_secret: null,
			totp_enabled: 0, totp_last_step: null, worker_id: world.workers.valid.id, disabled: 0, is_demo: 0, created_at: nowIso(), updated_at: nowIso()
		}).execute();
		token = signBadgeToken(await publicKeys(tdb.db), world.workers.valid.badge_number);
		apps = [];
		for (let i = 0; i < 2; i++) {
			const port = await freePort();
			apps.push(new AppProcess(port, { DATABASE_URL: tdb.url, WYMIANA_DEMO: '0', WYMIANA_HES: 'off', ORIGIN: `http://127.0.0.1:${port}`, PUBLIC_VERIFY_PER_IP: '100000', PUBLIC_VERIFY_PER_BADGE: '100000', PUBLIC_ADDRESS_PER_IP: '100000' }));
		}
		// One at a time: the first migrates, the next finds the database ready.
		for (const app of apps) await app.start();
	}, 120_000);
	afterAll(async () => {
		for (const app of apps ?? []) await app.stop();
		await tdb?.destroy();
	});

	const verifyPage = async (app: AppProcess) => (await fetch(`${app.url}/verify?badge=${world.workers.valid.badge_number}`)).text();
	const qrPage = async (app: AppProcess) => (await fetch(`${app.url}/v/${token}`)).text();
	const scheduledHere = async (app: AppProcess) => {
		const body = new URLSearchParams({ badge: world.workers.valid.badge_number, street: 'ul. Źródlana', number: '7', stairwell: 'I' });
		const res = await fetch(`${app.url}/verify/adres`, { method: 'POST', body, headers: { origin: app.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' } });
		const html = await res.text();
		return html.includes('Tak — ta osoba ma dziś wizytę') ? 'yes' : html.includes('Ten identyfikator nie jest ważny') ? 'badge not valid' : `other (${res.status}): ${html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 3000)}`;
	};
	const hasLiveCode = (html: string) => html.includes('id="live-heading"');

	const causes = [
		{
			name: 'the account is disabled',
			shown: 'ZAWIESZONY',
			apply: () => tdb.db.updateTable('users').set({ disabled: 1 }).where('id', '=', userId).execute(),
			undo: () => tdb.db.updateTable('users').set({ disabled: 0 }).where('id', '=', userId).execute()
		},
		{
			name: 'the badge is suspended',
			shown: 'ZAWIESZONY',
			apply: () => tdb.db.updateTable('workers').set({ status: 'suspended' }).where('id', '=', world.workers.valid.id).execute(),
			undo: () => tdb.db.updateTable('workers').set({ status: 'active' }).where('id', '=', world.workers.valid.id).execute()
		},
		{
			name: 'the badge is revoked',
			shown: 'UNIEWAŻNIONY',
			apply: () => tdb.db.updateTable('workers').set({ status: 'revoked' }).where('id', '=', world.workers.valid.id).execute(),
			undo: () => tdb.db.updateTable('workers').set({ status: 'active' }).where('id', '=', world.workers.valid.id).execute()
		},
		{
			name: 'the badge has expired',
			shown: 'WYGASŁ',
			apply: () => tdb.db.updateTable('workers').set({ valid_until: addDaysToDate(world.today, -1) }).where('id', '=', world.workers.valid.id).execute(),
			undo: () => tdb.db.updateTable('workers').set({ valid_until: world.workers.valid.valid_until }).where('id', '=', world.workers.valid.id).execute()
		}
	];

	for (const cause of causes) {
		it(`shows it when ${cause.name}: /verify on both instances, the QR page, "scheduled here", no live code`, async () => {
			for (const app of apps) {
				// Warm: the page is now answered from memory on this instance.
				for (let i = 0; i < 3; i++) {
					let page = await verifyPage(app);
					if (kind === 'postgres') {
						// The previous case's undo reaches every instance on commit (NOTIFY); allow it a moment.
						const started = Date.now();
						while (!page.includes('>WAŻNY<') && Date.now() - started < 2000) page = await verifyPage(app);
					}
					expect(page).toContain('WAŻNY');
					expect(hasLiveCode(page)).toBe(true);
				}
				expect(await scheduledHere(app)).toBe('yes');
			}
			// Changed in the database by someone else (an admin on another instance, a script).
			await cause.apply();
			try {
				for (const app of apps) {
					let page = await verifyPage(app);
					if (kind === 'postgres') {
						// Every instance hears of the change on commit (NOTIFY); allow the message a moment.
						const started = Date.now();
						while (page.includes('>WAŻNY<') && Date.now() - started < 1000) page = await verifyPage(app);
					}
					expect(page).toContain(cause.shown);
					expect(page).not.toContain('>WAŻNY<');
					expect(hasLiveCode(page)).toBe(false);
					const qr = await qrPage(app);
					expect(qr).toContain(cause.shown);
					expect(hasLiveCode(qr)).toBe(false);
					expect(await scheduledHere(app)).toBe('badge not valid');
				}
			} finally {
				await cause.undo();
			}
		});
	}
});
