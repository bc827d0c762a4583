import { toCsv, type CsvCell } from '$lib/domain/csv';

/** Saves a table as a CSV file (semicolons and a BOM, so Polish Excel opens it as it is). */
export function downloadCsv(fileName: string, fields: string[], rows: CsvCell[][]): void {
	const text = toCsv(fields, rows, { bom: true });
	const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
	const a = document.createElement('a');
	a.href = url;
	a.download = fileName;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 1000);
}
