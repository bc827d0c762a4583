import type { ScanImage } from './types';

export function isLuminance(image: ScanImage): boolean {
	return image.data.length === image.width * image.height;
}

/** 8-bit luminance (ITU-R BT.601 weights, the same integer formula zxing-wasm applies to ImageData), one byte a pixel. */
export function toLuminance(image: ScanImage): Uint8ClampedArray {
	if (isLuminance(image)) return image.data instanceof Uint8ClampedArray ? image.data : new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length);
	const { data } = image;
	const n = image.width * image.height;
	const out = new Uint8ClampedArray(n);
	for (let i = 0, p = 0; i < n; i++, p += 4) out[i] = (306 * data[p]! + 601 * data[p + 1]! + 117 * data[p + 2]! + 512) >> 10;
	return out;
}

/** The image as grey, one byte a pixel (itself when it is grey already). */
export function toGreyImage(image: ScanImage): ScanImage {
	return isLuminance(image) ? image : { data: toLuminance(image), width: image.width, height: image.height };
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

/** For each output index: the source index to its left and the weight of the one after it. */
function linearTaps(from: number, to: number): { index: Int32Array; frac: Float32Array } {
	const scale = from / to;
	const index = new Int32Array(to);
	const frac = new Float32Array(to);
	for (let o = 0; o < to; o++) {
		const at = Math.min(from - 1.001, Math.max(0, (o + 0.5) * scale - 0.5));
		index[o] = Math.floor(at);
		frac[o] = at - index[o]!;
	}
	return { index, frac };
}

/**
 * Grey copy scaled down so its longest side is at most `maxSide` (bilinear, as a canvas draws a
 * slightly smaller image); the image itself (as grey) when it is small enough already. Meant for
 * factors above ½ (the aiming crop of a 720p or 1080p frame to 960 px).
 */
export function downscaleLuminance(image: ScanImage, maxSide: number): ScanImage {
	const lum = toLuminance(image);
	const { width: w, height: h } = image;
	const factor = maxSide / Math.max(w, h);
	if (factor >= 1) return { data: lum, width: w, height: h };
	const ow = Math.max(1, Math.round(w * factor));
	const oh = Math.max(1, Math.round(h * factor));
	const cols = linearTaps(w, ow);
	const lines = linearTaps(h, oh);
	const out = new Uint8ClampedArray(ow * oh);
	for (let y = 0; y < oh; y++) {
		const top = lines.index[y]! * w;
		const bottom = top + w;
		const fy = lines.frac[y]!;
		for (let x = 0; x < ow; x++) {
			const i = cols.index[x]!;
			const fx = cols.frac[x]!;
			const a = lum[top + i]! + (lum[top + i + 1]! - lum[top + i]!) * fx;
			const b = lum[bottom + i]! + (lum[bottom + i + 1]! - lum[bottom + i]!) * fx;
			out[y * ow + x] = (a + (b - a) * fy + 0.5) | 0;
		}
	}
	return { data: out, width: ow, height: oh };
}
