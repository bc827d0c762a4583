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
import { toLuminance } from '../image';
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
}

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

export function createZxingLibraryEngine(options: ZxingLibraryOptions = { tryHarder: true, pure: true }): ScanEngine {
	const normal = reader(options.tryHarder ?? true, false);
	const pure = options.pure ? reader(options.tryHarder ?? true, true) : null;
	return {
		name: 'zxing-library',
		async decode(image: ScanImage): Promise<ScanResult | null> {
			const luma = toLuminance(image);
			// As ZXing's own blackbox harness: the pure-barcode reading first (cheap), then the search.
			for (const r of pure ? [pure, normal] : [normal]) {
				const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luma, image.width, image.height)));
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
	};
}
