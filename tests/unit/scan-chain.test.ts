import { describe, expect, it } from 'vitest';
import { createDecoderChain, ENGINE_CHAIN } from '$lib/scan/chain';
import { createZxingLibraryEngine } from '$lib/scan/engines/zxing-library';
import { createZxingWasmEngine } from '$lib/scan/engines/zxing-wasm';
import { AIM, roiInVideo, scaledSize } from '$lib/scan/roi';
import type { EngineName, ScanEngine, ScanImage, ScanResult } from '$lib/scan/types';
import { nodeZxingWasm, placeOnCanvas, renderBarcode } from '../support/barcodes';

const FRAME: ScanImage = { data: new Uint8ClampedArray(4), width: 2, height: 2 };

/** An engine that answers as told and counts its calls. */
function scripted(name: EngineName, answer: ScanResult | null | Error) {
	const engine = {
		name,
		calls: 0,
		async decode() {
			engine.calls++;
			if (answer instanceof Error) throw answer;
			return answer;
		},
		async decodeAll() {
			const one = await engine.decode();
			return one ? [one] : [];
		}
	};
	return engine satisfies ScanEngine;
}

describe('decoder chain', () => {
	it('keeps the order native → zxing-wasm → @zxing/library (stand-by)', () => {
		expect(ENGINE_CHAIN.map((s) => s.name)).toEqual(['native', 'zxing-wasm', 'zxing-library']);
		expect(ENGINE_CHAIN.find((s) => s.name === 'zxing-library')?.use).toBe('standby');
	});

	it('answers with the first engine that reads the code and says which one it was', async () => {
		const native = scripted('native', null);
		const wasm = scripted('zxing-wasm', { text: '2412345678', format: 'CODE_128' });
		const library = scripted('zxing-library', { text: 'other', format: 'QR_CODE' });
		const chain = createDecoderChain({ native, 'zxing-wasm': wasm, 'zxing-library': library });
		expect(await chain.decode(FRAME)).toEqual({ text: '2412345678', format: 'CODE_128', engine: 'zxing-wasm' });
		expect(library.calls).toBe(0);
	});

	it('does not run the stand-by library on an ordinary miss', async () => {
		const wasm = scripted('zxing-wasm', null);
		const library = scripted('zxing-library', { text: 'x', format: 'QR_CODE' });
		const chain = createDecoderChain({ 'zxing-wasm': wasm, 'zxing-library': library });
		expect(await chain.decode(FRAME)).toBeNull();
		expect(library.calls).toBe(0);
	});

	it('switches to the library for good when zxing-wasm breaks (no WebAssembly, .wasm not loaded) and reports it', async () => {
		const wasm = scripted('zxing-wasm', new Error('WebAssembly is not defined'));
		const library = scripted('zxing-library', { text: 'TD1234567', format: 'QR_CODE' });
		const errors: string[] = [];
		const chain = createDecoderChain({ 'zxing-wasm': wasm, 'zxing-library': library }, undefined, (name) => errors.push(name));
		expect(await chain.decode(FRAME)).toEqual({ text: 'TD1234567', format: 'QR_CODE', engine: 'zxing-library' });
		expect(await chain.decode(FRAME)).toMatchObject({ engine: 'zxing-library' });
		expect(wasm.calls).toBe(1);
		expect(errors).toEqual(['zxing-wasm']);
		expect(chain.working()).toEqual(['zxing-library']);
	});

	it('uses the library where there is neither a native detector nor WebAssembly', async () => {
		const chain = createDecoderChain({ 'zxing-library': createZxingLibraryEngine() });
		const image = await renderBarcode('CODE_128', '2412345678');
		expect(await chain.decode(image)).toEqual({ text: '2412345678', format: 'CODE_128', engine: 'zxing-library' });
	});

	it('reads a serial from a camera-sized frame with the real engines', async () => {
		const chain = createDecoderChain({ 'zxing-wasm': createZxingWasmEngine(nodeZxingWasm()), 'zxing-library': createZxingLibraryEngine() });
		const frame = placeOnCanvas(await renderBarcode('CODE_128', '2412345678', { scale: 3 }), 960, 540);
		expect(await chain.decode(frame)).toEqual({ text: '2412345678', format: 'CODE_128', engine: 'zxing-wasm' });
	});
});

describe('region of interest under the aiming frame', () => {
	it('is the aiming frame itself when the video fills its box exactly', () => {
		expect(roiInVideo(1280, 720, 640, 360)).toEqual({
			x: Math.round(1280 * AIM.left),
			y: Math.round(720 * AIM.top),
			width: Math.round(1280 * AIM.width),
			height: Math.round(720 * AIM.height)
		});
	});

	it('accounts for the part of the frame object-fit: cover cuts off', () => {
		// A 4:3 box shows the middle 960 of the 1280 pixels of a 16:9 frame, at 1 CSS px = 1.5 video px.
		const roi = roiInVideo(1280, 720, 640, 480);
		expect(roi.x).toBe(Math.round(160 + 640 * AIM.left * 1.5));
		expect(roi.width).toBe(Math.round(640 * AIM.width * 1.5));
		expect(roi.y).toBe(Math.round(480 * AIM.top * 1.5));
	});

	it('never reaches outside the frame', () => {
		const roi = roiInVideo(640, 480, 1600, 300);
		expect(roi.x).toBeGreaterThanOrEqual(0);
		expect(roi.y).toBeGreaterThanOrEqual(0);
		expect(roi.x + roi.width).toBeLessThanOrEqual(640);
		expect(roi.y + roi.height).toBeLessThanOrEqual(480);
	});

	it('scales a large crop down to a decodable size, keeping its shape', () => {
		expect(scaledSize({ x: 0, y: 0, width: 1920, height: 1080 }, 960)).toEqual({ width: 960, height: 540 });
		expect(scaledSize({ x: 0, y: 0, width: 600, height: 300 }, 960)).toEqual({ width: 600, height: 300 });
	});
});
