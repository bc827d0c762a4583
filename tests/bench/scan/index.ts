/**
 * Barcode decoding: every engine that runs in Node over the ZXing blackbox images
 * (../shared/testdata/zxing-blackbox, see its EXPECTED.md), side by side, per folder and in total:
 * images decoded correctly (format and exact text, CRLF as in the .txt) and milliseconds an
 * image. Then the decoder chain the app uses (src/lib/scan/chain.ts) and its speed against
 * @zxing/library alone, measured in the same run. A second set, camera frames with no code in
 * them, shows what a miss costs, which is most frames while the fitter aims.
 *
 * Timing is of decoding only: every image is read from PNG once, then handed to each engine as
 * RGBA pixels, as the camera gives them.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDecoderChain, ENGINE_CHAIN, type ChainStep } from '../../../src/lib/scan/chain';
import { createZxingLibraryEngine } from '../../../src/lib/scan/engines/zxing-library';
import { createZxingWasmEngine, ZXING_WASM_PASSES } from '../../../src/lib/scan/engines/zxing-wasm';
import type { ScanImage, ScanResult } from '../../../src/lib/scan/types';
import { addNoise, nodeZxingWasm, pngToImage } from '../../support/barcodes';
import type { BenchRow } from '../report';
import { runLabels } from './labels';

const ROOT = resolve(import.meta.dirname, '../../..');
export const BLACKBOX = resolve(ROOT, '../shared/testdata/zxing-blackbox');
const GOAL_CORRECT = 181;
const GOAL_SPEEDUP = 10;

interface Candidate {
	label: string;
	decode(image: ScanImage): Promise<ScanResult | null>;
}

interface Tally {
	correct: number;
	ms: number;
	images: number;
	misses: string[];
}

function candidates(): Candidate[] {
	const wasm = nodeZxingWasm();
	// The library alone as ZXing's harness runs it (TRY_HARDER, PURE_BARCODE first), upright images.
	const library = createZxingLibraryEngine({ tryHarder: true, pure: true });
	const wasmDefault = createZxingWasmEngine(wasm);
	const chainWith = (steps: readonly ChainStep[]) => createDecoderChain({ 'zxing-wasm': wasmDefault, 'zxing-library': library }, steps);
	const libraryOnMiss = ENGINE_CHAIN.map((s) => (s.name === 'zxing-library' ? { ...s, use: 'on-miss' as const } : s));
	return [
		{ label: 'zxing-wasm quick', decode: createZxingWasmEngine(wasm, [ZXING_WASM_PASSES[0]!]).decode },
		{ label: 'zxing-wasm thorough', decode: createZxingWasmEngine(wasm, [ZXING_WASM_PASSES[1]!]).decode },
		{ label: 'zxing-wasm quick→thorough', decode: wasmDefault.decode },
		{ label: '@zxing/library', decode: library.decode },
		{ label: '@zxing/library no PURE', decode: createZxingLibraryEngine({ tryHarder: true, pure: false }).decode },
		{ label: '@zxing/library no TRY_HARDER', decode: createZxingLibraryEngine({ tryHarder: false, pure: true }).decode },
		{ label: 'chain (app default)', decode: chainWith(ENGINE_CHAIN).decode },
		{ label: 'chain, library on every miss', decode: chainWith(libraryOnMiss).decode }
	];
}

const BASELINE = '@zxing/library';
const CHAIN = 'chain (app default)';

function blackboxImages(): { folder: string; format: string; files: string[] }[] {
	const expected = JSON.parse(readFileSync(join(BLACKBOX, 'expected.json'), 'utf8')) as { folders: Record<string, { format: string }> };
	return Object.entries(expected.folders).map(([folder, { format }]) => ({
		folder,
		format,
		files: readdirSync(join(BLACKBOX, folder))
			.filter((f) => /\.(png|jpe?g|gif)$/i.test(f))
			.sort()
	}));
}

/** Frames a camera sees while the fitter aims: no code in them. */
function framesWithoutCode(): ScanImage[] {
	const frames: ScanImage[] = [];
	for (let i = 0; i < 12; i++) {
		const width = 640;
		const height = 360;
		const data = new Uint8ClampedArray(width * height);
		// A wall with a light gradient and a few hard edges (a meter cabinet), then sensor noise.
		for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = 90 + ((x + y * (i + 1)) % 120) * 0.5 + (x > 200 + i * 10 && x < 260 + i * 10 ? 80 : 0);
		frames.push(addNoise({ data, width, height }, 18, i + 1));
	}
	return frames;
}

/** The faster of two runs: the machine is shared, and a pause of the other work is not the engine's. */
async function timed(c: Candidate, image: ScanImage): Promise<{ result: ScanResult | null; ms: number }> {
	let best = Infinity;
	let result: ScanResult | null = null;
	for (let i = 0; i < 2; i++) {
		const start = performance.now();
		result = await c.decode(image);
		best = Math.min(best, performance.now() - start);
	}
	return { result, ms: best };
}

/** Both sets; SCAN_ONLY=labels or SCAN_ONLY=blackbox runs one of them. */
export async function run(): Promise<BenchRow[]> {
	const only = process.env.SCAN_ONLY;
	const rows = only === 'labels' ? [] : await runBlackbox();
	return only === 'blackbox' ? rows : [...rows, ...(await runLabels())];
}

async function runBlackbox(): Promise<BenchRow[]> {
	if (!existsSync(join(BLACKBOX, 'expected.json'))) {
		process.stdout.write(`  scan: ${BLACKBOX} not found; skipped\n`);
		return [];
	}
	const engines = candidates();
	const sets = blackboxImages();
	const total = new Map(engines.map((e) => [e.label, { correct: 0, ms: 0, images: 0, misses: [] } as Tally]));
	const perFolder: { folder: string; images: number; tallies: Map<string, Tally> }[] = [];

	// Warm-up (JIT, WebAssembly instantiation), not counted.
	const first = pngToImage(readFileSync(join(BLACKBOX, sets[0]!.folder, sets[0]!.files[0]!)));
	for (const e of engines) for (let i = 0; i < 3; i++) await e.decode(first);

	let imageNo = 0;
	for (const { folder, format, files } of sets) {
		const tallies = new Map(engines.map((e) => [e.label, { correct: 0, ms: 0, images: 0, misses: [] } as Tally]));
		for (const file of files) {
			const image = pngToImage(readFileSync(join(BLACKBOX, folder, file)));
			const text = readFileSync(join(BLACKBOX, folder, file.replace(/\.[^.]+$/, '.txt')), 'utf8');
			imageNo++;
			for (let k = 0; k < engines.length; k++) {
				// A different engine goes first for each image: the first to touch fresh pixels pays for it.
				const e = engines[(k + imageNo) % engines.length]!;
				const { result, ms } = await timed(e, image);
				const ok = result !== null && result.format === format && result.text === text;
				for (const t of [tallies.get(e.label)!, total.get(e.label)!]) {
					t.images++;
					t.ms += ms;
					if (ok) t.correct++;
					else t.misses.push(`${folder}/${file}`);
				}
			}
		}
		perFolder.push({ folder, images: files.length, tallies });
	}

	const noCode = framesWithoutCode();
	const missMs = new Map<string, number>();
	for (const e of engines) {
		let ms = 0;
		for (const frame of noCode) ms += (await timed(e, frame)).ms;
		missMs.set(e.label, ms / noCode.length);
	}

	// Engines side by side: "correct/images ms-per-image" per folder.
	const labels = engines.map((e) => e.label);
	const cell = (t: Tally) => `${t.correct}/${t.images} ${(t.ms / t.images).toFixed(1)}ms`;
	const rows: string[][] = [
		['folder', ...labels],
		...perFolder.map((f) => [f.folder, ...labels.map((l) => cell(f.tallies.get(l)!))]),
		['TOTAL', ...labels.map((l) => cell(total.get(l)!))],
		['no-code frame', ...labels.map((l) => `${missMs.get(l)!.toFixed(1)}ms`)]
	];
	const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
	process.stdout.write(`\n  ZXing blackbox (${total.get(BASELINE)!.images} images): correct/images and ms per image\n`);
	for (const r of rows) process.stdout.write(`  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
	for (const l of [CHAIN, BASELINE]) process.stdout.write(`  ${l} misses: ${total.get(l)!.misses.join(' ')}\n`);
	process.stdout.write('\n');

	const chain = total.get(CHAIN)!;
	const base = total.get(BASELINE)!;
	const msPer = (t: Tally) => t.ms / t.images;
	const out: BenchRow[] = [
		{
			bench: 'scan',
			case: 'chain: images decoded correctly',
			value: chain.correct,
			unit: `of ${chain.images}`,
			baseline: { label: BASELINE, value: base.correct },
			goal: `≥ ${GOAL_CORRECT}`
		},
		{
			bench: 'scan',
			case: 'chain: images per second',
			value: 1000 / msPer(chain),
			unit: 'img/s',
			baseline: { label: BASELINE, value: 1000 / msPer(base) },
			goal: `≥ ${GOAL_SPEEDUP}× baseline`
		},
		{
			bench: 'scan',
			case: 'chain: frames without a code per second',
			value: 1000 / missMs.get(CHAIN)!,
			unit: 'frame/s',
			baseline: { label: BASELINE, value: 1000 / missMs.get(BASELINE)! }
		}
	];
	for (const e of engines) {
		if (e.label === CHAIN) continue;
		const t = total.get(e.label)!;
		out.push({ bench: 'scan', case: `${e.label}: correct`, value: t.correct, unit: `of ${t.images}`, baseline: { label: CHAIN, value: chain.correct } });
		out.push({ bench: 'scan', case: `${e.label}: ms per image`, value: msPer(t), unit: 'ms', baseline: { label: CHAIN, value: msPer(chain) } });
	}
	return out;
}
