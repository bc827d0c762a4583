/**
 * Straightening a tilted label. ZXing's 1D readers scan rows and try quarter turns only, so a
 * Code 128 turned 15–45° is missed by every engine. The bars' edges dominate the image gradient
 * in the crop, so the gradient's dominant direction is the code's axis: turning the crop by it
 * makes the bars upright again (plate edges and text lines are tilted with the label and agree).
 * A label turned by a quarter or more is turned upright the same way, so the kind passes need not
 * search turned copies of every crop.
 */
import { toLuminance } from './image';
import type { Rect } from './roi';
import type { ScanImage } from './types';

/** Half-degree bins over the half circle of gradient axes. */
const BINS = 360;

/** Side of the blocks whose gradient is summed before an angle is taken (a few bars wide). */
const BLOCK = 16;

/**
 * The dominant gradient direction in degrees, in (-90°, 90°] (0 when bars stand upright, ±90 when
 * they lie flat), and how strongly it dominates (peak share of all gradient weight, 0–1).
 * Per block of 16×16 pixels the structure tensor (sums of gx², gy², gx·gy) gives one direction and
 * its coherence: summing before taking the angle removes the bias of single-pixel differences
 * towards multiples of 45°, and the coherence weight lets bars (one clear direction) outvote text
 * and noise (many).
 */
export interface Tilt {
	degrees: number;
	strength: number;
	/** Where the blocks of that direction are (the bars), with a margin: the part worth straightening. */
	region: Rect;
}

export function dominantAngle(image: ScanImage): Tilt {
	const lum = toLuminance(image);
	const { width: w, height: h } = image;
	const hist = new Float64Array(BINS);
	const blocks: { x: number; y: number; angle: number; coherence: number; energy: number }[] = [];
	let total = 0;
	for (let by = 1; by + BLOCK < h - 1; by += BLOCK) {
		for (let bx = 1; bx + BLOCK < w - 1; bx += BLOCK) {
			let jxx = 0;
			let jyy = 0;
			let jxy = 0;
			for (let y = by; y < by + BLOCK; y++) {
				for (let x = bx; x < bx + BLOCK; x++) {
					const i = y * w + x;
					const gx = lum[i + 1]! - lum[i - 1]!;
					const gy = lum[i + w]! - lum[i - w]!;
					jxx += gx * gx;
					jyy += gy * gy;
					jxy += gx * gy;
				}
			}
			const energy = jxx + jyy;
			if (energy < BLOCK * BLOCK * 200) continue; // flat plate, sensor noise
			const coherence = Math.sqrt((jxx - jyy) ** 2 + 4 * jxy * jxy) / energy;
			const weight = Math.sqrt(energy) * coherence * coherence;
			let a = (0.5 * Math.atan2(2 * jxy, jxx - jyy) * 180) / Math.PI;
			a = ((a % 180) + 180) % 180;
			hist[Math.min(BINS - 1, Math.floor((a / 180) * BINS))]! += weight;
			total += weight;
			blocks.push({ x: bx, y: by, angle: a, coherence, energy });
		}
	}
	if (total === 0) return { degrees: 0, strength: 0, region: { x: 0, y: 0, width: w, height: h } };
	// Circular smoothing over ±2 bins (±1°): the peak of a slightly curved or noisy label.
	let best = 0;
	let bestSum = -1;
	for (let b = 0; b < BINS; b++) {
		let sum = 0;
		for (let k = -2; k <= 2; k++) sum += hist[(b + k + BINS) % BINS]!;
		if (sum > bestSum) {
			bestSum = sum;
			best = b;
		}
	}
	const peak = ((best + 0.5) * 180) / BINS;
	// Bars are coherent blocks at the peak direction, dense with edges; a text stroke is coherent
	// too but has a fraction of the bars' edge energy.
	const atPeak = (b: (typeof blocks)[number]) => {
		const off = Math.abs(b.angle - peak);
		return b.coherence >= 0.8 && Math.min(off, 180 - off) <= 3;
	};
	let maxEnergy = 0;
	for (const b of blocks) if (atPeak(b)) maxEnergy = Math.max(maxEnergy, b.energy);
	let x0 = w;
	let y0 = h;
	let x1 = 0;
	let y1 = 0;
	for (const b of blocks) {
		if (!atPeak(b) || b.energy < maxEnergy * 0.3) continue;
		x0 = Math.min(x0, b.x);
		y0 = Math.min(y0, b.y);
		x1 = Math.max(x1, b.x + BLOCK);
		y1 = Math.max(y1, b.y + BLOCK);
	}
	const margin = 2 * BLOCK;
	const region = x1 > x0 ? { x: Math.max(0, x0 - margin), y: Math.max(0, y0 - margin), width: Math.min(w, x1 + margin) - Math.max(0, x0 - margin), height: Math.min(h, y1 + margin) - Math.max(0, y0 - margin) } : { x: 0, y: 0, width: w, height: h };
	return { degrees: peak > 90 ? peak - 180 : peak, strength: bestSum / total, region };
}

/** A rectangle of a grey image, copied out. */
export function cropLuminance(image: ScanImage, r: Rect): ScanImage {
	const lum = toLuminance(image);
	const out = new Uint8ClampedArray(r.width * r.height);
	for (let y = 0; y < r.height; y++) out.set(lum.subarray((r.y + y) * image.width + r.x, (r.y + y) * image.width + r.x + r.width), y * r.width);
	return { data: out, width: r.width, height: r.height };
}

/**
 * The image turned by `degrees` clockwise (luminance, bilinear), on a canvas large enough for all
 * of it; corners filled with the image's mean grey so no hard edge is added.
 */
export function straighten(image: ScanImage, degrees: number): ScanImage {
	const lum = toLuminance(image);
	const { width: w, height: h } = image;
	const rad = (degrees * Math.PI) / 180;
	const cos = Math.cos(rad);
	const sin = Math.sin(rad);
	const ow = Math.ceil(Math.abs(w * cos) + Math.abs(h * sin));
	const oh = Math.ceil(Math.abs(w * sin) + Math.abs(h * cos));
	let mean = 0;
	for (let i = 0; i < lum.length; i += 7) mean += lum[i]!;
	mean = Math.round(mean / Math.ceil(lum.length / 7));
	const out = new Uint8ClampedArray(ow * oh).fill(mean);
	const cx = w / 2;
	const cy = h / 2;
	for (let y = 0; y < oh; y++) {
		const dy = y + 0.5 - oh / 2;
		for (let x = 0; x < ow; x++) {
			const dx = x + 0.5 - ow / 2;
			// Inverse mapping: where in the source this output pixel comes from.
			const sx = cos * dx + sin * dy + cx - 0.5;
			const sy = -sin * dx + cos * dy + cy - 0.5;
			const x0 = Math.floor(sx);
			const y0 = Math.floor(sy);
			if (x0 < 0 || y0 < 0 || x0 >= w - 1 || y0 >= h - 1) continue;
			const fx = sx - x0;
			const fy = sy - y0;
			const i = y0 * w + x0;
			const top = lum[i]! + (lum[i + 1]! - lum[i]!) * fx;
			const bottom = lum[i + w]! + (lum[i + w + 1]! - lum[i + w]!) * fx;
			out[y * ow + x] = top + (bottom - top) * fy;
		}
	}
	return { data: out, width: ow, height: oh };
}
