import regularUrl from 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf?url';
import boldUrl from 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf?url';
import type { PdfFonts } from './pdf-writer';

/**
 * The same fonts for PDFs made on the tablet. Vite emits them into the build, so the service
 * worker can precache them and a protocol can be made with no network. Import this module lazily.
 */
export async function browserPdfFonts(): Promise<PdfFonts> {
	const [regular, bold] = await Promise.all(
		[regularUrl, boldUrl].map(async (url) => {
			const res = await fetch(url);
			if (!res.ok) throw new Error(`font ${url}: HTTP ${res.status}`);
			return res.arrayBuffer();
		})
	);
	return { regular: regular!, bold: bold! };
}
