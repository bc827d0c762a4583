/** The upload limit per photo: basements have weak signal, a day has ~40 exchanges. */
export const PHOTO_MAX_BYTES = 300 * 1024;

/**
 * Compresses a camera photo on the tablet to a JPEG of at most 300 KB. The library is loaded
 * only when the first photo is taken (it is not part of the app shell). No Web Worker: the
 * library's worker would fetch its script from a CDN, which a tablet in a basement cannot reach.
 */
export async function compressPhoto(file: Blob): Promise<Blob> {
	const { default: imageCompression } = await import('browser-image-compression');
	const asFile = file instanceof File ? file : new File([file], 'photo', { type: file.type });
	let out: Blob = await imageCompression(asFile, { maxSizeMB: 0.28, maxWidthOrHeight: 1600, useWebWorker: false, fileType: 'image/jpeg', initialQuality: 0.8 });
	for (let side = 1200; out.size > PHOTO_MAX_BYTES && side >= 600; side -= 300) {
		out = await imageCompression(new File([out], 'photo.jpg', { type: 'image/jpeg' }), { maxSizeMB: 0.2, maxWidthOrHeight: side, useWebWorker: false, fileType: 'image/jpeg' });
	}
	return out.type === 'image/jpeg' ? out : new Blob([out], { type: 'image/jpeg' });
}
