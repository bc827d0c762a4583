import { beforeAll, describe, expect, it } from 'vitest';
import type { CodeKind } from '$lib/domain/codes';
import { createDecoderChain } from '$lib/scan/chain';
import { createZxingLibraryEngine } from '$lib/scan/engines/zxing-library';
import { createZxingWasmEngine } from '$lib/scan/engines/zxing-wasm';
import { FrameAgreement, KIND_FORMATS, MISSES_BEFORE_HINT, MissStreak, pickForKind, type KindRead } from '$lib/scan/kinds';
import { NATIVE_MAX_SIDE, roiInVideo, scaledSize } from '$lib/scan/roi';
import { dominantAngle } from '$lib/scan/tilt';
import type { DecodeWant, ScanEngine, ScanImage } from '$lib/scan/types';
import { nodeZxingWasm, placeOnCanvas, renderBarcode } from '../support/barcodes';
import { cropFrame, FRAME_HEIGHT, FRAME_WIDTH, labelFrame, ppeFor, seeded, serialFor, type LabelSpec } from '../support/meter-label';

const ROI = roiInVideo(FRAME_WIDTH, FRAME_HEIGHT, FRAME_WIDTH, FRAME_HEIGHT);
/** The crop under the aiming frame as the page sends it to the decoder: scaled to 960 px… */
const crop = (frame: ScanImage) => cropFrame(frame, ROI, scaledSize(ROI));
/** …and unscaled (1024 px wide for a 720p frame). */
const nativeCrop = (frame: ScanImage) => cropFrame(frame, ROI, scaledSize(ROI, NATIVE_MAX_SIDE));

let wasm: ReturnType<typeof createZxingWasmEngine>;
beforeAll(() => {
	wasm = createZxingWasmEngine(nodeZxingWasm());
});
const appChain = () => createDecoderChain({ 'zxing-wasm': wasm, 'zxing-library': createZxingLibraryEngine() });

async function label(seed: number, ask: CodeKind, extra: Partial<LabelSpec> = {}) {
	const rand = seeded(seed * 7919);
	return labelFrame(`test ${seed}`, 'clean', 1, { seed, ask, serial: serialFor(rand), ppe: ppeFor(rand), ...extra });
}

describe('generated meter-label frames', () => {
	it('are the same for the same seed and differ for another', async () => {
		const a = await label(7, 'meter_serial');
		const b = await label(7, 'meter_serial');
		const c = await label(8, 'meter_serial');
		expect(a.frame.width).toBe(1280);
		expect(a.frame.height).toBe(720);
		expect(Buffer.from(a.frame.data).equals(Buffer.from(b.frame.data))).toBe(true);
		expect(Buffer.from(a.frame.data).equals(Buffer.from(c.frame.data))).toBe(false);
	});
});

describe('scanning one kind on a label with two codes', () => {
	for (const ask of ['meter_serial', 'ppe'] as const) {
		it(`gives the ${ask} when the other code is printed first and larger`, async () => {
			for (const seed of [11, 12, 13]) {
				const f = await label(seed, ask, { otherFirst: true });
				const decoded = await appChain().decodeFor(crop(f.frame), ask);
				expect(decoded.read?.value, `seed ${seed}`).toBe(f.expected);
			}
		});
	}

	it('gives the DataMatrix or QR serial beside the PPE’s Code 128, and the PPE when it is asked', async () => {
		for (const serialFormat of ['DATA_MATRIX', 'QR_CODE'] as const) {
			for (const ask of ['meter_serial', 'ppe'] as const) {
				const f = await label(14, ask, { serialFormat });
				expect((await appChain().decodeFor(crop(f.frame), ask)).read, `${serialFormat}, ${ask}`).toMatchObject({ value: f.expected, format: ask === 'ppe' ? 'CODE_128' : serialFormat });
			}
		}
	});

	it('says which other kind it saw when the asked one is not there', async () => {
		const ppe = ppeFor(seeded(5));
		const frame = placeOnCanvas(await renderBarcode('CODE_128', ppe, { scale: 3 }), 960, 378);
		expect(await appChain().decodeFor(frame, 'meter_serial')).toEqual({ read: null, wrongKind: 'ppe' });
	});
});

describe('no EAN-8 value taken for a meter serial', () => {
	it('never asks an engine for EAN or UPC symbologies for any kind', () => {
		for (const formats of Object.values(KIND_FORMATS)) expect(formats.filter((f) => f.startsWith('EAN'))).toEqual([]);
	});

	it('ignores an 8-digit EAN-8 result although the digits would pass as a serial', () => {
		expect(pickForKind('meter_serial', [{ text: '96385074', format: 'EAN_8' }], 'zxing-library')).toEqual({ read: null, wrongKind: null });
		expect(pickForKind('meter_serial', [{ text: '96385074', format: 'CODE_128' }], 'zxing-library').read?.value).toBe('96385074');
	});

	it('does not accept a real EAN-8 on the label as the serial, with real engines', async () => {
		const frame = placeOnCanvas(await renderBarcode('EAN_8', '96385074', { scale: 3 }), 960, 378);
		expect(await wasm.decode(frame)).toEqual({ text: '96385074', format: 'EAN_8' });
		expect((await appChain().decodeFor(frame, 'meter_serial')).read).toBeNull();
		const standby = createDecoderChain({ 'zxing-library': createZxingLibraryEngine() });
		expect((await standby.decodeFor(frame, 'meter_serial')).read).toBeNull();
	});

	it('passes the kind’s symbologies down to the engine', async () => {
		const asked: DecodeWant[] = [];
		const engine: ScanEngine = {
			name: 'zxing-library',
			decode: async () => null,
			decodeAll: async (_image, want = {}) => {
				asked.push(want);
				return [{ text: '12345678', format: 'EAN_8' }];
			}
		};
		const decoded = await createDecoderChain({ 'zxing-library': engine }).decodeFor({ data: new Uint8ClampedArray(64 * 64), width: 64, height: 64 }, 'meter_serial');
		expect(decoded.read).toBeNull();
		expect(asked[0]?.formats).toEqual(KIND_FORMATS.meter_serial);
	});
});

describe('a value from the fallback engine', () => {
	const read = (value: string, engine: KindRead['engine'], format: KindRead['format'] = 'CODE_128'): KindRead => ({ value, format, engine });

	it('is accepted only when the next frame agrees', () => {
		const agreement = new FrameAgreement();
		expect(agreement.offer(read('24123456', 'zxing-library'))).toBe(false);
		expect(agreement.offer(read('24123457', 'zxing-library'))).toBe(false);
		expect(agreement.offer(read('24123457', 'zxing-library'))).toBe(true);
	});

	it('starts again after a frame without it', () => {
		const agreement = new FrameAgreement();
		expect(agreement.offer(read('24123456', 'zxing-library'))).toBe(false);
		agreement.reset();
		expect(agreement.offer(read('24123456', 'zxing-library'))).toBe(false);
	});

	it('while zxing-wasm’s Code 128 is taken at once and its Code 39 waits for a second frame', () => {
		const agreement = new FrameAgreement();
		expect(agreement.offer(read('24123456', 'zxing-wasm'))).toBe(true);
		expect(agreement.offer(read('LGZ1234567', 'zxing-wasm', 'CODE_39'))).toBe(false);
		expect(agreement.offer(read('LGZ1234567', 'zxing-wasm', 'CODE_39'))).toBe(true);
	});
});

describe('tilted labels', () => {
	it('finds the slant of a 30° label from the gradient', async () => {
		for (const tiltDegrees of [30, -30]) {
			const f = await label(21, 'meter_serial', { tiltDegrees });
			// Turned counter-clockwise by the generator; within a few degrees is enough for the readers.
			expect(Math.abs(dominantAngle(crop(f.frame)).degrees + tiltDegrees)).toBeLessThan(5);
		}
	});

	it('reads a Code 128 serial tilted 30° that the engine alone misses', async () => {
		const f = await label(22, 'meter_serial', { tiltDegrees: 30 });
		const image = crop(f.frame);
		expect(await wasm.decodeAll(image, { formats: ['CODE_128'] })).toEqual([]);
		expect((await appChain().decodeFor(image, 'meter_serial')).read).toMatchObject({ value: f.expected, format: 'CODE_128' });
	});

	it('reads a serial on a label hung sideways or steeper than 45°, which the kind passes do not turn', async () => {
		for (const tiltDegrees of [90, -60]) {
			const f = await label(23, 'meter_serial', { tiltDegrees });
			const image = crop(f.frame);
			expect(await wasm.decodeAll(image, { formats: ['CODE_128'] }), `${tiltDegrees}°`).toEqual([]);
			expect((await appChain().decodeFor(image, 'meter_serial')).read?.value, `${tiltDegrees}°`).toBe(f.expected);
		}
	});
});

describe('fine bars', () => {
	it('reads a serial printed at 1.6 px a bar from the unscaled crop when the scaled one loses it', async () => {
		const f = await label(34, 'meter_serial', { modulePx: 1.6 });
		expect((await appChain().decodeFor(crop(f.frame), 'meter_serial')).read).toBeNull();
		expect((await appChain().decodeFor(crop(f.frame), 'meter_serial', nativeCrop(f.frame))).read?.value).toBe(f.expected);
	});
});

describe('after repeated misses', () => {
	it('asks for another angle only after a run of frames with nothing read', () => {
		const misses = new MissStreak();
		for (let i = 1; i < MISSES_BEFORE_HINT; i++) misses.record({ read: null, wrongKind: null });
		expect(misses.hint).toBe(false);
		misses.record({ read: null, wrongKind: null });
		expect(misses.hint).toBe(true);
		misses.record({ read: null, wrongKind: 'ppe' });
		expect(misses.hint).toBe(false);
	});
});
