import { z } from 'zod';

/**
 * Invalid and hostile inputs for any zod-validated entry point, derived from its schema: a
 * plausible valid value first (through the schema's JSON Schema), then variants that break it one
 * way at a time — wrong types, missing and extra fields, huge strings, unicode edge cases,
 * negative and NaN numbers, SQL and HTML injection strings.
 */
type Json = Record<string, unknown>;

export const HOSTILE_VALUES: ReadonlyArray<[label: string, value: unknown]> = [
	['null', null],
	['negative', -1],
	['NaN', Number.NaN],
	['Infinity', Number.POSITIVE_INFINITY],
	['huge number', 1e308],
	['fraction', 0.5],
	['unsafe integer', 2 ** 53 + 2],
	['boolean', true],
	['array', []],
	['object', {}],
	['empty string', ''],
	['blank string', '   '],
	['huge string', 'x'.repeat(100_000)],
	['sql injection', "'; drop table users; --"],
	['sql injection 2', "1' or '1'='1"],
	['html injection', '<script>alert(1)</script><img src=x onerror=alert(1)>'],
	['nul byte', 'a\u0000b'],
	['lone surrogate', 'a\uD800b'],
	['emoji zwj', '👩‍👩‍👧‍👦'.repeat(50)],
	['rtl override', '\u202Egnp.exe'],
	['combining marks', 'Z̴̡̧̛͎a̸l̷g̶o̵'],
	['path traversal', '../../../../etc/passwd'],
	['prototype key', '__proto__']
];

/** Values tried for a string with a pattern, the first the pattern accepts wins. */
const PATTERN_CANDIDATES = [
	'0'.repeat(64),
	'a'.repeat(64),
	'0190a3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b',
	'2026-11-24',
	'2026-11-24T10:00:00.000Z',
	'1.8.1',
	'12345.678',
	'123456',
	'AAA-AAA-AA1',
	'ABC123456',
	'G11',
	'x'
];

function sample(schema: Json): unknown {
	if ('const' in schema) return schema.const;
	if (Array.isArray(schema.enum)) return schema.enum[0];
	const alternatives = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
	if (alternatives) return sample(alternatives.find((a) => a.type !== 'null') ?? alternatives[0]!);
	if (Array.isArray(schema.allOf)) return sample(schema.allOf[0] as Json);
	const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
	switch (type) {
		case 'string': {
			const min = Number(schema.minLength ?? 1);
			const max = Number(schema.maxLength ?? 10_000);
			if (schema.format === 'uuid') return '0190a3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b';
			if (schema.format === 'date-time') return new Date().toISOString();
			if (schema.format === 'date') return new Date().toISOString().slice(0, 10);
			if (schema.format === 'email') return 'a@example.org';
			if (typeof schema.pattern === 'string') {
				const re = new RegExp(schema.pattern);
				const hit = PATTERN_CANDIDATES.find((c) => re.test(c) && c.length >= min && c.length <= max);
				if (hit) return hit;
			}
			return 'x'.repeat(Math.max(1, min));
		}
		case 'integer':
		case 'number': {
			const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? Number(schema.exclusiveMinimum) + 1 : 1);
			return Math.min(Number(min), Number(schema.maximum ?? Number.MAX_SAFE_INTEGER));
		}
		case 'boolean':
			return true;
		case 'null':
			return null;
		case 'array': {
			const n = Math.max(1, Number(schema.minItems ?? 0));
			return Array.from({ length: Math.min(n, Number(schema.maxItems ?? n)) }, () => sample((schema.items ?? {}) as Json));
		}
		case 'object': {
			const props = (schema.properties ?? {}) as Record<string, Json>;
			const required = new Set((schema.required ?? []) as string[]);
			return Object.fromEntries(Object.entries(props).filter(([k]) => required.has(k)).map(([k, s]) => [k, sample(s)]));
		}
		default:
			return undefined;
	}
}

export interface Variant {
	label: string;
	input: unknown;
}

/** The variants for one input schema (or none: a procedure without input still gets junk). */
export function hostileVariants(schema: z.ZodType | undefined): Variant[] {
	const variants: Variant[] = [
		{ label: 'no input', input: undefined },
		{ label: 'null input', input: null },
		{ label: 'number input', input: 42 },
		{ label: 'string input', input: 'x' },
		{ label: 'array input', input: [] },
		{ label: 'NaN input', input: Number.NaN }
	];
	if (!schema) return variants;
	let json: Json;
	try {
		json = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Json;
	} catch {
		return variants;
	}
	const base = sample(json);
	variants.push({ label: 'plausible input', input: base });
	if (!base || typeof base !== 'object' || Array.isArray(base)) return variants;
	const props = (json.properties ?? {}) as Record<string, Json>;
	variants.push({ label: 'extra field', input: { ...base, zzz_extra: 1 } });
	// An own "__proto__" key, as JSON.parse makes from a request body.
	const polluted = { ...(base as Json) };
	Object.defineProperty(polluted, '__proto__', { value: { admin: true }, enumerable: true, writable: true, configurable: true });
	variants.push({ label: 'prototype pollution', input: polluted });
	for (const key of (json.required ?? []) as string[]) {
		const { [key]: _drop, ...rest } = base as Json;
		variants.push({ label: `missing ${key}`, input: rest });
	}
	for (const key of Object.keys(props)) {
		for (const [label, value] of HOSTILE_VALUES) variants.push({ label: `${key} = ${label}`, input: { ...(base as Json), [key]: value } });
		// One level down: the fields of an object, or of an array's first item.
		const inner = (base as Json)[key];
		const item = Array.isArray(inner) ? inner[0] : inner;
		if (item && typeof item === 'object' && !Array.isArray(item)) {
			for (const innerKey of Object.keys(item as Json)) {
				for (const [label, value] of HOSTILE_VALUES.slice(0, 14)) {
					const broken = { ...(item as Json), [innerKey]: value };
					variants.push({ label: `${key}.${innerKey} = ${label}`, input: { ...(base as Json), [key]: Array.isArray(inner) ? [broken] : broken } });
				}
			}
		}
	}
	return variants;
}
