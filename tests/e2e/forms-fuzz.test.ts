import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_VALUES } from '../support/hostile-inputs';
import { startApp, type RunningApp } from './app-server';

/**
 * Every residents' form, posted as a phone without JavaScript would post it, with hostile values in
 * each field (and fields missing, repeated or extra): never a server error, nothing injected into
 * the page, and a refused form leaves the database as it was. The limits are raised so that the
 * forms' own checks answer, not the rate limiter (which has its own tests).
 */
const VOLATILE = new Set(['rate_limits', 'sessions', 'badge_lookups', 'audit_log', 'signing_keys', 'kysely_migration', 'kysely_migration_lock']);
const INJECTED = '<script>alert(1)</script>';

interface Form {
	page: string;
	method: 'GET' | 'POST';
	action: string;
	fields: Map<string, string>;
}

/** The forms of a server-rendered page with their fields and the values the page fills in. */
function formsOf(html: string, page: string): Form[] {
	const forms: Form[] = [];
	for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
		const attrs = match[1]!;
		const method = /method="post"/i.test(attrs) ? 'POST' : 'GET';
		const action = /action="([^"]*)"/i.exec(attrs)?.[1]?.replace(/&amp;/g, '&') ?? '';
		const fields = new Map<string, string>();
		for (const input of match[2]!.matchAll(/<(input|textarea|select)\b([^>]*)>([\s\S]*?<\/(?:textarea|select)>)?/gi)) {
			const name = /\bname="([^"]+)"/.exec(input[2]!)?.[1];
			if (!name || /type="(submit|button)"/.test(input[2]!)) continue;
			const value = input[1] === 'select' ? (/<option[^>]*value="([^"]+)"/.exec(input[3] ?? '')?.[1] ?? '') : (/\bvalue="([^"]*)"/.exec(input[2]!)?.[1] ?? '');
			fields.set(name, value);
		}
		forms.push({ page, method, action, fields });
	}
	return forms;
}

describe('bad input to every residents’ form', () => {
	let app: RunningApp;
	let badge: string;

	beforeAll(async () => {
		const raised = '1000000';
		app = await startApp({ PUBLIC_VERIFY_PER_IP: raised, PUBLIC_VERIFY_PER_BADGE: raised, PUBLIC_ADDRESS_PER_IP: raised, PUBLIC_REPORTS_PER_IP: raised, PUBLIC_IDENTIFY_PER_IP: raised });
		const db = new Database(app.databasePath, { readonly: true });
		badge = (db.prepare(`select badge_number from workers where status = 'active' and valid_until > date('now') limit 1`).get() as { badge_number: string }).badge_number;
		db.close();
	});
	afterAll(() => app?.stop());

	function dump(): string {
		const db = new Database(app.databasePath, { readonly: true });
		try {
			const tables = (db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`).all() as Array<{ name: string }>).map((t) => t.name).filter((t) => !VOLATILE.has(t));
			return tables.map((t) => `${t}\n${(db.prepare(`select * from "${t}"`).all() as unknown[]).map((r) => JSON.stringify(r, (_k, v) => (Buffer.isBuffer(v) ? v.length : v))).sort().join('\n')}`).join('\n');
		} finally {
			db.close();
		}
	}

	it('never answers with a server error, never echoes markup, and stores nothing from a refused form', async () => {
		const pages = ['/verify', `/verify/adres?badge=${encodeURIComponent(badge)}`, '/zgloszenie', '/harmonogram', '/harmonogram/wizyta'];
		const forms: Form[] = [];
		for (const page of pages) {
			const res = await fetch(app.url + page);
			expect(res.status, page).toBe(200);
			forms.push(...formsOf(await res.text(), page));
		}
		// Language switches are links, not forms; every page above has at least one form.
		expect(forms.length).toBeGreaterThanOrEqual(pages.length);

		const problems: string[] = [];
		let sent = 0;
		for (const form of forms) {
			const target = new URL(form.action || form.page, app.url + form.page);
			const variants: Array<[string, Array<[string, string]>]> = [];
			const base = [...form.fields];
			variants.push(['as the page fills it', base]);
			variants.push(['extra field', [...base, ['zzz_extra', 'x']]]);
			for (const [name] of base) {
				variants.push([`${name} missing`, base.filter(([n]) => n !== name)]);
				variants.push([`${name} twice`, [...base, [name, 'x']]]);
				for (const [label, value] of HOSTILE_VALUES) {
					if (typeof value !== 'string') continue;
					variants.push([`${name} = ${label}`, base.map(([n, v]) => [n, n === name ? value : v] as [string, string])]);
				}
				variants.push([`${name} = injected markup`, base.map(([n, v]) => [n, n === name ? INJECTED : v] as [string, string])]);
			}
			for (const [label, fields] of variants) {
				const before = form.method === 'POST' ? dump() : '';
				const body = new URLSearchParams(fields);
				const url = form.method === 'GET' ? `${target.origin}${target.pathname}?${body}` : target.toString();
				const res = await fetch(url, {
					method: form.method,
					headers: form.method === 'POST' ? { origin: app.url, 'content-type': 'application/x-www-form-urlencoded' } : {},
					body: form.method === 'POST' ? body : undefined,
					redirect: 'manual'
				});
				sent++;
				const where = `${form.method} ${form.page} ${form.action} [${label}]`;
				const text = await res.text();
				if (res.status >= 500) problems.push(`${where}: ${res.status}`);
				if (text.includes(INJECTED)) problems.push(`${where}: markup echoed unescaped`);
				if (form.method === 'POST' && res.status >= 400 && dump() !== before) problems.push(`${where}: refused (${res.status}) but the database changed`);
			}
		}
		process.stdout.write(`forms fuzz: ${sent} requests over ${forms.length} forms\n`);
		expect(problems.slice(0, 30)).toEqual([]);
	}, 600_000);
});
