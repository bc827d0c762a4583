import type { ScanImage } from './types';

export function isLuminance(image: ScanImage): boolean {
	return image.data.length === image.width * image.height;
}

/** 8-bit luminance (ITU-R BT.601 weights, as ZXing uses), one byte a pixel. */
export function toLuminance(image: ScanImage): Uint8ClampedArray {
	if (isLuminance(image)) return image.data instanceof Uint8ClampedArray ? image.data : new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length);
	const { data } = image;
	const n = image.width * image.height;
	const out = new Uint8ClampedArray(n);
	for (let i = 0, p = 0; i < n; i++, p += 4) out[i] = (306 * data[p]! + 601 * data[p + 1]! + 117 * data[p + 2]! + 512) >> 10;
	return out;
}

/** RGBA, four bytes a pixel (a grey pixel for each luminance byte). */
export function toRgba(image: ScanImage): Uint8ClampedArray {
	if (!isLuminance(image)) return image.data instanceof Uint8ClampedArray ? image.data : new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length);
	const n = image.width * image.height;
	const out = new Uint8ClampedArray(n * 4);
	for (let i = 0, p = 0; i < n; i++, p += 4) {
		const y = image.data[i]!;
		out[p] = y;
		out[p + 1] = y;
		out[p + 2] = y;
		out[p + 3] = 255;
	}
	return out;
}

/** Rotates by a multiple of 90° clockwise (luminance or RGBA). */
export function rotate90(image: ScanImage, quarterTurns: number): ScanImage {
	const turns = ((quarterTurns % 4) + 4) % 4;
	if (turns === 0) return image;
	const bpp = isLuminance(image) ? 1 : 4;
	const { width: w, height: h, data } = image;
	const ow = turns === 2 ? w : h;
	const oh = turns === 2 ? h : w;
	const out = new Uint8ClampedArray(w * h * bpp);
	for (let y = 0; y < h; y++) {
		for (let x = 0; x < w; x++) {
			let nx: number, ny: number;
			if (turns === 1) [nx, ny] = [h - 1 - y, x];
			else if (turns === 2) [nx, ny] = [w - 1 - x, h - 1 - y];
			else [nx, ny] = [y, w - 1 - x];
			const src = (y * w + x) * bpp;
			const dst = (ny * ow + nx) * bpp;
			for (let c = 0; c < bpp; c++) out[dst + c] = data[src + c]!;
		}
	}
	return { data: out, width: ow, height: oh };
}
