/**
 * The engines a frame goes through, in order. The order and the fallback rules are measured, not
 * guessed: `npm run bench` (tests/bench/scan) runs every engine over the 191 ZXing blackbox images.
 */
import type { CodeKind } from '../domain/codes';
import { isOfKind, KIND_FORMATS, LINEAR_FORMATS, NOTHING, pickForKind, type KindDecode } from './kinds';
import { cropLuminance, dominantAngle, straighten } from './tilt';
import { downscaleLuminance, toGreyImage } from './image';
import type { DecodeWant, EngineName, ScanEngine, ScanFormat, ScanImage, ScanResult } from './types';

export interface ChainStep {
	name: EngineName;
	/**
	 * 'on-miss': tried whenever the engines before it found nothing.
	 * 'standby': tried only when no engine before it works at all (failed to load or crashed).
	 */
	use: 'on-miss' | 'standby';
}

/**
 * Measured in Node 20 on a shared 2-core VM (tests/bench/scan, ZXing blackbox, 191 images; two
 * runs on 23 Nov 2026, figures vary ±20 % with the machine's load):
 * - zxing-wasm, quick pass then thorough pass on a miss: 185/191 correct, 1.1–1.2 ms an image;
 *   quick pass alone 177/191 at ~0.9 ms, thorough alone 185/191 at ~2.4 ms;
 * - @zxing/library (TRY_HARDER, PURE_BARCODE first): 167/191 at ~33 ms an image (the chain is
 *   ~23× faster); with TRY_HARDER only 165/191 at ~14 ms (~10×); without TRY_HARDER 161/191 at
 *   ~5 ms;
 * - @zxing/library after every zxing-wasm miss read none of the 6 images zxing-wasm missed and
 *   made each miss ~3× dearer (4.5 ms an image; 215 ms instead of ~15 ms for a frame with no
 *   code, which is most frames while the fitter aims), so it is only a stand-by for devices where
 *   WebAssembly cannot run (blocked by policy, iOS Lockdown Mode) or the .wasm did not load.
 * The native BarcodeDetector (not in Node, so not in the benchmark) comes first where the
 * platform has one: it is the platform's own decoder (ML Kit on Android, Vision on Apple) and
 * costs no WebAssembly time; zxing-wasm still reads what it misses.
 */
export const ENGINE_CHAIN: readonly ChainStep[] = [
	{ name: 'native', use: 'on-miss' },
	{ name: 'zxing-wasm', use: 'on-miss' },
	{ name: 'zxing-library', use: 'standby' }
];

export interface ChainResult extends ScanResult {
	engine: EngineName;
}

/** The quick and thorough passes run on the crop scaled to this longest side (the native size only for fine bars). */
export const DECODE_SIDE = 960;

/** The tilt pass runs only for a clear direction this far from level (smaller tilts read as they are). */
export const TILT_MIN_DEGREES = 6;
/** ...and only when that direction carries this share of the crop's gradient (bars, not clutter). */
export const TILT_MIN_STRENGTH = 0.08;

export interface DecoderChain {
	decode(image: ScanImage): Promise<ChainResult | null>;
	/**
	 * The code of the asked kind in the frame: every code found is weighed, not just the first, and
	 * on a miss a tilted 1D code is straightened and tried again. `image` is the crop at the decode
	 * size (scaled down to DECODE_SIDE by the page's canvas; scaled here when larger); `native`, the
	 * same crop at the camera's own resolution, is tried on a miss when it is larger.
	 */
	decodeFor(image: ScanImage, kind: CodeKind, native?: ScanImage): Promise<KindDecode>;
	/** Engines that work (not yet broken), in chain order. */
	working(): EngineName[];
}

/**
 * A chain over the engines this device has. Engines missing from `engines` (no BarcodeDetector)
 * are skipped; an engine that throws is marked broken and skipped from then on, so a stand-by
 * takes over.
 */
export function createDecoderChain(
	engines: Partial<Record<EngineName, ScanEngine>>,
	steps: readonly ChainStep[] = ENGINE_CHAIN,
	onEngineError: (name: EngineName, err: unknown) => void = () => {}
): DecoderChain {
	const broken = new Set<EngineName>();
	const usable = (name: EngineName) => !!engines[name] && !broken.has(name);
	/** Engines in order as `decode` runs them; `attempt` answers null for "nothing here". */
	async function run<T>(attempt: (engine: ScanEngine, name: EngineName) => Promise<T | null>): Promise<T | null> {
		let anyWorked = false;
		for (const step of steps) {
			const engine = engines[step.name];
			if (!engine || broken.has(step.name)) continue;
			if (step.use === 'standby' && anyWorked) continue;
			try {
				const result = await attempt(engine, step.name);
				anyWorked = true;
				if (result !== null) return result;
			} catch (err) {
				broken.add(step.name);
				onEngineError(step.name, err);
			}
		}
		return null;
	}

	async function readKind(image: ScanImage, kind: CodeKind, formats: readonly ScanFormat[], passes: DecodeWant['passes']): Promise<{ decoded: KindDecode; seen: boolean }> {
		let wrong: KindDecode = NOTHING;
		let seen = false;
		const read = await run(async (engine, name) => {
			const results = await engine.decodeAll(image, { formats, passes, enough: (r) => isOfKind(kind, r) });
			if (results.length > 0) seen = true;
			const picked = pickForKind(kind, results, name);
			if (picked.read) return picked;
			if (wrong.wrongKind === null) wrong = picked;
			return null;
		});
		return { decoded: read ?? wrong, seen };
	}

	return {
		working: () => steps.map((s) => s.name).filter(usable),
		async decodeFor(image, kind, native = image) {
			const formats = KIND_FORMATS[kind];
			// Grey once a frame (the page's canvas gives RGBA): every pass and the tilt estimate read it.
			const small = downscaleLuminance(image, DECODE_SIDE);
			let seen = false;
			let wrong: KindDecode = NOTHING;
			const attempt = async (img: ScanImage, fmts: readonly ScanFormat[], passes: DecodeWant['passes']) => {
				const r = await readKind(img, kind, fmts, passes);
				seen ||= r.seen;
				if (!r.decoded.read && wrong.wrongKind === null) wrong = r.decoded;
				return r.decoded.read ? r.decoded : null;
			};
			// 1. The quick pass on the crop at the usual decode size: most frames end here.
			const quick = await attempt(small, formats, 'quick');
			if (quick) return quick;
			// 2. Nothing read at all and the gradient has a clear slant: a tilted 1D code, straightened.
			const linear = formats.filter((f) => LINEAR_FORMATS.has(f));
			if (!seen && linear.length > 0) {
				const tilt = dominantAngle(small);
				if (Math.abs(tilt.degrees) >= TILT_MIN_DEGREES && tilt.strength >= TILT_MIN_STRENGTH) {
					// Only the bars' part of the crop is turned: a fraction of the pixels.
					const straight = await attempt(straighten(cropLuminance(small, tilt.region), -tilt.degrees), linear, 'all');
					if (straight) return straight;
				}
			}
			// 3. Fine bars (~1.6 px a bar) do not survive the downscale: the quick pass at native size.
			if (native.width > small.width) {
				const fine = await attempt(toGreyImage(native), formats, 'quick');
				if (fine) return fine;
			}
			// 4. The engines' slower passes (every row, local thresholds, turned codes).
			return (await attempt(small, formats, 'thorough')) ?? wrong;
		},
		async decode(image) {
			return run(async (engine, name) => {
				const result = await engine.decode(image);
				return result ? { ...result, engine: name } : null;
			});
		}
	};
}
