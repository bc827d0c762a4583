/**
 * Paths of strings that hold a NUL character. PostgreSQL text cannot store U+0000 and no field a
 * person fills in needs it, so such input is refused as invalid rather than failing at the
 * database (where it would surface as a server error on one database and not the other).
 */
export function nulCharacterPaths(value: unknown, path: Array<string | number> = [], out: Array<Array<string | number>> = [], depth = 0): Array<Array<string | number>> {
	if (depth > 32 || out.length >= 20) return out;
	if (typeof value === 'string') {
		if (value.includes('\u0000')) out.push(path);
	} else if (Array.isArray(value)) {
		value.forEach((v, i) => nulCharacterPaths(v, [...path, i], out, depth + 1));
	} else if (value !== null && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) nulCharacterPaths(v, [...path, k], out, depth + 1);
	}
	return out;
}
