/**
 * Meter-label frames (tests/support/meter-label.ts): per degradation class and overall, how many
 * frames each reader answers with the asked code (correct), with a value the step would accept
 * but that is not the asked code (WRONG: a misread, or the serial taken for the PPE's place), and
 * milliseconds per frame. Every reader gets the crop under the aiming frame as the page grabs it:
 * RGBA pixels (ImageData from the canvas), made outside the timing, so each reader's own grey
 * conversion is timed. A frame's time is the faster of SCAN_LABEL_RUNS (2) runs for every reader,
 * as in the blackbox set: the machine is shared, and a pause of the other work is not the reader's.
 * After a warm-up on one frame of each class (the app's worker decodes frame after frame, warm).
 *
 * - chain (app): the app's chain, kind-aware (src/lib/scan/chain.ts `decodeFor`), given the crop
 *   scaled to 960 px and the native crop, as the page sends them;
 * - chain before #18: the previous chain (first code found, crop scaled to 960 px);
 * - zxing-wasm defaults: readBarcodes with its default options on the native crop, first code;
 *   "… on 960 px": the same on the scaled crop, so the time goal is checked against the faster;
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
import type { DecodeWant, ScanEngine, ScanImage } from '../../../src/lib/scan/types';
import { addNoise, nodeZxingWasm } from '../../support/barcodes';
import { cropFrame, DEGRADATIONS, FRAME_HEIGHT, FRAME_WIDTH, meterLabelSet, type LabelFrame } from '../../support/meter-label';
import type { BenchRow } from '../report';

interface Reader {
	label: string;
	/** The value the scan step would take from this frame, or null. */
	answer(frame: LabelFrame, crops: Crops): Promise<string | null>;
}

interface Crops {
	/** The crop at its native size (1024 × 403 for a 720p frame), RGBA. */
	native: ScanImage;
	/** Scaled to 960 px, as the page's canvas scales it (outside the decoder's time, as in the app), RGBA. */
	scaled: ScanImage;
	/** The next camera frame of the same label (fresh sensor noise), native size, RGBA: for two-frame agreement. */
	next: ScanImage;
}

interface Tally {
	frames: number;
	correct: number;
	wrong: number;
	ms: number;
}

const CHAIN = 'chain (app)';
const WASM_DEFAULTS = 'zxing-wasm defaults';
const WASM_DEFAULTS_960 = 'zxing-wasm defaults on 960 px';
const GOAL_TWO_CODES = 0.95;
const GOAL_TILTED = 0.8;
const GOAL_CORRECT_RATIO = 1.15;
const GOAL_TIME_RATIO = 0.25;

/** The app chain's decoder calls, by pass (the native-size quick pass apart), over the counted frames. */
const chainCalls = new Map<string, number>();

/** zxing-wasm as the app chain has it, counting its calls. */
function counted(engine: ScanEngine, scaledWidth: number): ScanEngine {
	return {
		name: engine.name,
		decode: (image) => engine.decode(image),
		decodeAll(image: ScanImage, want?: DecodeWant) {
			const pass = `${want?.passes ?? 'all'}${image.width > scaledWidth ? ' (native size)' : want?.passes === 'all' ? ' (straightened)' : ''}`;
			chainCalls.set(pass, (chainCalls.get(pass) ?? 0) + 1);
			return engine.decodeAll(image, want);
		}
	};
}

function readers(scaledWidth: number): Reader[] {
	const wasmSource = nodeZxingWasm();
	const wasm = createZxingWasmEngine(wasmSource);
	const app = createDecoderChain({ 'zxing-wasm': counted(wasm, scaledWidth), 'zxing-library': createZxingLibraryEngine() });
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
		...([[WASM_DEFAULTS, 'native'], [WASM_DEFAULTS_960, 'scaled']] as const).map(([label, crop]) => ({
			label,
			answer: async (f: LabelFrame, c: Crops) => {
				await wasm.ready();
				const [first] = await readBarcodes(c[crop] as ImageData);
				return accepted(f, first?.isValid ? first.text : null);
			}
		})),
		{ label: '@zxing/library TRY_HARDER', answer: async (f, c) => accepted(f, (await tryHarder.decode(c.native))?.text) },
		{
			label: 'library stand-by (app, 2 frames)',
			answer: async (f, c) => {
				const agreement = new FrameAgreement();
				for (const image of [c.native, c.next]) {
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
	const roi = roiInVideo(FRAME_WIDTH, FRAME_HEIGHT, FRAME_WIDTH, FRAME_HEIGHT);
	const scaled = scaledSize(roi);
	const native = scaledSize(roi, NATIVE_MAX_SIDE);
	const rs = readers(scaled.width);
	const runs = Math.max(1, Number(process.env.SCAN_LABEL_RUNS ?? 2));
	// As the page's canvas gives them: RGBA.
	const rgba = (image: ScanImage): ScanImage => ({ data: toRgba(image), width: image.width, height: image.height });
	const crops = (f: LabelFrame): Crops => {
		const nativeCrop = cropFrame(f.frame, roi, native);
		return { native: rgba(nativeCrop), scaled: rgba(cropFrame(f.frame, roi, scaled)), next: rgba(addNoise(nativeCrop, 6, f.spec.seed)) };
	};
	const tallies = new Map<string, Map<string, Tally>>();
	const tally = (reader: string, cls: string) => {
		let byClass = tallies.get(reader);
		if (!byClass) tallies.set(reader, (byClass = new Map()));
		let t = byClass.get(cls);
		if (!t) byClass.set(cls, (t = { frames: 0, correct: 0, wrong: 0, ms: 0 }));
		return t;
	};
	const wrongOnes: string[] = [];

	// Warm-up (JIT, WebAssembly instantiation and tier-up), one frame of each class, not counted.
	for (const cls of DEGRADATIONS) {
		const f = frames.find((x) => x.degradation === cls);
		if (!f) continue;
		const warm = crops(f);
		for (const r of rs) await r.answer(f, warm);
	}
	chainCalls.clear();

	let n = 0;
	for (const frame of frames) {
		const c = crops(frame);
		n++;
		for (let k = 0; k < rs.length; k++) {
			// A different reader goes first for each frame: the first to touch fresh pixels pays for it.
			const r = rs[(k + n) % rs.length]!;
			let ms = Infinity;
			let value: string | null = null;
			for (let run = 0; run < runs; run++) {
				const t0 = performance.now();
				value = await r.answer(frame, c);
				ms = Math.min(ms, performance.now() - t0);
			}
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
	process.stdout.write(`  wrong values: ${wrongOnes.length === 0 ? 'none' : '\n    ' + wrongOnes.join('\n    ')}\n`);
	const calls = [...chainCalls.values()].reduce((a, b) => a + b, 0) / runs;
	process.stdout.write(`  chain (app), zxing-wasm calls over ${frames.length} frames: ${[...chainCalls].map(([pass, k]) => `${pass} ${k / runs}`).join(', ')} (${(calls / frames.length).toFixed(2)} a frame)\n\n`);

	const get = (reader: string, cls: string) => tallies.get(reader)!.get(cls)!;
	const chain = get(CHAIN, 'TOTAL');
	const base = get(WASM_DEFAULTS, 'TOTAL');
	const two = get(CHAIN, 'two-codes');
	const tilted = get(CHAIN, 'tilted');
	const out: BenchRow[] = [
		{ bench: 'scan', case: 'labels: chain correct', value: chain.correct, unit: `of ${chain.frames}`, baseline: { label: WASM_DEFAULTS, value: base.correct }, goal: `≥ ${GOAL_CORRECT_RATIO}× baseline` },
		{ bench: 'scan', case: 'labels: chain wrong values accepted', value: chain.wrong, unit: 'frames', goal: '0' },
		{ bench: 'scan', case: 'labels: chain ms per frame', value: chain.ms / chain.frames, unit: 'ms', baseline: { label: WASM_DEFAULTS, value: base.ms / base.frames }, goal: `≤ ${GOAL_TIME_RATIO}× baseline` },
		{ bench: 'scan', case: 'labels: chain ms per frame', value: chain.ms / chain.frames, unit: 'ms', baseline: { label: WASM_DEFAULTS_960, value: get(WASM_DEFAULTS_960, 'TOTAL').ms / chain.frames }, goal: `≤ ${GOAL_TIME_RATIO}× baseline` },
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
