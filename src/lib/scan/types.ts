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

export interface ScanEngine {
	readonly name: EngineName;
	/** The first code found in the image, or null. Throws only when the engine itself is broken. */
	decode(image: ScanImage): Promise<ScanResult | null>;
}
