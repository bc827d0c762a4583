import Papa from 'papaparse';

export type CsvCell = string | number | null | undefined;

/**
 * A cell a spreadsheet could run as a formula (OWASP, "CSV Injection"): one that starts with a tab
 * or CR, or whose first character after any white space — spaces of any kind, tabs, line breaks —
 * is `=`, `+`, `-` or `@`, at the start of the cell or of any line in it (some importers split
 * quoted line breaks). Such cells are written with a leading `'`. Numbers are written as they are.
 */
export const FORMULA_CELL = /^[\t\r]|(?:^|[\n\r\u2028\u2029])[\s\u200b\u180e\u2060]*[=+\-@]/;

/**
 * The one CSV writer of the app: every file it exports (in the browser or from the server) is made
 * here, so every one is guarded against formula cells. Semicolons: Polish Excel's list separator.
 */
export function toCsv(fields: string[], rows: CsvCell[][], opts: { newline?: '\n' | '\r\n'; bom?: boolean } = {}): string {
	const text = Papa.unparse(
		{ fields, data: rows.map((r) => r.map((c) => c ?? '')) },
		{ delimiter: ';', newline: opts.newline ?? '\r\n', escapeFormulae: FORMULA_CELL }
	);
	return (opts.bom ? '\uFEFF' : '') + text + (opts.newline ?? '\r\n');
}
