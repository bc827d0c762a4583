/**
 * Meter-label camera frames, made the same way every run from a seed: a 1280×720 frame of a dark
 * cabinet with a grey or beige nameplate, lines of printed text, the meter serial and the PPE as
 * Code 128 (on newer meters the serial as DataMatrix or QR), each degradation a fitter meets at
 * graded strength. Used by the scanner's unit tests and `npm run bench -- scan`.
 */
import { checkCode, type CodeKind } from '../../src/lib/domain/codes';
import { ppeWithCheckDigit } from '../../src/lib/domain/ppe';
import type { Rect } from '../../src/lib/scan/roi';
import type { ScanFormat, ScanImage } from '../../src/lib/scan/types';
import { renderBarcode, seeded, toGrey } from './barcodes';

export { seeded };

export const FRAME_WIDTH = 1280;
export const FRAME_HEIGHT = 720;

export type Degradation = 'clean' | 'two-codes' | 'dark' | 'scratched' | 'tilted' | 'fine-bars' | 'glare' | 'motion-blur' | 'matrix';
export const DEGRADATIONS: readonly Degradation[] = ['clean', 'two-codes', 'dark', 'scratched', 'tilted', 'fine-bars', 'glare', 'motion-blur', 'matrix'];

export interface LabelSpec {
	seed: number;
	/** What the scan step asks for. */
	ask: CodeKind;
	serial: string;
	ppe: string;
	/** How the serial is printed (the PPE is always Code 128). */
	serialFormat?: ScanFormat;
	/** Pixels per module of the linear codes in the frame (≈1.6 is the finest a 720p camera resolves). */
	modulePx?: number;
	/** The label turned this many degrees (counter-clockwise). */
	tiltDegrees?: number;
	/** The code not asked for is printed first (top) and larger: a reader taking the first code gets it. */
	otherFirst?: boolean;
	/** 0 none … 1 a dim cabinet: contrast and noise. */
	dark?: number;
	/** Number of scratches across the cover. */
	scratches?: number;
	/** Torch reflection: peak brightness added (grey levels) and radius in pixels, over the asked code. */
	glare?: { peak: number; radius: number };
	/** Motion blur along the code, in bar (module) widths. */
	blurModules?: number;
}

export interface LabelFrame {
	name: string;
	degradation: Degradation;
	/** 1 (mild) … 3 (strong); the tilt class uses its angle instead. */
	strength: number;
	spec: LabelSpec;
	/** The normalised value the step must end up with. */
	expected: string;
	frame: ScanImage;
}

/** A serial as meter makers print them: 8 digits, 10 digits starting with the year (LZO), or a letter prefix. */
export function serialFor(rand: () => number): string {
	const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
	const pick = rand();
	if (pick < 0.35) return String(1 + Math.floor(rand() * 9)) + digits(7);
	if (pick < 0.75) return '2' + String(Math.floor(rand() * 6)) + digits(8);
	return 'ABCEGLMPZ'[Math.floor(rand() * 9)]! + digits(8);
}

export function ppeFor(rand: () => number): string {
	return ppeWithCheckDigit('590543' + Array.from({ length: 11 }, () => Math.floor(rand() * 10)).join(''));
}

const renders = new Map<string, Promise<ScanImage>>();

/** The symbol drawn large (4 px a module) once, then scaled to the frame's module size. */
function symbol(format: ScanFormat, text: string): Promise<ScanImage> {
	const key = `${format}:${text}`;
	let r = renders.get(key);
	if (!r) {
		r = renderBarcode(format, text, { scale: 4, height: 10, margin: 0 }).then(toGrey);
		renders.set(key, r);
	}
	return r;
}

/** Area-average (down) or bilinear (up) resampling of a grey image to width × height. */
export function resample(g: ScanImage, width: number, height: number): ScanImage {
	const out = new Uint8ClampedArray(width * height);
	const sx = g.width / width;
	const sy = g.height / height;
	for (let y = 0; y < height; y++) {
		const y0 = y * sy;
		const y1 = y0 + sy;
		for (let x = 0; x < width; x++) {
			const x0 = x * sx;
			const x1 = x0 + sx;
			if (sx <= 1 && sy <= 1) {
				out[y * width + x] = bilinear(g, x0 + sx / 2 - 0.5, y0 + sy / 2 - 0.5, 255);
				continue;
			}
			let sum = 0;
			let area = 0;
			for (let yy = Math.floor(y0); yy < Math.ceil(y1); yy++) {
				const wy = Math.min(y1, yy + 1) - Math.max(y0, yy);
				for (let xx = Math.floor(x0); xx < Math.ceil(x1); xx++) {
					const wx = Math.min(x1, xx + 1) - Math.max(x0, xx);
					const v = g.data[Math.min(g.height - 1, yy) * g.width + Math.min(g.width - 1, xx)]!;
					sum += v * wx * wy;
					area += wx * wy;
				}
			}
			out[y * width + x] = sum / area;
		}
	}
	return { data: out, width, height };
}

function bilinear(g: ScanImage, x: number, y: number, outside: number): number {
	const x0 = Math.floor(x);
	const y0 = Math.floor(y);
	const fx = x - x0;
	const fy = y - y0;
	const at = (xx: number, yy: number) => (xx < 0 || yy < 0 || xx >= g.width || yy >= g.height ? outside : g.data[yy * g.width + xx]!);
	return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
}

/** Draws a grey image into another at (left, top). */
function blit(dst: ScanImage, src: ScanImage, left: number, top: number): void {
	for (let y = 0; y < src.height; y++) {
		const ty = top + y;
		if (ty < 0 || ty >= dst.height) continue;
		for (let x = 0; x < src.width; x++) {
			const tx = left + x;
			if (tx >= 0 && tx < dst.width) dst.data[ty * dst.width + tx] = src.data[y * src.width + x]!;
		}
	}
}

function fillRect(img: ScanImage, x: number, y: number, w: number, h: number, v: number): void {
	for (let yy = Math.max(0, y); yy < Math.min(img.height, y + h); yy++) img.data.fill(v, yy * img.width + Math.max(0, x), yy * img.width + Math.min(img.width, x + w));
}

/** A line of printed text: glyph-like strokes (verticals, bars, dots), the clutter around real codes. */
function textLine(img: ScanImage, x: number, y: number, chars: number, size: number, ink: number, rand: () => number): void {
	const w = Math.round(size * 0.6);
	for (let c = 0; c < chars; c++) {
		if (rand() < 0.15) continue; // a space
		const gx = x + c * (w + Math.max(1, Math.round(size * 0.15)));
		const stroke = Math.max(1, Math.round(size / 7));
		if (rand() < 0.7) fillRect(img, gx, y, stroke, size, ink);
		if (rand() < 0.5) fillRect(img, gx + w - stroke, y, stroke, size, ink);
		if (rand() < 0.6) fillRect(img, gx, y, w, stroke, ink);
		if (rand() < 0.5) fillRect(img, gx, y + Math.round(size / 2), w, stroke, ink);
		if (rand() < 0.6) fillRect(img, gx, y + size - stroke, w, stroke, ink);
	}
}

/** A code on its white sticker area with its quiet zone, scaled to `modulePx`. */
async function codeSticker(format: ScanFormat, text: string, modulePx: number, barHeight: number): Promise<ScanImage> {
	const big = await symbol(format, text);
	const factor = modulePx / 4;
	const linear = format !== 'DATA_MATRIX' && format !== 'QR_CODE';
	const w = Math.max(1, Math.round(big.width * factor));
	const h = linear ? barHeight : Math.max(1, Math.round(big.height * factor));
	const code = resample(big, w, h);
	const quiet = Math.round(modulePx * (linear ? 12 : 3));
	const above = Math.round(modulePx * 3) + 4;
	const out: ScanImage = { data: new Uint8ClampedArray((w + 2 * quiet) * (h + 2 * above)).fill(250), width: w + 2 * quiet, height: h + 2 * above };
	blit(out, code, quiet, above);
	return out;
}

/** The frame for one label spec. */
export async function meterLabelFrame(spec: LabelSpec): Promise<ScanImage> {
	const rand = seeded(spec.seed);
	const modulePx = spec.modulePx ?? 2.6 + rand() * 0.8;
	const serialFormat = spec.serialFormat ?? 'CODE_128';
	const matrix = serialFormat === 'DATA_MATRIX' || serialFormat === 'QR_CODE';

	// The nameplate, drawn upright, then laid into the frame turned and shifted.
	const plateTone = rand() < 0.5 ? 186 + Math.floor(rand() * 14) : 208 + Math.floor(rand() * 14); // grey or beige
	const plate: ScanImage = { data: new Uint8ClampedArray(780 * 340).fill(plateTone), width: 780, height: 340 };
	const ink = 30 + Math.floor(rand() * 25);
	textLine(plate, 24, 14, 18, 16, ink, rand); // maker and type
	textLine(plate, 420, 16, 22, 11, ink, rand); // ratings
	textLine(plate, 420, 34, 20, 11, ink, rand);

	const serialAsked = spec.ask === 'meter_serial';
	const bigBar = 66;
	const smallBar = 52;
	const serialCode = await codeSticker(serialFormat, spec.serial, matrix ? Math.max(4, modulePx * 1.8) : modulePx * (spec.otherFirst && serialAsked ? 1 : spec.otherFirst ? 1.25 : 1), spec.otherFirst && !serialAsked ? bigBar : smallBar);
	const ppeCode = await codeSticker('CODE_128', spec.ppe, modulePx * (spec.otherFirst && serialAsked ? 1.25 : 1), spec.otherFirst && serialAsked ? bigBar : smallBar);
	const askedFirst = spec.otherFirst ? false : rand() < 0.5;
	const [first, second] = (serialAsked ? askedFirst : !askedFirst) ? [serialCode, ppeCode] : [ppeCode, serialCode];
	let askedBox: Rect;
	let otherBox: Rect;
	if (matrix) {
		// PPE bars on the left, the serial's matrix on the right.
		blit(plate, ppeCode, 24, 90);
		textLine(plate, 40, 90 + ppeCode.height + 4, 18, 12, ink, rand);
		const mx = Math.min(plate.width - serialCode.width - 20, 40 + ppeCode.width);
		blit(plate, serialCode, mx, 80);
		const serialBox = { x: mx, y: 80, width: serialCode.width, height: serialCode.height };
		const ppeBox = { x: 24, y: 90, width: ppeCode.width, height: ppeCode.height };
		[askedBox, otherBox] = serialAsked ? [serialBox, ppeBox] : [ppeBox, serialBox];
	} else {
		const y1 = 66;
		const y2 = y1 + first.height + 26;
		blit(plate, first, 24, y1);
		textLine(plate, 40, y1 + first.height + 4, 16, 12, ink, rand);
		blit(plate, second, 24, y2);
		textLine(plate, 40, y2 + second.height + 4, 16, 12, ink, rand);
		const askedIsFirst = (first === serialCode) === serialAsked;
		const firstBox = { x: 24, y: y1, width: first.width, height: first.height };
		const secondBox = { x: 24, y: y2, width: second.width, height: second.height };
		[askedBox, otherBox] = askedIsFirst ? [firstBox, secondBox] : [secondBox, firstBox];
	}
	textLine(plate, matrix ? 24 : 500, matrix ? 250 : 120, 14, 14, ink, rand); // a logo-ish block and the legal marks
	fillRect(plate, 640, 200, 90, 90, ink);
	fillRect(plate, 652, 212, 66, 66, plateTone);
	textLine(plate, 480, 300, 20, 12, ink, rand);

	for (let i = 0; i < (spec.scratches ?? 0); i++) {
		// Scratches in the cover: thin bright or dark strokes at random angles.
		const x0 = rand() * plate.width;
		const y0 = rand() * plate.height;
		const a = rand() * Math.PI;
		const len = 60 + rand() * 260;
		const v = rand() < 0.6 ? 240 : 90;
		for (let t = 0; t < len; t++) {
			const x = Math.round(x0 + Math.cos(a) * t);
			const y = Math.round(y0 + Math.sin(a) * t);
			if (x >= 0 && y >= 0 && x < plate.width && y < plate.height) plate.data[y * plate.width + x] = (plate.data[y * plate.width + x]! + v * 2) / 3;
		}
	}

	// The cabinet: dark, lit from above, with the meter's housing edge.
	const frame: ScanImage = { data: new Uint8ClampedArray(FRAME_WIDTH * FRAME_HEIGHT), width: FRAME_WIDTH, height: FRAME_HEIGHT };
	const cabinet = 55 + Math.floor(rand() * 30);
	for (let y = 0; y < FRAME_HEIGHT; y++) frame.data.fill(cabinet + Math.round((1 - y / FRAME_HEIGHT) * 30), y * FRAME_WIDTH, (y + 1) * FRAME_WIDTH);
	fillRect(frame, 150, 60, 980, 600, cabinet + 60);

	const angle = ((spec.tiltDegrees ?? (rand() - 0.5) * 4) * Math.PI) / 180;
	const cos = Math.cos(angle);
	const sin = Math.sin(angle);
	const cx = FRAME_WIDTH / 2 + Math.round((rand() - 0.5) * 40);
	const cy = FRAME_HEIGHT / 2 + Math.round((rand() - 0.5) * 30);
	// The fitter aims at the asked code, with the other one also in the aiming frame.
	const centre = (b: Rect) => [b.x + b.width / 2, b.y + b.height / 2] as const;
	const [ax, ay] = centre(askedBox);
	const [ox, oy] = centre(otherBox);
	const pcx = ax + (ox - ax) * 0.4;
	const pcy = ay + (oy - ay) * 0.4;
	// Only the plate's bounding box in the frame is visited (this loop is most of a frame's cost).
	const corners = [[0, 0], [plate.width, 0], [0, plate.height], [plate.width, plate.height]].map(([px, py]) => [cx + cos * (px! - pcx) + sin * (py! - pcy), cy - sin * (px! - pcx) + cos * (py! - pcy)] as const);
	const xs = corners.map((c) => c[0]);
	const ys = corners.map((c) => c[1]);
	const pw = plate.width;
	const pd = plate.data;
	for (let y = Math.max(0, Math.floor(Math.min(...ys))); y < Math.min(FRAME_HEIGHT, Math.ceil(Math.max(...ys))); y++) {
		for (let x = Math.max(0, Math.floor(Math.min(...xs))); x < Math.min(FRAME_WIDTH, Math.ceil(Math.max(...xs))); x++) {
			const dx = x + 0.5 - cx;
			const dy = y + 0.5 - cy;
			const px = cos * dx - sin * dy + pcx - 0.5;
			const py = sin * dx + cos * dy + pcy - 0.5;
			if (px < 0 || py < 0 || px >= pw - 1 || py >= plate.height - 1) continue;
			const x0 = px | 0;
			const y0 = py | 0;
			const fx = px - x0;
			const fy = py - y0;
			const i = y0 * pw + x0;
			const top = pd[i]! + (pd[i + 1]! - pd[i]!) * fx;
			const bottom = pd[i + pw]! + (pd[i + pw + 1]! - pd[i + pw]!) * fx;
			frame.data[y * FRAME_WIDTH + x] = top + (bottom - top) * fy;
		}
	}

	if (spec.blurModules) motionBlur(frame, Math.max(2, Math.round(spec.blurModules * modulePx)), angle);
	if (spec.glare) {
		// The reflection sits on the asked code, a little off its centre.
		const bx = askedBox.x + askedBox.width * (0.3 + rand() * 0.4) - pcx;
		const by = askedBox.y + askedBox.height * 0.5 - pcy;
		const gx = cx + cos * bx + sin * by;
		const gy = cy - sin * bx + cos * by;
		const { peak, radius } = spec.glare;
		for (let y = Math.max(0, Math.floor(gy - 3 * radius)); y < Math.min(FRAME_HEIGHT, gy + 3 * radius); y++)
			for (let x = Math.max(0, Math.floor(gx - 3 * radius)); x < Math.min(FRAME_WIDTH, gx + 3 * radius); x++) {
				const r2 = (x - gx) ** 2 + (y - gy) ** 2;
				const i = y * FRAME_WIDTH + x;
				frame.data[i] = frame.data[i]! + peak * Math.exp(-r2 / (2 * radius * radius));
			}
	}
	const dark = spec.dark ?? 0;
	const contrast = 1 - 0.8 * dark;
	const noise = 3 + 14 * dark;
	for (let i = 0; i < frame.data.length; i++) frame.data[i] = 20 + (frame.data[i]! - 20) * contrast + (rand() * 2 - 1) * noise;
	return frame;
}

/** Blur along the code's axis (the tablet moving while the shutter is open). */
function motionBlur(img: ScanImage, length: number, angle: number): void {
	const src = img.data.slice();
	const steps = Array.from({ length }, (_, k) => k - (length - 1) / 2);
	const offsets = steps.map((s) => [Math.round(Math.cos(angle) * s), Math.round(-Math.sin(angle) * s)] as const);
	for (let y = 0; y < img.height; y++)
		for (let x = 0; x < img.width; x++) {
			let sum = 0;
			for (const [ox, oy] of offsets) {
				const xx = Math.min(img.width - 1, Math.max(0, x + ox));
				const yy = Math.min(img.height - 1, Math.max(0, y + oy));
				sum += src[yy * img.width + xx]!;
			}
			img.data[y * img.width + x] = sum / length;
		}
}

/** The crop under the aiming frame, scaled to `size` as the page draws it (area averaging). */
export function cropFrame(frame: ScanImage, rect: Rect, size: { width: number; height: number }): ScanImage {
	const crop: ScanImage = { data: new Uint8ClampedArray(rect.width * rect.height), width: rect.width, height: rect.height };
	for (let y = 0; y < rect.height; y++) crop.data.set(frame.data.subarray((rect.y + y) * frame.width + rect.x, (rect.y + y) * frame.width + rect.x + rect.width), y * rect.width);
	return size.width === rect.width && size.height === rect.height ? crop : resample(crop, size.width, size.height);
}

/** One labelled frame from a spec. */
export async function labelFrame(name: string, degradation: Degradation, strength: number, spec: LabelSpec): Promise<LabelFrame> {
	const text = spec.ask === 'meter_serial' ? spec.serial : spec.ppe;
	const check = checkCode(spec.ask, text);
	if (!check.ok) throw new Error(`generator made an invalid ${spec.ask}: ${text}`);
	return { name, degradation, strength, spec, expected: check.value, frame: await meterLabelFrame(spec) };
}

/**
 * The benchmark's set: every degradation class at graded strength, `perStep` frames each. Every
 * frame holds the serial and the PPE; one step in three asks for the PPE, the others the serial.
 */
export async function meterLabelSet(perStep = 6): Promise<LabelFrame[]> {
	const frames: LabelFrame[] = [];
	let seed = 1000;
	const add = async (degradation: Degradation, strength: number, extra: (i: number) => Partial<LabelSpec>) => {
		for (let i = 0; i < perStep; i++) {
			const s = ++seed;
			const rand = seeded(s * 7919);
			const ask: CodeKind = i % 3 === 2 ? 'ppe' : 'meter_serial';
			const spec: LabelSpec = { seed: s, ask, serial: serialFor(rand), ppe: ppeFor(rand), ...extra(i) };
			frames.push(await labelFrame(`${degradation}#${strength}.${i}`, degradation, strength, spec));
		}
	};
	for (const strength of [1, 2]) await add('clean', strength, () => ({}));
	for (const strength of [1, 2, 3]) await add('two-codes', strength, () => ({ otherFirst: true, modulePx: 3.2 - 0.4 * strength }));
	for (const strength of [1, 2, 3]) await add('dark', strength, () => ({ dark: 0.35 + 0.2 * strength }));
	for (const strength of [1, 2, 3]) await add('scratched', strength, () => ({ scratches: 25 * strength }));
	for (const degrees of [15, 25, 35, 45]) await add('tilted', degrees, (i) => ({ tiltDegrees: i % 2 ? -degrees : degrees }));
	for (const [strength, modulePx] of [[1, 2.0], [2, 1.8], [3, 1.6]] as const) await add('fine-bars', strength, () => ({ modulePx }));
	for (const strength of [1, 2, 3]) await add('glare', strength, () => ({ glare: { peak: 90 + 60 * strength, radius: 18 + 12 * strength } }));
	for (const strength of [1, 2, 3]) await add('motion-blur', strength, () => ({ blurModules: strength }));
	for (const strength of [1, 2]) await add('matrix', strength, (i) => ({ serialFormat: (i + strength) % 2 ? 'DATA_MATRIX' : 'QR_CODE' }));
	return frames;
}
