/** One figure of a benchmark, printed with its baseline from the same run. */
export interface BenchRow {
	bench: string;
	case: string;
	value: number;
	unit: string;
	baseline?: { label: string; value: number };
	/** What "good" is (e.g. "≥ 0.30 of baseline"), for the reader. */
	goal?: string;
}

export function printTable(rows: BenchRow[]): void {
	const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
	const lines = rows.map((r) => [
		r.bench,
		r.case,
		`${fmt(r.value)} ${r.unit}`,
		r.baseline ? `${fmt(r.baseline.value)} ${r.unit} (${r.baseline.label})` : '—',
		r.baseline ? `${(r.value / r.baseline.value).toFixed(2)}` : '—',
		r.goal ?? ''
	]);
	const head = ['bench', 'case', 'figure', 'baseline', 'ratio', 'goal'];
	const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
	const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
	process.stdout.write(`${row(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${lines.map(row).join('\n')}\n`);
}
