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
import type { DecodeWant, ScanEngine, ScanFormat, ScanImage, ScanResult } from '../types';

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

function reader(tryHarder: boolean, pure: boolean, formats: BarcodeFormat[] = [...FORMATS.keys()]): MultiFormatReader {
	const hints = new Map<DecodeHintType, unknown>();
	hints.set(DecodeHintType.POSSIBLE_FORMATS, formats);
	if (tryHarder) hints.set(DecodeHintType.TRY_HARDER, true);
	if (pure) hints.set(DecodeHintType.PURE_BARCODE, true);
	const r = new MultiFormatReader();
	r.setHints(hints);
	return r;
}

function isMiss(err: unknown): boolean {
	return err instanceof NotFoundException || err instanceof ChecksumException || err instanceof FormatException;
}

const BY_NAME = new Map([...FORMATS].map(([k, v]) => [v, k]));

export function createZxingLibraryEngine(options: ZxingLibraryOptions = ZXING_LIBRARY_STANDBY): ScanEngine {
	const tryHarder = options.tryHarder ?? true;
	const readers = new Map<string, MultiFormatReader[]>();
	/** Readers per set of formats, made once: a kind's step asks for the same set every frame. */
	const readersFor = (formats: readonly ScanFormat[] | undefined): MultiFormatReader[] => {
		const key = formats ? [...formats].sort().join() : '*';
		let rs = readers.get(key);
		if (!rs) {
			const wanted = formats ? formats.map((f) => BY_NAME.get(f)!) : undefined;
			// As ZXing's own blackbox harness: the pure-barcode reading first, then the search.
			rs = options.pure ? [reader(tryHarder, true, wanted), reader(tryHarder, false, wanted)] : [reader(tryHarder, false, wanted)];
			readers.set(key, rs);
		}
		return rs;
	};
	const decode = (image: ScanImage, formats?: readonly ScanFormat[]): ScanResult | null => {
		const grey = { data: toLuminance(image), width: image.width, height: image.height };
		const rs = readersFor(formats);
		return read(grey, rs) ?? (options.rotate90 ? read(rotate90(grey, 1), rs) : null);
	};
	return {
		name: 'zxing-library',
		async decode(image: ScanImage): Promise<ScanResult | null> {
			return decode(image);
		},
		// The library's MultiFormatReader finds one code an image; that one is all it can give.
		async decodeAll(image: ScanImage, want: DecodeWant = {}): Promise<ScanResult[]> {
			// One pass only, so a 'thorough' request after the 'quick' one has nothing more to try.
			if (want.passes === 'thorough') return [];
			const result = decode(image, want.formats);
			return result ? [result] : [];
		}
	};

	function read(image: ScanImage, rs: MultiFormatReader[]): ScanResult | null {
		for (const r of rs) {
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
