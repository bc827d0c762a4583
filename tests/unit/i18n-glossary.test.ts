import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allMessages, texts } from './i18n/message-rules';

const ROOT = join(import.meta.dirname, '../..');
const GLOSSARY = readFileSync(join(ROOT, 'src/lib/i18n/GLOSSARY.md'), 'utf8');
/** Code that writes PDFs and documents: its literal words must follow the glossary as the messages do. */
const DOCUMENT_CODE = ['src/lib/fitter/exchange/protocol-pdf.ts', 'server/notices/notices.service.ts', 'server/badges/badge-card.ts', 'server/stats/billing.ts', 'server/notify/templates.ts'];

/** The glossary's table: term → the phrases it forbids (its last column, separated by ';'). */
function forbiddenPhrases(markdown: string): { term: string; phrase: string }[] {
	return markdown
		.split('\n')
		.filter((line) => line.startsWith('|') && !/^\|\s*(Term|---)/.test(line))
		.flatMap((line) => {
			const cells = line.split('|').slice(1, -1).map((c) => c.trim());
			return cells[3]!.split(';').map((phrase) => ({ term: cells[0]!, phrase: phrase.trim() })).filter((x) => x.phrase);
		});
}

/** Whole-phrase match, case-insensitive, so "klient" does not catch "klientela" nor "klatka" "klatkowe". */
function uses(text: string, phrase: string): boolean {
	const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
	return new RegExp(`(?<![\\p{L}])${escaped}(?![\\p{L}])`, 'iu').test(text);
}

function offenders(sources: { where: string; text: string }[], phrases = forbiddenPhrases(GLOSSARY)): string[] {
	return sources.flatMap(({ where, text }) => phrases.filter(({ phrase }) => uses(text, phrase)).map(({ term, phrase }) => `${where}: "${phrase}" — the glossary's word for ${term}`));
}

describe('one word for one thing (src/lib/i18n/GLOSSARY.md)', () => {
	it('lists every term the issue names, each with words it forbids', () => {
		const phrases = forbiddenPhrases(GLOSSARY);
		for (const term of ['removed meter', 'new meter', 'resident', 'customer', 'turn-back', 'no access', 'stairwell', 'protocol', 'signature'])
			expect(phrases.some((p) => p.term === term), term).toBe(true);
		expect(phrases.map((p) => p.phrase)).toEqual(expect.arrayContaining(['licznik zdemontowany', 'podpis odbiorcy', 'odstąpiono']));
	});

	it('no message uses a forbidden synonym', () => {
		const sources = allMessages().flatMap(({ area, locale, key, message }) => texts(message).map((text) => ({ where: `${area}/${locale}.json ${key}`, text })));
		expect(offenders(sources)).toEqual([]);
	});

	it('no PDF or document code writes a forbidden synonym of its own', () => {
		const sources = DOCUMENT_CODE.map((file) => ({ where: file, text: readFileSync(join(ROOT, file), 'utf8') }));
		expect(offenders(sources)).toEqual([]);
	});

	it('catches the doublets the screens and the PDF had', () => {
		const found = offenders([
			{ where: 'protocol', text: 'Licznik zdemontowany' },
			{ where: 'protocol', text: 'Podpis odbiorcy' },
			{ where: 'status', text: 'Odstąpiono' }
		]);
		expect(found).toHaveLength(3);
		expect(offenders([{ where: 'ok', text: 'Licznik zdjęty · Podpis mieszkańca · Zwrot do planisty · Bloki klatkowe' }])).toEqual([]);
	});
});
