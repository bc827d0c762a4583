/**
 * The geometry of cropping a badge portrait: which part of the photo becomes the portrait. The
 * portrait is 4:5 (width:height), the photo box of the printed card (64 × 80 pt) and of /verify.
 * Pure functions, so the crop the admin sees is the crop that is saved, and both can be tested.
 */
export const PORTRAIT_ASPECT = 4 / 5;
/** The saved portrait's size in pixels: sharp at 300 dpi on the card, small to send. */
export const PORTRAIT_OUTPUT = { width: 640, height: 800 } as const;
/** Furthest zoom: the crop is at least this fraction of the largest one (a face in a group photo). */
export const MAX_ZOOM = 4;

export interface Crop {
	/** Centre of the crop in photo pixels. */
	cx: number;
	cy: number;
	/** 1: the largest 4:5 rectangle the photo holds; 2: half its width, and so on. */
	zoom: number;
}

export interface Size {
	width: number;
	height: number;
}

/** The largest 4:5 rectangle that fits the photo. */
function baseSize(photo: Size): Size {
	const width = Math.min(photo.width, photo.height * PORTRAIT_ASPECT);
	return { width, height: width / PORTRAIT_ASPECT };
}

/** The part of the photo the crop takes, in photo pixels (always inside the photo). */
export function cropRect(crop: Crop, photo: Size): { x: number; y: number; width: number; height: number } {
	const base = baseSize(photo);
	const width = base.width / crop.zoom;
	const height = base.height / crop.zoom;
	return { x: crop.cx - width / 2, y: crop.cy - height / 2, width, height };
}

/** The crop brought back inside the photo and the zoom range. */
export function clampCrop(crop: Crop, photo: Size): Crop {
	const zoom = Math.min(MAX_ZOOM, Math.max(1, Number.isFinite(crop.zoom) ? crop.zoom : 1));
	const base = baseSize(photo);
	const halfW = base.width / zoom / 2;
	const halfH = base.height / zoom / 2;
	const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Number.isFinite(v) ? v : (lo + hi) / 2));
	return { zoom, cx: clamp(crop.cx, halfW, photo.width - halfW), cy: clamp(crop.cy, halfH, photo.height - halfH) };
}

/**
 * Where a crop starts: the whole width (or height) of the photo, centred across and a little above
 * the middle on a tall photo — a phone portrait has the face in its upper part.
 */
export function initialCrop(photo: Size): Crop {
	const base = baseSize(photo);
	const spare = photo.height - base.height;
	return clampCrop({ zoom: 1, cx: photo.width / 2, cy: base.height / 2 + spare / 3 }, photo);
}

/**
 * Dragging the photo by (dx, dy) screen pixels in a frame `frameWidth` pixels wide: the photo moves
 * with the pointer, so the crop moves the other way, scaled from screen to photo pixels.
 */
export function panBy(crop: Crop, photo: Size, dx: number, dy: number, frameWidth: number): Crop {
	const perScreenPixel = cropRect(crop, photo).width / frameWidth;
	return clampCrop({ ...crop, cx: crop.cx - dx * perScreenPixel, cy: crop.cy - dy * perScreenPixel }, photo);
}

/** A new zoom about the crop's centre. */
export function zoomTo(crop: Crop, photo: Size, zoom: number): Crop {
	return clampCrop({ ...crop, zoom }, photo);
}
