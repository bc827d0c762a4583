/**
 * ZXing-C++ compiled to WebAssembly (zxing-wasm, reader build). The .wasm file is never fetched
 * from the package's default CDN: the caller passes either its URL on our own origin (the worker
 * imports it with Vite's `?url`, and the service worker precaches it) or its bytes (Node: tests,
 * benchmark).
 */
import { prepareZXingModule, readBarcodes, type ReaderOptions, type ReadInputBarcodeFormat } from 'zxing-wasm/reader';
import { toLuminance } from '../image';
import type { DecodeWant, ScanEngine, ScanFormat, ScanImage, ScanResult } from '../types';

export type WasmSource = { url: string } | { binary: ArrayBuffer | Uint8Array };

const FORMATS: Record<string, ScanFormat> = {
	Code128: 'CODE_128',
	DataMatrix: 'DATA_MATRIX',
	QRCode: 'QR_CODE',
	QRCodeModel2: 'QR_CODE',
	EAN13: 'EAN_13',
	EAN8: 'EAN_8',
	Code39: 'CODE_39',
	Code39Std: 'CODE_39',
	Code39Ext: 'CODE_39'
};
const READ_FORMATS: ReadInputBarcodeFormat[] = ['Code128', 'DataMatrix', 'QRCode', 'EAN13', 'EAN8', 'Code39'];
const TO_READ: Record<ScanFormat, ReadInputBarcodeFormat> = {
	CODE_128: 'Code128',
	DATA_MATRIX: 'DataMatrix',
	QR_CODE: 'QRCode',
	EAN_13: 'EAN13',
	EAN_8: 'EAN8',
	CODE_39: 'Code39'
};
/** A meter nameplate carries two or three codes (serial, PPE, a DataMatrix); a few more is plenty. */
const MAX_SYMBOLS_ALL = 6;
/**
 * The quick pass stops at two codes, the serial and the PPE of a nameplate: zxing-cpp runs its 1D
 * reader first and skips the DataMatrix and QR detectors once it has that many, which halves the
 * quick pass on the usual label (README, scanner section). A third code is still found by the
 * thorough pass when the asked one was not among the two.
 */
const NAMEPLATE_CODES = 2;

const BASE_OPTIONS: ReaderOptions = {
	formats: READ_FORMATS,
	tryRotate: true,
	tryInvert: true,
	tryDownscale: true,
	maxNumberOfSymbols: 1,
	// Raw text (control characters kept, not escaped as "<GS>"): normalizeCode strips them.
	textMode: 'Plain'
};

/**
 * Two passes, as measured by tests/bench/scan on the 191 ZXing blackbox images: a quick one
 * (tryHarder off) reads 177 at ~0.9 ms an image; the thorough one (tryHarder with denoising,
 * which alone adds qrcode-2/28) reads 185 at ~2.4 ms. Quick first, thorough only on a miss:
 * 185 at ~1.2 ms.
 */
export const ZXING_WASM_PASSES: readonly ReaderOptions[] = [
	{ ...BASE_OPTIONS, tryHarder: false },
	{ ...BASE_OPTIONS, tryHarder: true, tryDenoise: true }
];

/**
 * The passes for a scan step's camera crop (decodeAll), measured on the meter-label frames of
 * tests/bench/scan (README, scanner section). Labels are dark on light, so neither pass searches
 * inverted codes, and neither searches turned or downscaled copies: the chain's tilt pass turns a
 * slanted or sideways label upright itself, and on the 156 frames the turned and downscaled copies
 * read nothing more at twice the time. The quick pass thresholds each row with one global
 * histogram (no local-average image of the whole crop: half the time, the same 95 frames read);
 * the thorough pass on a miss reads every row with local thresholds (uneven light, dim cabinets).
 */
export const ZXING_WASM_KIND_PASSES: readonly ReaderOptions[] = [
	{ ...BASE_OPTIONS, tryHarder: false, tryRotate: false, tryInvert: false, tryDownscale: false, binarizer: 'GlobalHistogram', maxNumberOfSymbols: NAMEPLATE_CODES },
	{ ...BASE_OPTIONS, tryHarder: true, tryRotate: false, tryInvert: false, tryDownscale: false, maxNumberOfSymbols: MAX_SYMBOLS_ALL }
];

/**
 * A grey image as a binary PGM file, which zxing-wasm reads as an image file: its ImageData path
 * converts RGBA to grey in a JavaScript loop over every pixel, and the grey crop the chain already
 * has would first have to be spread out to RGBA for it. One copy instead of two conversions.
 */
export function greyFile(image: ScanImage): Uint8Array {
	const grey = toLuminance(image);
	const header = new TextEncoder().encode(`P5\n${image.width} ${image.height}\n255\n`);
	const file = new Uint8Array(header.length + grey.length);
	file.set(header);
	file.set(grey, header.length);
	return file;
}

let prepared: Promise<unknown> | null = null;
let preparedFor: WasmSource | null = null;

function prepare(source: WasmSource): Promise<unknown> {
	if (prepared && preparedFor === source) return prepared;
	preparedFor = source;
	const overrides =
		'url' in source
			? { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? source.url : prefix + path) }
			: { wasmBinary: source.binary instanceof Uint8Array ? source.binary.slice().buffer : source.binary };
	prepared = prepareZXingModule({ overrides, fireImmediately: true });
	// A failed load (offline before the precache, a corrupt file) can be retried on the next frame.
	prepared.catch(() => {
		prepared = null;
		preparedFor = null;
	});
	return prepared;
}

export function createZxingWasmEngine(
	source: WasmSource,
	passes: readonly ReaderOptions[] = ZXING_WASM_PASSES,
	kindPasses: readonly ReaderOptions[] = ZXING_WASM_KIND_PASSES
): ScanEngine & { ready(): Promise<void> } {
	return {
		name: 'zxing-wasm',
		async ready() {
			await prepare(source);
		},
		async decode(image: ScanImage): Promise<ScanResult | null> {
			await prepare(source);
			const pixels = greyFile(image);
			for (const options of passes) {
				for (const r of await readBarcodes(pixels, options)) {
					const format = FORMATS[r.format];
					if (r.isValid && format) return { text: r.text, format };
				}
			}
			return null;
		},
		async decodeAll(image: ScanImage, want: DecodeWant = {}): Promise<ScanResult[]> {
			await prepare(source);
			const pixels = greyFile(image);
			const formats = want.formats ? want.formats.map((f) => TO_READ[f]) : READ_FORMATS;
			const found: ScanResult[] = [];
			const which = want.passes ?? 'all';
			const selected = which === 'quick' ? kindPasses.slice(0, 1) : which === 'thorough' ? kindPasses.slice(1) : kindPasses;
			for (const options of selected) {
				for (const r of await readBarcodes(pixels, { ...options, formats })) {
					const format = FORMATS[r.format];
					if (r.isValid && format && !found.some((f) => f.text === r.text && f.format === format)) found.push({ text: r.text, format });
				}
				if (found.some((f) => (want.enough ? want.enough(f) : true))) break;
			}
			return found;
		}
	};
}
