import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PdfFonts } from '../../src/lib/pdf/pdf-writer';

let cached: PdfFonts | null = null;

/** DejaVu Sans from its npm package (read once): covers Polish letters in server-made PDFs. */
export function serverPdfFonts(): PdfFonts {
	if (!cached) {
		const dir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
		cached = { regular: readFileSync(join(dir, 'DejaVuSans.ttf')), bold: readFileSync(join(dir, 'DejaVuSans-Bold.ttf')) };
	}
	return cached;
}
