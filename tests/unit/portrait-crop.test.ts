import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clampCrop, cropRect, initialCrop, MAX_ZOOM, panBy, PORTRAIT_ASPECT, zoomTo } from '$lib/planner/portrait-crop';

const landscape = { width: 4000, height: 3000 };
const tall = { width: 3000, height: 4000 };

describe('cropping a badge portrait', () => {
	it('starts with the largest 4:5 portrait the photo holds, centred across, upper part of a tall photo', () => {
		expect(cropRect(initialCrop(landscape), landscape)).toEqual({ x: 800, y: 0, width: 2400, height: 3000 });
		const r = cropRect(initialCrop(tall), tall);
		expect([r.x, r.width, r.height]).toEqual([0, 3000, 3750]);
		expect(r.y).toBeCloseTo(250 / 3);
	});

	it('moves the photo with the pointer: dragging right shows more of its left side', () => {
		const start = zoomTo(initialCrop(landscape), landscape, 2);
		// The frame is 240 px wide and shows 1200 photo pixels: 1 screen pixel = 5 photo pixels.
		const moved = panBy(start, landscape, 20, -10, 240);
		expect(moved.cx).toBeCloseTo(start.cx - 100);
		expect(moved.cy).toBeCloseTo(start.cy + 50);
	});

	it('never leaves the photo, however far it is dragged or zoomed', () => {
		fc.assert(
			fc.property(
				fc.record({ width: fc.integer({ min: 120, max: 9000 }), height: fc.integer({ min: 120, max: 9000 }) }),
				fc.array(fc.tuple(fc.double({ min: -1e5, max: 1e5, noNaN: true }), fc.double({ min: -1e5, max: 1e5, noNaN: true }), fc.double({ min: 0.1, max: 10, noNaN: true })), { maxLength: 8 }),
				(photo, steps) => {
					let crop = initialCrop(photo);
					for (const [dx, dy, z] of steps) crop = zoomTo(panBy(crop, photo, dx, dy, 240), photo, z);
					const r = cropRect(crop, photo);
					const eps = 1e-6 * Math.max(photo.width, photo.height);
					expect(r.x).toBeGreaterThanOrEqual(-eps);
					expect(r.y).toBeGreaterThanOrEqual(-eps);
					expect(r.x + r.width).toBeLessThanOrEqual(photo.width + eps);
					expect(r.y + r.height).toBeLessThanOrEqual(photo.height + eps);
					expect(r.width / r.height).toBeCloseTo(PORTRAIT_ASPECT);
					expect(crop.zoom).toBeGreaterThanOrEqual(1);
					expect(crop.zoom).toBeLessThanOrEqual(MAX_ZOOM);
				}
			)
		);
	});

	it('treats a zoom that is not a number as no zoom', () => {
		expect(clampCrop({ cx: 2000, cy: 1500, zoom: Number.NaN }, landscape).zoom).toBe(1);
	});
});
