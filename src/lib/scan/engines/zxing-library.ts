/**
 * @zxing/library, the pure-JavaScript port of ZXing: the slowest engine, kept as the last resort
 * (it runs wherever JavaScript runs, even where WebAssembly is blocked).
 */
import {
	BarcodeFormat,
	BinaryBitmap,
	DecodeHintType,
	HybridBinarizer,
	MultiFormatReader,
	NotFoundException,
	ChecksumException,
	FormatException,
	RGBLuminanceSource
} from '@zxing/library';
import { rotate90, toLuminance } from '../image';
import type { ScanEngine, ScanFormat, ScanImage, ScanResult } from '../types';

const FORMATS = new Map<BarcodeFormat, ScanFormat>([
	[BarcodeFormat.CODE_128, 'CODE_128'],
	[BarcodeFormat.DATA_MATRIX, 'DATA_MATRIX'],
	[BarcodeFormat.QR_CODE, 'QR_CODE'],
	[BarcodeFormat.EAN_13, 'EAN_13'],
	[BarcodeFormat.EAN_8, 'EAN_8'],
	[BarcodeFormat.CODE_39, 'CODE_39']
]);

export interface ZxingLibraryOptions {
	tryHarder?: boolean;
	/** Also try the image as one perfectly aligned code (generated images, close-up labels). */
	pure?: boolean;
	/**
	 * On a miss, try again turned by 90°: its 1D readers do not look for vertical bars (a meter
	 * label held sideways), unlike zxing-wasm's tryRotate.
	 */
	rotate90?: boolean;
}

/** As the app uses it: a stand-by that should read whatever it is given. */
export const ZXING_LIBRARY_STANDBY: ZxingLibraryOptions = { tryHarder: true, pure: true, rotate90: true };

function reader(tryHarder: boolean, pure: boolean): MultiFormatReader {
	const hints = new Map<DecodeHintType, unknown>();
	hints.set(DecodeHintType.POSSIBLE_FORMATS, [...FORMATS.keys()]);
	if (tryHarder) hints.set(DecodeHintType.TRY_HARDER, true);
	if (pure) hints.set(DecodeHintType.PURE_BARCODE, true);
	const r = new MultiFormatReader();
	r.setHints(hints);
	return r;
}

function isMiss(err: unknown): boolean {
	return err instanceof NotFoundException || err instanceof ChecksumException || err instanceof FormatException;
}

export function createZxingLibraryEngine(options: ZxingLibraryOptions = ZXING_LIBRARY_STANDBY): ScanEngine {
	const normal = reader(options.tryHarder ?? true, false);
	const pure = options.pure ? reader(options.tryHarder ?? true, true) : null;
	return {
		name: 'zxing-library',
		async decode(image: ScanImage): Promise<ScanResult | null> {
			const grey = { data: toLuminance(image), width: image.width, height: image.height };
			return read(grey) ?? (options.rotate90 ? read(rotate90(grey, 1)) : null);
		}
	};

	function read(image: ScanImage): ScanResult | null {
		// As ZXing's own blackbox harness: the pure-barcode reading first, then the search.
		for (const r of pure ? [pure, normal] : [normal]) {
			const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(toLuminance(image), image.width, image.height)));
			try {
				const result = r.decodeWithState(bitmap);
				const format = FORMATS.get(result.getBarcodeFormat());
				if (format) return { text: result.getText(), format };
			} catch (err) {
				if (!isMiss(err)) throw err;
			}
		}
		return null;
	}
}
