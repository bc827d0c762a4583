import { describe, expect, it } from 'vitest';
import { allMessages, checkPlurals, type Message } from './i18n/message-rules';

const variants = (input: string, match: Record<string, string>): Message => [
	{ declarations: [`input ${input}`, `local ${input}Plural = ${input}: plural`, `local ${input}Text = ${input}: number`], selectors: [`${input}Plural`], match }
];

describe('plural forms of messages with a number', () => {
	it('finds every message file and its counted messages', () => {
		const all = allMessages();
		expect(new Set(all.map((x) => x.area)).size).toBeGreaterThanOrEqual(9);
		expect(all.filter((x) => typeof x.message !== 'string').length).toBeGreaterThan(20);
	});

	it('gives every message whose number is followed by a counted word its one/few/many forms (pl) and one/other (en)', () => {
		const problems = allMessages().flatMap(({ locale, key, message }) => checkPlurals(locale, key, message));
		expect(problems).toEqual([]);
	});

	it('refuses a count written in one form for every number, as "{total} wierszy" was', () => {
		expect(checkPlurals('pl', 'bad', 'Strona {page} z {pages} · {total} wierszy')).toEqual(['bad (pl): "{total} wierszy" needs plural variants of {total}']);
		expect(checkPlurals('en', 'bad', '…and {count} more errors')).toHaveLength(1);
		expect(checkPlurals('pl', 'bad', 'Plan zatwierdzony: {jobs} zleceń, {slots} okien wizyt.')).toHaveLength(2);
	});

	it('refuses Polish plural variants without the few form (2–4, 22–24)', () => {
		const bad = variants('count', { 'countPlural=one': '{countText} zlecenie', 'countPlural=many': '{countText} zleceń', 'countPlural=*': '{countText} zlecenia' });
		expect(checkPlurals('pl', 'bad', bad)).toEqual(['bad (pl): plural of {count} lacks few']);
	});

	it('refuses a formatted number printed before a noun without selecting on it', () => {
		const bad: Message = [{ declarations: ['input n', 'local nText = n: number'], selectors: [], match: {} }];
		bad[0].selectors = ['nText'];
		bad[0].match = { 'nText=*': '{nText} sekund' };
		expect(checkPlurals('pl', 'bad', bad)).toHaveLength(1);
	});

	it('accepts a number alone, after a label, before a unit symbol, or as "N z M"', () => {
		for (const ok of ['Błędy w pliku: {count}', 'Krok {current} z {total}', 'Liczniki LZO ({count})', 'Cel: {minutes} min', 'Ostatni znany odczyt: {value} kWh', 'wykonane {done}/{count}', 'Wartość musi wynosić co najmniej {min}.'])
			expect(checkPlurals('pl', 'ok', ok)).toEqual([]);
		const good = variants('count', { 'countPlural=one': '{countText} zlecenie', 'countPlural=few': '{countText} zlecenia', 'countPlural=many': '{countText} zleceń', 'countPlural=*': '{countText} zlecenia' });
		expect(checkPlurals('pl', 'ok', good)).toEqual([]);
	});
});

describe('counts as a Polish reader expects them', () => {
	it('agrees the noun with 1, 2–4, 5+, 12–14 and 22–24 and groups thousands', { timeout: 30_000 }, async () => {
		const { m } = await import('$lib/paraglide/messages.js');
		const rows = (total: number) => m.plan_pager_status({ page: '1', pages: '9', total }, { locale: 'pl' }).split(' · ')[1] ?? '';
		expect([1, 2, 4, 5, 12, 14, 22, 24, 25].map(rows)).toEqual(['1 wiersz', '2 wiersze', '4 wiersze', '5 wierszy', '12 wierszy', '14 wierszy', '22 wiersze', '24 wiersze', '25 wierszy']);
		expect(rows(12345).replace(/\s/g, ' ')).toBe('12 345 wierszy');
		expect(m.plan_schedule_committed_jobs({ count: 242 }, { locale: 'pl' })).toBe('242 zlecenia');
		expect(m.plan_schedule_committed_slots({ count: 34 }, { locale: 'pl' })).toMatch(/^34 okna wizyt/);
		expect(m.plan_import_more_errors({ count: 1 }, { locale: 'en' })).toContain('1 more error (');
		expect(m.field_too_short({ min: 3 }, { locale: 'pl' })).toBe('Za krótkie — co najmniej 3 znaki.');
	});
});
