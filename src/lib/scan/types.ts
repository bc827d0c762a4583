/**
 * What every decoder engine takes and gives back. Pure types: used in the page, the decoder
 * worker, the tests and the benchmark (Node).
 */

/**
 * Pixels as the camera or an image file gives them: ImageData-like RGBA (4 bytes a pixel) or
 * 8-bit luminance (1 byte a pixel), told apart by the length of `data`.
 */
export interface ScanImage {
	data: Uint8ClampedArray | Uint8Array;
	width: number;
	height: number;
}

/** The symbologies the fitter's labels use; names as ZXing spells them. */
export const SCAN_FORMATS = ['CODE_128', 'DATA_MATRIX', 'QR_CODE', 'EAN_13', 'EAN_8', 'CODE_39'] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];

export interface ScanResult {
	text: string;
	format: ScanFormat;
}

export type EngineName = 'native' | 'zxing-wasm' | 'zxing-library';

/** What a caller wants from one image: which symbologies, and when a pass has found enough. */
export interface DecodeWant {
	/** Read only these symbologies (all of SCAN_FORMATS when absent). */
	formats?: readonly ScanFormat[];
	/**
	 * A code the caller can use; an engine with several passes stops after the first pass that
	 * found one, and otherwise tries its next (slower) pass. All codes found are returned.
	 */
	enough?: (result: ScanResult) => boolean;
	/**
	 * 'quick': the engine's first, cheap pass only; 'thorough': only the passes after it (the
	 * caller ran the quick one already); 'all' (default): quick, then the others on a miss.
	 */
	passes?: 'quick' | 'thorough' | 'all';
}

export interface ScanEngine {
	readonly name: EngineName;
	/** The first code found in the image, or null. Throws only when the engine itself is broken. */
	decode(image: ScanImage): Promise<ScanResult | null>;
	/** Every code found in the image (of the wanted symbologies). Throws only when the engine is broken. */
	decodeAll(image: ScanImage, want?: DecodeWant): Promise<ScanResult[]>;
}
