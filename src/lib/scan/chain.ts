/**
 * The engines a frame goes through, in order. The order and the fallback rules are measured, not
 * guessed: `npm run bench` (tests/bench/scan) runs every engine over the 191 ZXing blackbox images.
 */
import type { EngineName, ScanEngine, ScanImage, ScanResult } from './types';

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

export interface DecoderChain {
	decode(image: ScanImage): Promise<ChainResult | null>;
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
	return {
		working: () => steps.map((s) => s.name).filter(usable),
		async decode(image) {
			let anyWorked = false;
			for (const step of steps) {
				const engine = engines[step.name];
				if (!engine || broken.has(step.name)) continue;
				if (step.use === 'standby' && anyWorked) continue;
				try {
					const result = await engine.decode(image);
					anyWorked = true;
					if (result) return { ...result, engine: step.name };
				} catch (err) {
					broken.add(step.name);
					onEngineError(step.name, err);
				}
			}
			return null;
		}
	};
}
