/**
 * The region of interest: the part of the camera frame inside the aiming frame the fitter sees.
 * The video fills its box with `object-fit: cover`, so the visible part is a centred crop of the
 * frame; only the pixels under the aiming frame are decoded (less work, and a code elsewhere in
 * the picture — a neighbour's meter — is not read by mistake).
 */
export interface Rect {
	x: number;
	y: number;
	width: number;
	height: number;
}

/** The aiming frame as fractions of the video box: wide enough for a serial's Code 128. */
export const AIM = { left: 0.1, top: 0.22, width: 0.8, height: 0.56 } as const;

/** Longest side of the decoded crop; larger crops are scaled down (decode time grows with area). */
export const ROI_MAX_SIDE = 960;

/**
 * Longest side of the second, unscaled crop the page sends along when the first one was scaled
 * down: the chain tries it on a miss, for bars ~1.6 px wide that the downscale blurs away (a 720p
 * frame's aiming crop is 1024 px wide).
 */
export const NATIVE_MAX_SIDE = 1280;

/**
 * The aiming frame (fractions of a box of boxWidth × boxHeight CSS pixels showing the video with
 * object-fit: cover) in the video's own pixels, clamped to the frame.
 */
export function roiInVideo(videoWidth: number, videoHeight: number, boxWidth: number, boxHeight: number, aim: typeof AIM = AIM): Rect {
	const scale = Math.max(boxWidth / videoWidth, boxHeight / videoHeight);
	const offsetX = (boxWidth - videoWidth * scale) / 2;
	const offsetY = (boxHeight - videoHeight * scale) / 2;
	const toVideoX = (bx: number) => Math.min(videoWidth, Math.max(0, (bx - offsetX) / scale));
	const toVideoY = (by: number) => Math.min(videoHeight, Math.max(0, (by - offsetY) / scale));
	const x0 = toVideoX(aim.left * boxWidth);
	const y0 = toVideoY(aim.top * boxHeight);
	const x1 = toVideoX((aim.left + aim.width) * boxWidth);
	const y1 = toVideoY((aim.top + aim.height) * boxHeight);
	return { x: Math.round(x0), y: Math.round(y0), width: Math.round(x1 - x0), height: Math.round(y1 - y0) };
}

/** Size to draw the crop at: as is, or scaled down so its longest side is `maxSide`. */
export function scaledSize(rect: Rect, maxSide = ROI_MAX_SIDE): { width: number; height: number } {
	const factor = Math.min(1, maxSide / Math.max(rect.width, rect.height));
	return { width: Math.max(1, Math.round(rect.width * factor)), height: Math.max(1, Math.round(rect.height * factor)) };
}
