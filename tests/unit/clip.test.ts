import { describe, expect, it } from 'vitest';
import { clip } from '$lib/public/clip';

describe('clip', () => {
	it('never splits an emoji, so the clipped text can always be put into a link', () => {
		const typed = '👩‍👩‍👧‍👦'.repeat(10);
		for (let max = 0; max < 40; max++) expect(() => encodeURIComponent(clip(typed, max))).not.toThrow();
		expect(clip('AB-123', 4)).toBe('AB-1');
		expect(clip('😀😀😀', 2)).toBe('😀😀');
	});
});
