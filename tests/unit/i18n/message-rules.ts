import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One message of an inlang message-format file: a plain pattern or one variant block. */
export type Message = string | [{ declarations: string[]; selectors: string[]; match: Record<string, string> }];
export type Locale = 'pl' | 'en';

export const MESSAGES_DIR = join(import.meta.dirname, '../../../src/lib/i18n/messages');

/** Every message of every area, per locale: `{ area, locale, key, message }`. */
export function allMessages(dir = MESSAGES_DIR): { area: string; locale: Locale; key: string; message: Message }[] {
	const out: { area: string; locale: Locale; key: string; message: Message }[] = [];
	for (const area of readdirSync(dir)) {
		for (const locale of ['pl', 'en'] as const) {
			const file = JSON.parse(readFileSync(join(dir, area, `${locale}.json`), 'utf8')) as Record<string, Message>;
			for (const [key, message] of Object.entries(file)) if (!key.startsWith('$')) out.push({ area, locale, key, message });
		}
	}
	return out;
}

/** The texts a user can see: the pattern, or every variant. */
export function texts(message: Message): string[] {
	return typeof message === 'string' ? [message] : Object.values(message[0].match);
}

/**
 * The rule: an input is a number when its name says it counts something (count, total, min, max,
 * minutes, days, …) or when the message formats or selects on it as one (`x: number`, `x: plural`).
 * Such a number needs plural variants when a word follows it in the text ("{count} zleceń"), because
 * that word agrees with the number in Polish (1 zlecenie, 2 zlecenia, 5 zleceń) and in English.
 * A number standing alone ("Błędy w pliku: {count}", "{current} z {total}", "({count})") or before a
 * unit symbol that does not inflect ("{minutes} min", "{value} kWh") needs none.
 */
const NUMERIC_NAME = /^(count|total|n|min|max|minutes|seconds|hours|days|weeks|months|attempts|jobs|slots|meters|seals|visits|fitters|rows|errors)$|^(min|max)[A-Z]|(Count|Total|Minutes|Seconds|Days|Hours)$/;
/** Words after a number that do not agree with it: unit symbols and the connecting words of "3 z 5". */
const NEUTRAL_NEXT = new Set(['min', 's', 'h', 'kWh', 'kW', 'MB', 'B', 'bd', 'szt', '%', 'z', 'of', 'w', 'in', 'i', 'and', 'albo', 'or', 'lub']);
const PLURAL_KEYS: Record<Locale, string[]> = { pl: ['one', 'few', 'many', '*'], en: ['one', '*'] };

export function checkPlurals(locale: Locale, key: string, message: Message): string[] {
	const problems: string[] = [];
	const declarations = typeof message === 'string' ? [] : message[0].declarations;
	const selectors = typeof message === 'string' ? [] : message[0].selectors;
	// local name → the input it is computed from, and which inputs the message selects a plural on
	const source = new Map<string, string>();
	const pluralSelectorOf = new Map<string, string>();
	const numeric = new Set<string>();
	for (const d of declarations) {
		const local = /^local (\w+) = (\w+): (\w+)/.exec(d);
		if (!local) continue;
		const [, name, input, fn] = local as unknown as [string, string, string, string];
		source.set(name, input);
		if (fn === 'plural' || fn === 'number') numeric.add(input);
		if (fn === 'plural') pluralSelectorOf.set(input, name);
	}
	for (const [input, selector] of pluralSelectorOf) {
		if (!selectors.includes(selector)) continue;
		const keys = Object.keys((message as Exclude<Message, string>)[0].match).map((k) => k.split('=')[1]);
		const missing = PLURAL_KEYS[locale].filter((k) => !keys.includes(k));
		if (missing.length) problems.push(`${key} (${locale}): plural of {${input}} lacks ${missing.join(', ')}`);
	}
	for (const text of texts(message)) {
		for (const [, placeholder, after] of text.matchAll(/\{(\w+)\}[\s\u00a0\u202f]*([^\s\u00a0\u202f,.;:)\]/—–·]*)/gu)) {
			const input = source.get(placeholder!) ?? placeholder!;
			if (!NUMERIC_NAME.test(input) && !numeric.has(input)) continue;
			if (!after || !/^\p{L}/u.test(after) || NEUTRAL_NEXT.has(after)) continue;
			const selector = pluralSelectorOf.get(input);
			if (!selector || !selectors.includes(selector)) {
				problems.push(`${key} (${locale}): "{${placeholder}} ${after}" needs plural variants of {${input}}`);
			}
		}
	}
	return [...new Set(problems)];
}
