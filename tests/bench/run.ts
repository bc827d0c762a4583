/**
 * `npm run bench`: every benchmark under tests/bench (one folder each, exporting `run()`), then one
 * table of figures with their same-run baselines and ratios. Figures, not pass/fail.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { printTable, type BenchRow } from './report';

const here = import.meta.dirname;
const root = resolve(here, '../..');
spawnSync(join(root, 'node_modules', '.bin', 'paraglide-js'), ['compile', '--project', './src/lib/i18n/project.inlang', '--outdir', './src/lib/paraglide', '--silent'], { cwd: root, stdio: 'inherit' });
process.env.WYMIANA_ARGON2_FAST ??= '1';
process.env.LOG_LEVEL ??= 'silent';

const only = process.argv.slice(2);
const benches = readdirSync(here).filter((d) => statSync(join(here, d)).isDirectory() && (only.length === 0 || only.includes(d)));
const rows: BenchRow[] = [];
for (const bench of benches.sort()) {
	process.stdout.write(`running ${bench}…\n`);
	const mod = (await import(pathToFileURL(join(here, bench, 'index.ts')).href)) as { run(): Promise<BenchRow[]> };
	rows.push(...(await mod.run()));
}
process.stdout.write('\n');
printTable(rows);
