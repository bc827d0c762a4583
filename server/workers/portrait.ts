/** Largest portrait accepted (the console crops and shrinks photos to well under this). */
export const PORTRAIT_MAX_BYTES = 5_000_000;

export interface ImageInfo {
	contentType: 'image/jpeg' | 'image/png';
	width: number;
	height: number;
}

/**
 * The type and size of a JPEG or PNG read from its header, or null when the bytes are not one
 * (a renamed PDF, a truncated upload): the name and the declared type are not trusted.
 */
export function imageInfo(bytes: Uint8Array): ImageInfo | null {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
	if (bytes.length > 24 && png.every((b, i) => bytes[i] === b)) {
		// The first chunk is IHDR: width and height, big-endian.
		if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
		return ok('image/png', view.getUint32(16), view.getUint32(20));
	}
	if (bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
		let i = 2;
		while (i + 9 < bytes.length) {
			if (bytes[i] !== 0xff) return null;
			const marker = bytes[i + 1]!;
			if (marker === 0xff) {
				i++;
				continue;
			}
			const length = view.getUint16(i + 2);
			// Start-of-frame markers (baseline, progressive, …) carry the dimensions.
			if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
				return ok('image/jpeg', view.getUint16(i + 7), view.getUint16(i + 5));
			}
			if (marker === 0xd9 || marker === 0xda) return null;
			i += 2 + length;
		}
	}
	return null;
}

function ok(contentType: ImageInfo['contentType'], width: number, height: number): ImageInfo | null {
	return width > 0 && height > 0 && width <= 10_000 && height <= 10_000 ? { contentType, width, height } : null;
}
