/**
 * Barcode images the tests make themselves: bwip-js draws the symbol, pngjs turns it into pixels,
 * and small image operations make it look like a camera saw it (turned, out of focus, grainy).
 * Node only (tests, benchmark, the fake camera).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import bwipjs from 'bwip-js/node';
import { PNG } from 'pngjs';
import type { ScanFormat, ScanImage } from '../../src/lib/scan/types';

const BCID: Record<ScanFormat, string> = {
	CODE_128: 'code128',
	DATA_MATRIX: 'datamatrix',
	QR_CODE: 'qrcode',
	EAN_13: 'ean13',
	EAN_8: 'ean8',
	CODE_39: 'code39'
};

export interface RenderOptions {
	/** Pixels per module (narrowest bar or matrix cell). */
	scale?: number;
	/** Bar height of linear codes in millimetres (bwip-js units). */
	height?: number;
	/** White border around the symbol, in pixels (the quiet zone and then some). */
	margin?: number;
}

/** A PNG file's pixels as RGBA, transparent parts laid on white as a screen or a print shows them. */
export function pngToImage(png: Buffer | Uint8Array): ScanImage {
	const decoded = PNG.sync.read(Buffer.from(png));
	const data = new Uint8ClampedArray(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length);
	for (let p = 0; p < data.length; p += 4) {
		const a = data[p + 3]!;
		if (a === 255) continue;
		for (let c = 0; c < 3; c++) data[p + c] = Math.round((data[p + c]! * a + 255 * (255 - a)) / 255);
		data[p + 3] = 255;
	}
	return { data, width: decoded.width, height: decoded.height };
}

export function imageToPng(image: ScanImage): Buffer {
	const png = new PNG({ width: image.width, height: image.height });
	const rgba = toRgbaCopy(image);
	png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length);
	return PNG.sync.write(png);
}

/** Draws `text` as a barcode of `format`, black on white with a margin, as RGBA pixels. */
export async function renderBarcode(format: ScanFormat, text: string, options: RenderOptions = {}): Promise<ScanImage> {
	const linear = format !== 'DATA_MATRIX' && format !== 'QR_CODE';
	const png = await bwipjs.toBuffer({
		bcid: BCID[format],
		text,
		scale: options.scale ?? 3,
		...(linear ? { height: options.height ?? 12 } : {}),
		includetext: false,
		backgroundcolor: 'FFFFFF'
	});
	return pad(pngToImage(png), options.margin ?? 24);
}

function toRgbaCopy(image: ScanImage): Uint8ClampedArray {
	const n = image.width * image.height;
	if (image.data.length === n * 4) return new Uint8ClampedArray(image.data);
	const out = new Uint8ClampedArray(n * 4);
	for (let i = 0; i < n; i++) {
		out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = image.data[i]!;
		out[i * 4 + 3] = 255;
	}
	return out;
}

/** 8-bit grey copy of an image (tests work on one channel; engines accept both). */
export function toGrey(image: ScanImage): ScanImage {
	const rgba = toRgbaCopy(image);
	const n = image.width * image.height;
	const out = new Uint8ClampedArray(n);
	for (let i = 0; i < n; i++) out[i] = Math.round(0.299 * rgba[i * 4]! + 0.587 * rgba[i * 4 + 1]! + 0.114 * rgba[i * 4 + 2]!);
	return { data: out, width: image.width, height: image.height };
}

/** Adds a plain border of `background` grey around a grey or RGBA image. */
export function pad(image: ScanImage, margin: number, background = 255): ScanImage {
	const g = toGrey(image);
	const width = g.width + 2 * margin;
	const height = g.height + 2 * margin;
	const out = new Uint8ClampedArray(width * height).fill(background);
	for (let y = 0; y < g.height; y++) out.set(g.data.subarray(y * g.width, (y + 1) * g.width), (y + margin) * width + margin);
	return { data: out, width, height };
}

/** Turns the image by `degrees` (counter-clockwise) about its centre, bilinear, corners filled white. */
export function rotate(image: ScanImage, degrees: number): ScanImage {
	const g = toGrey(image);
	const rad = (degrees * Math.PI) / 180;
	const cos = Math.cos(rad);
	const sin = Math.sin(rad);
	const width = Math.ceil(Math.abs(g.width * cos) + Math.abs(g.height * sin));
	const height = Math.ceil(Math.abs(g.width * sin) + Math.abs(g.height * cos));
	const out = new Uint8ClampedArray(width * height);
	const cx = g.width / 2;
	const cy = g.height / 2;
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const dx = x + 0.5 - width / 2;
			const dy = y + 0.5 - height / 2;
			// Inverse mapping: where in the source this output pixel comes from.
			const sx = cos * dx - sin * dy + cx - 0.5;
			const sy = sin * dx + cos * dy + cy - 0.5;
			out[y * width + x] = sample(g, sx, sy);
		}
	}
	return { data: out, width, height };
}

function sample(g: ScanImage, x: number, y: number): number {
	const x0 = Math.floor(x);
	const y0 = Math.floor(y);
	const fx = x - x0;
	const fy = y - y0;
	const at = (xx: number, yy: number) => (xx < 0 || yy < 0 || xx >= g.width || yy >= g.height ? 255 : g.data[yy * g.width + xx]!);
	return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
}

/** Box blur with a (2r+1)² window, like a lens slightly out of focus. */
export function boxBlur(image: ScanImage, radius: number): ScanImage {
	const g = toGrey(image);
	const { width, height } = g;
	const pass = (src: ArrayLike<number>, horizontal: boolean) => {
		const out = new Uint8ClampedArray(src.length);
		for (let y = 0; y < height; y++) {
			for (let x = 0; x < width; x++) {
				let sum = 0;
				let n = 0;
				for (let k = -radius; k <= radius; k++) {
					const xx = horizontal ? x + k : x;
					const yy = horizontal ? y : y + k;
					if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
					sum += src[yy * width + xx]!;
					n++;
				}
				out[y * width + x] = sum / n;
			}
		}
		return out;
	};
	return { data: pass(pass(g.data, true), false), width, height };
}

/** xorshift32: the same numbers in [0, 1) for the same seed on every machine. */
export function seeded(seed: number): () => number {
	let s = seed >>> 0 || 1;
	return () => {
		s ^= s << 13;
		s >>>= 0;
		s ^= s >>> 17;
		s ^= s << 5;
		s >>>= 0;
		return s / 0x100000000;
	};
}

/** Adds uniform noise of ±amplitude grey levels from a seeded generator (same image every run). */
export function addNoise(image: ScanImage, amplitude: number, seed = 1): ScanImage {
	const g = toGrey(image);
	const next = seeded(seed);
	const out = new Uint8ClampedArray(g.data.length);
	for (let i = 0; i < out.length; i++) out[i] = g.data[i]! + Math.round((next() * 2 - 1) * amplitude);
	return { data: out, width: g.width, height: g.height };
}

/** Squeezes the grey range towards mid-grey: a dim basement (contrast 0.3 leaves 30 % of it). */
export function lowerContrast(image: ScanImage, contrast: number, mean = 110): ScanImage {
	const g = toGrey(image);
	const out = new Uint8ClampedArray(g.data.length);
	for (let i = 0; i < out.length; i++) out[i] = mean + (g.data[i]! - 128) * contrast;
	return { data: out, width: g.width, height: g.height };
}

/** Places the image centred on a plain grey canvas of the given size (a camera frame). */
export function placeOnCanvas(image: ScanImage, width: number, height: number, background = 200): ScanImage {
	const g = toGrey(image);
	if (g.width > width || g.height > height) throw new RangeError(`a ${g.width}×${g.height} image does not fit ${width}×${height}`);
	const out = new Uint8ClampedArray(width * height).fill(background);
	const left = Math.floor((width - g.width) / 2);
	const top = Math.floor((height - g.height) / 2);
	for (let y = 0; y < g.height; y++) out.set(g.data.subarray(y * g.width, (y + 1) * g.width), (top + y) * width + left);
	return { data: out, width, height };
}

/** zxing-wasm's reader .wasm from node_modules, for Node (the browser gets it from our origin). */
export function nodeZxingWasm(): { binary: Uint8Array } {
	const path = createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm');
	return { binary: new Uint8Array(readFileSync(path)) };
}
