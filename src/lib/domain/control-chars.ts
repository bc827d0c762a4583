/**
 * Paths of strings that hold a NUL character. PostgreSQL text cannot store U+0000 and no field a
 * person fills in needs it, so such input is refused as invalid rather than failing at the
 * database (where it would surface as a server error on one database and not the other).
 */
export function nulCharacterPaths(value: unknown): Array<Array<string | number>> {
	const out: Array<Array<string | number>> = [];
	collectNulPaths(value, [], out, 0);
	return out;
}

/**
 * One path, lengthened and shortened as the walk goes, copied only for a string with a NUL (a push
 * walks every mutation's arguments; a new path per field was most of the walk's allocation).
 */
function collectNulPaths(value: unknown, path: Array<string | number>, out: Array<Array<string | number>>, depth: number): void {
	if (depth > 32 || out.length >= 20) return;
	if (typeof value === 'string') {
		if (value.includes('\u0000')) out.push([...path]);
	} else if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) {
			path.push(i);
			collectNulPaths(value[i], path, out, depth + 1);
			path.pop();
		}
	} else if (value !== null && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) {
			path.push(k);
			collectNulPaths(v, path, out, depth + 1);
			path.pop();
		}
	}
}
