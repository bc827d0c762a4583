import Papa from 'papaparse';

/** Saves a table as a CSV file (semicolons and a BOM, so Polish Excel opens it as it is). */
export function downloadCsv(fileName: string, fields: string[], rows: Array<Array<string | number | null>>): void {
	const text = '\uFEFF' + Papa.unparse({ fields, data: rows.map((r) => r.map((c) => c ?? '')) }, { delimiter: ';', newline: '\r\n', escapeFormulae: true });
	const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
	const a = document.createElement('a');
	a.href = url;
	a.download = fileName;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 1000);
}
