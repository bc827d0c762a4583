import { beforeAll, describe, expect, it } from 'vitest';
import { ppeWithCheckDigit } from '$lib/domain/ppe';
import { createZxingLibraryEngine } from '$lib/scan/engines/zxing-library';
import { createZxingWasmEngine } from '$lib/scan/engines/zxing-wasm';
import { createNativeEngine, type BarcodeDetectorConstructorLike, type DetectedBarcodeLike } from '$lib/scan/engines/native';
import { rotate90 } from '$lib/scan/image';
import type { ScanEngine, ScanFormat, ScanImage } from '$lib/scan/types';
import { addNoise, boxBlur, lowerContrast, nodeZxingWasm, renderBarcode, rotate, toGrey } from '../support/barcodes';

/** What a fitter meets: serials in Code 128 and Code 39, PPE in DataMatrix, seals in QR, EANs on boxes. */
const SAMPLES: { format: ScanFormat; text: string }[] = [
	{ format: 'CODE_128', text: '2412345678' },
	{ format: 'DATA_MATRIX', text: ppeWithCheckDigit('59054356010001234') },
	{ format: 'QR_CODE', text: 'TD1234567' },
	{ format: 'EAN_13', text: '5901234123457' },
	{ format: 'CODE_39', text: 'LGZ123456789' },
	{ format: 'EAN_8', text: '96385074' }
];

/** How the camera spoils a label. Each one alone; the decoders must still read the exact text. */
const DISTORTIONS: { name: string; apply: (img: ScanImage) => ScanImage }[] = [
	{ name: 'upright', apply: (img) => img },
	{ name: 'turned 90°', apply: (img) => rotate90(img, 1) },
	{ name: 'upside down (180°)', apply: (img) => rotate90(img, 2) },
	{ name: 'tilted 8°', apply: (img) => rotate(img, 8) },
	{ name: 'out of focus (box blur r=1)', apply: (img) => boxBlur(img, 1) },
	{ name: 'grainy (noise ±35)', apply: (img) => addNoise(img, 35, 7) },
	{ name: 'dim and low contrast', apply: (img) => lowerContrast(img, 0.3) },
	{ name: 'all at once: tilted 5°, blurred, grainy, dim', apply: (img) => lowerContrast(addNoise(boxBlur(rotate(img, -5), 1), 20, 11), 0.5) }
];

const images = new Map<string, ScanImage>();
beforeAll(async () => {
	for (const s of SAMPLES) images.set(s.format, await renderBarcode(s.format, s.text, { scale: 4 }));
});

const engines: { name: string; make: () => ScanEngine }[] = [
	{ name: 'zxing-wasm', make: () => createZxingWasmEngine(nodeZxingWasm()) },
	{ name: '@zxing/library', make: () => createZxingLibraryEngine() }
];

for (const { name, make } of engines) {
	describe(`${name} reads the codes on meters and seals`, () => {
		const engine = make();
		for (const sample of SAMPLES) {
			for (const d of DISTORTIONS) {
				it(`${sample.format} ${d.name}`, async () => {
					const image = d.apply(images.get(sample.format)!);
					expect(await engine.decode(image)).toEqual({ text: sample.text, format: sample.format });
				});
			}
		}

		it('reads RGBA pixels (ImageData) and 8-bit grey alike', async () => {
			const grey = toGrey(images.get('CODE_128')!);
			const rgba = new Uint8ClampedArray(grey.data.length * 4);
			grey.data.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
			const expected = { text: '2412345678', format: 'CODE_128' };
			expect(await engine.decode(grey)).toEqual(expected);
			expect(await engine.decode({ data: rgba, width: grey.width, height: grey.height })).toEqual(expected);
		});

		it('finds nothing in a frame without a code, rather than inventing one', async () => {
			const blank = addNoise({ data: new Uint8ClampedArray(320 * 200).fill(170), width: 320, height: 200 }, 40, 3);
			expect(await engine.decode(blank)).toBeNull();
		});
	});
}

describe('native BarcodeDetector adapter', () => {
	/** A stand-in for the browser's class: records what it was given, answers what the test says. */
	function fakeDetector(supported: string[], answer: DetectedBarcodeLike[]) {
		const seen: { formats?: string[]; images: ImageData[] } = { images: [] };
		const Ctor = class {
			constructor(options?: { formats: string[] }) {
				seen.formats = options?.formats;
			}
			static async getSupportedFormats() {
				return supported;
			}
			async detect(image: ImageData) {
				seen.images.push(image);
				return answer;
			}
		} satisfies BarcodeDetectorConstructorLike;
		return { Ctor, seen };
	}
	const makeImageData = (data: Uint8ClampedArray, width: number, height: number) => ({ data, width, height, colorSpace: 'srgb' }) as ImageData;

	it('asks only for our formats the platform supports and maps its answer to ours', async () => {
		const { Ctor, seen } = fakeDetector(['aztec', 'code_128', 'qr_code', 'pdf417'], [{ rawValue: '2412345678', format: 'code_128' }]);
		const engine = await createNativeEngine(Ctor, makeImageData);
		expect(engine?.name).toBe('native');
		expect(seen.formats?.sort()).toEqual(['code_128', 'qr_code']);
		const grey = { data: new Uint8ClampedArray(8 * 4).fill(200), width: 8, height: 4 };
		expect(await engine!.decode(grey)).toEqual({ text: '2412345678', format: 'CODE_128' });
		// The detector gets RGBA ImageData of the same size, as the Shape Detection API requires.
		expect(seen.images[0]!.width).toBe(8);
		expect(seen.images[0]!.data.length).toBe(8 * 4 * 4);
	});

	it('ignores codes of formats we do not use and empty values', async () => {
		const { Ctor } = fakeDetector(['code_128', 'aztec'], [
			{ rawValue: 'X', format: 'aztec' },
			{ rawValue: '', format: 'code_128' }
		]);
		const engine = await createNativeEngine(Ctor, makeImageData);
		expect(await engine!.decode({ data: new Uint8ClampedArray(16), width: 4, height: 4 })).toBeNull();
	});

	it('is absent where the platform has no detector or it supports none of our formats', async () => {
		expect(await createNativeEngine(null, makeImageData)).toBeNull();
		expect(await createNativeEngine(fakeDetector([], []).Ctor, makeImageData)).toBeNull();
		expect(await createNativeEngine(fakeDetector(['aztec'], []).Ctor, makeImageData)).toBeNull();
	});
});
