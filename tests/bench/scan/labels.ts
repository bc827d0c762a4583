/**
 * Meter-label frames (tests/support/meter-label.ts): per degradation class and overall, how many
 * frames each reader answers with the asked code (correct), with a value the step would accept
 * but that is not the asked code (WRONG: a misread, or the serial taken for the PPE's place), and
 * milliseconds per frame. Every reader gets the crop under the aiming frame, as the page grabs it.
 *
 * - chain (app): the app's chain, kind-aware (src/lib/scan/chain.ts `decodeFor`), given the crop
 *   scaled to 960 px and the native crop, as the page sends them;
 * - chain before #18: the previous chain (first code found, crop scaled to 960 px);
 * - zxing-wasm defaults: readBarcodes with its default options on the native crop, first code;
 * - @zxing/library TRY_HARDER: MultiFormatReader with TRY_HARDER on the native crop, first code;
 * - library stand-by (app, 2 frames): what the app does where WebAssembly cannot run: the library
 *   asked for the kind's symbologies, accepted only when a second frame (same label, fresh sensor
 *   noise) agrees.
 * "Answered" values are what the scan step would take: a code that fails the kind's check is
 * refused by the step, so it counts as neither correct nor wrong.
 */
import { readBarcodes } from 'zxing-wasm/reader';
import { checkCode } from '../../../src/lib/domain/codes';
import { createDecoderChain } from '../../../src/lib/scan/chain';
import { createZxingLibraryEngine } from '../../../src/lib/scan/engines/zxing-library';
import { createZxingWasmEngine } from '../../../src/lib/scan/engines/zxing-wasm';
import { toRgba } from '../../../src/lib/scan/image';
import { FrameAgreement } from '../../../src/lib/scan/kinds';
import { NATIVE_MAX_SIDE, roiInVideo, scaledSize } from '../../../src/lib/scan/roi';
import type { ScanImage } from '../../../src/lib/scan/types';
import { addNoise, nodeZxingWasm } from '../../support/barcodes';
import { cropFrame, DEGRADATIONS, FRAME_HEIGHT, FRAME_WIDTH, meterLabelSet, type LabelFrame } from '../../support/meter-label';
import type { BenchRow } from '../report';

interface Reader {
	label: string;
	/** The value the scan step would take from this frame, or null. */
	answer(frame: LabelFrame, crops: Crops): Promise<string | null>;
}

interface Crops {
	/** The crop at its native size (1024 × 403 for a 720p frame). */
	native: ScanImage;
	/** Scaled to 960 px, as the page's canvas scales it (outside the decoder's time, as in the app). */
	scaled: ScanImage;
}

interface Tally {
	frames: number;
	correct: number;
	wrong: number;
	ms: number;
}

const CHAIN = 'chain (app)';
const WASM_DEFAULTS = 'zxing-wasm defaults';
const GOAL_TWO_CODES = 0.95;
const GOAL_TILTED = 0.8;
const GOAL_CORRECT_RATIO = 1.15;
const GOAL_TIME_RATIO = 0.25;

function readers(): Reader[] {
	const wasmSource = nodeZxingWasm();
	const wasm = createZxingWasmEngine(wasmSource);
	const app = createDecoderChain({ 'zxing-wasm': wasm, 'zxing-library': createZxingLibraryEngine() });
	const standby = createDecoderChain({ 'zxing-library': createZxingLibraryEngine() });
	const tryHarder = createZxingLibraryEngine({ tryHarder: true, pure: false, rotate90: false });
	const accepted = (frame: LabelFrame, text: string | undefined | null) => {
		if (!text) return null;
		const check = checkCode(frame.spec.ask, text);
		return check.ok ? check.value : null;
	};
	return [
		{ label: CHAIN, answer: async (f, c) => (await app.decodeFor(c.scaled, f.spec.ask, c.native)).read?.value ?? null },
		{ label: 'chain before #18', answer: async (f, c) => accepted(f, (await app.decode(c.scaled))?.text) },
		{
			label: WASM_DEFAULTS,
			answer: async (f, c) => {
				await wasm.ready();
				const [first] = await readBarcodes({ data: toRgba(c.native), width: c.native.width, height: c.native.height } as ImageData);
				return accepted(f, first?.isValid ? first.text : null);
			}
		},
		{ label: '@zxing/library TRY_HARDER', answer: async (f, c) => accepted(f, (await tryHarder.decode(c.native))?.text) },
		{
			label: 'library stand-by (app, 2 frames)',
			answer: async (f, c) => {
				const agreement = new FrameAgreement();
				for (const image of [c.native, addNoise(c.native, 6, f.spec.seed)]) {
					const { read } = await standby.decodeFor(image, f.spec.ask);
					if (!read) return null;
					if (agreement.offer(read)) return read.value;
				}
				return null;
			}
		}
	];
}

export async function runLabels(): Promise<BenchRow[]> {
	const started = performance.now();
	const frames = await meterLabelSet(Number(process.env.SCAN_LABELS_PER_STEP ?? 6));
	const generated = performance.now() - started;
	const rs = readers();
	const roi = roiInVideo(FRAME_WIDTH, FRAME_HEIGHT, FRAME_WIDTH, FRAME_HEIGHT);
	const scaled = scaledSize(roi);
	const native = scaledSize(roi, NATIVE_MAX_SIDE);
	const crops = (f: LabelFrame): Crops => ({ native: cropFrame(f.frame, roi, native), scaled: cropFrame(f.frame, roi, scaled) });
	const tallies = new Map<string, Map<string, Tally>>();
	const tally = (reader: string, cls: string) => {
		let byClass = tallies.get(reader);
		if (!byClass) tallies.set(reader, (byClass = new Map()));
		let t = byClass.get(cls);
		if (!t) byClass.set(cls, (t = { frames: 0, correct: 0, wrong: 0, ms: 0 }));
		return t;
	};
	const wrongOnes: string[] = [];

	// Warm-up (JIT, WebAssembly instantiation), not counted.
	const warm = crops(frames[0]!);
	for (const r of rs) await r.answer(frames[0]!, warm);

	let n = 0;
	for (const frame of frames) {
		const c = crops(frame);
		n++;
		for (let k = 0; k < rs.length; k++) {
			// A different reader goes first for each frame: the first to touch fresh pixels pays for it.
			const r = rs[(k + n) % rs.length]!;
			const t0 = performance.now();
			const value = await r.answer(frame, c);
			const ms = performance.now() - t0;
			for (const t of [tally(r.label, frame.degradation), tally(r.label, 'TOTAL'), ...(frame.degradation === 'tilted' ? [tally(r.label, `tilted ${frame.strength}°`)] : [])]) {
				t.frames++;
				t.ms += ms;
				if (value === frame.expected) t.correct++;
				else if (value !== null) t.wrong++;
			}
			if (value !== null && value !== frame.expected) wrongOnes.push(`${r.label}: ${frame.name} ${value} (asked ${frame.spec.ask} ${frame.expected})`);
		}
	}

	const classes = [...DEGRADATIONS, ...[15, 25, 35, 45].map((d) => `tilted ${d}°`), 'TOTAL'];
	const labels = rs.map((r) => r.label);
	const cell = (t: Tally | undefined) => (t ? `${t.correct}/${t.frames} W${t.wrong} ${(t.ms / t.frames).toFixed(1)}ms` : '—');
	const rows = [['class', ...labels], ...classes.map((c) => [c, ...labels.map((l) => cell(tallies.get(l)?.get(c)))])];
	const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
	process.stdout.write(`\n  Meter-label frames (${frames.length}, 1280×720, generated in ${(generated / 1000).toFixed(1)} s; crop ${native.width}×${native.height}, scaled ${scaled.width}×${scaled.height}): correct/frames, W = wrong values accepted, ms per frame\n`);
	for (const r of rows) process.stdout.write(`  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
	process.stdout.write(`  wrong values: ${wrongOnes.length === 0 ? 'none' : '\n    ' + wrongOnes.join('\n    ')}\n\n`);

	const get = (reader: string, cls: string) => tallies.get(reader)!.get(cls)!;
	const chain = get(CHAIN, 'TOTAL');
	const base = get(WASM_DEFAULTS, 'TOTAL');
	const two = get(CHAIN, 'two-codes');
	const tilted = get(CHAIN, 'tilted');
	const out: BenchRow[] = [
		{ bench: 'scan', case: 'labels: chain correct', value: chain.correct, unit: `of ${chain.frames}`, baseline: { label: WASM_DEFAULTS, value: base.correct }, goal: `≥ ${GOAL_CORRECT_RATIO}× baseline` },
		{ bench: 'scan', case: 'labels: chain wrong values accepted', value: chain.wrong, unit: 'frames', goal: '0' },
		{ bench: 'scan', case: 'labels: chain ms per frame', value: chain.ms / chain.frames, unit: 'ms', baseline: { label: WASM_DEFAULTS, value: base.ms / base.frames }, goal: `≤ ${GOAL_TIME_RATIO}× baseline` },
		{ bench: 'scan', case: 'labels: two codes, asked kind read', value: (100 * two.correct) / two.frames, unit: '%', goal: `≥ ${GOAL_TWO_CODES * 100} %` },
		{ bench: 'scan', case: 'labels: tilted 15–45° read', value: (100 * tilted.correct) / tilted.frames, unit: '%', goal: `≥ ${GOAL_TILTED * 100} %` }
	];
	for (const l of labels) {
		if (l === CHAIN) continue;
		const t = get(l, 'TOTAL');
		out.push({ bench: 'scan', case: `labels: ${l} correct`, value: t.correct, unit: `of ${t.frames}`, baseline: { label: CHAIN, value: chain.correct } });
		out.push({ bench: 'scan', case: `labels: ${l} wrong`, value: t.wrong, unit: 'frames' });
	}
	return out;
}
