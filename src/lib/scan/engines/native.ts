/**
 * The platform's own BarcodeDetector (Shape Detection API: Chrome on Android and macOS, Safari
 * 17+ behind a flag). Uses the phone's hardware-tuned decoder, so it comes first where present.
 * The constructor is passed in, so tests give it a fake and the worker gives it the global.
 */
import { toRgba } from '../image';
import type { DecodeWant, ScanEngine, ScanFormat, ScanImage, ScanResult } from '../types';

/** The part of the Shape Detection API used here (not yet in TypeScript's DOM types). */
export interface DetectedBarcodeLike {
	rawValue: string;
	format: string;
}
export interface BarcodeDetectorLike {
	detect(image: ImageData): Promise<DetectedBarcodeLike[]>;
}
export interface BarcodeDetectorConstructorLike {
	new (options?: { formats: string[] }): BarcodeDetectorLike;
	getSupportedFormats(): Promise<string[]>;
}

const FORMATS: Record<string, ScanFormat> = {
	code_128: 'CODE_128',
	data_matrix: 'DATA_MATRIX',
	qr_code: 'QR_CODE',
	ean_13: 'EAN_13',
	ean_8: 'EAN_8',
	code_39: 'CODE_39'
};

/** The global BarcodeDetector, if this browser (or worker) has one. */
export function globalBarcodeDetector(): BarcodeDetectorConstructorLike | null {
	const ctor = (globalThis as { BarcodeDetector?: BarcodeDetectorConstructorLike }).BarcodeDetector;
	return typeof ctor === 'function' ? ctor : null;
}

/**
 * A native engine, or null when the platform has no detector or it supports none of our formats
 * (desktop Linux Chrome exposes the class but supports nothing).
 */
export async function createNativeEngine(
	Detector: BarcodeDetectorConstructorLike | null = globalBarcodeDetector(),
	makeImageData: (data: Uint8ClampedArray, width: number, height: number) => ImageData = (d, w, h) => new ImageData(d as Uint8ClampedArray<ArrayBuffer>, w, h)
): Promise<ScanEngine | null> {
	if (!Detector) return null;
	let supported: string[];
	try {
		supported = (await Detector.getSupportedFormats()).filter((f) => f in FORMATS);
	} catch {
		return null;
	}
	if (supported.length === 0) return null;
	const detector = new Detector({ formats: supported });
	const detectAll = async (image: ScanImage): Promise<ScanResult[]> => {
		const found = await detector.detect(makeImageData(toRgba(image), image.width, image.height));
		const out: ScanResult[] = [];
		for (const code of found) {
			const format = FORMATS[code.format];
			if (format && code.rawValue) out.push({ text: code.rawValue, format });
		}
		return out;
	};
	return {
		name: 'native',
		async decode(image: ScanImage): Promise<ScanResult | null> {
			return (await detectAll(image))[0] ?? null;
		},
		// The platform detector reports every code in the image at once; the wanted formats filter it.
		async decodeAll(image: ScanImage, want: DecodeWant = {}): Promise<ScanResult[]> {
			if (want.passes === 'thorough') return [];
			const all = await detectAll(image);
			return want.formats ? all.filter((r) => want.formats!.includes(r.format)) : all;
		}
	};
}
