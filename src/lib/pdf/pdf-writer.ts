import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFImage, type PDFPage } from 'pdf-lib';

/**
 * A4 documents with Polish text (ą, ę, ł, ż… need an embedded Unicode font; pdf-lib's standard
 * fonts are WinAnsi only). Isomorphic: the server passes font bytes read from disk, the tablet
 * passes bytes it fetched from the precached build, so a protocol can be made offline.
 */
export interface PdfFonts {
	regular: Uint8Array | ArrayBuffer;
	bold: Uint8Array | ArrayBuffer;
}

export const A4 = { width: 595.28, height: 841.89 } as const;
const MARGIN = 48;
const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.35, 0.35, 0.4);

export interface TextOptions {
	size?: number;
	bold?: boolean;
	muted?: boolean;
	/** Extra space after the block, in points. */
	gap?: number;
}

export class PdfWriter {
	page!: PDFPage;
	/** Baseline of the next line, from the bottom of the page. */
	y = 0;
	readonly width = A4.width - 2 * MARGIN;

	private constructor(
		readonly doc: PDFDocument,
		readonly regular: PDFFont,
		readonly bold: PDFFont
	) {}

	static async create(fonts: PdfFonts, meta: { title: string; author?: string; lang?: string }): Promise<PdfWriter> {
		const doc = await PDFDocument.create();
		doc.registerFontkit(fontkit);
		const [regular, bold] = await Promise.all([doc.embedFont(fonts.regular, { subset: true }), doc.embedFont(fonts.bold, { subset: true })]);
		doc.setTitle(meta.title);
		doc.setLanguage(meta.lang ?? 'pl-PL');
		if (meta.author) doc.setAuthor(meta.author);
		doc.setCreator('Wymiana');
		const writer = new PdfWriter(doc, regular, bold);
		writer.newPage();
		return writer;
	}

	newPage(): PDFPage {
		this.page = this.doc.addPage([A4.width, A4.height]);
		this.y = A4.height - MARGIN;
		return this.page;
	}

	/** Starts a new page when fewer than `height` points are left. */
	ensureSpace(height: number): void {
		if (this.y - height < MARGIN) this.newPage();
	}

	font(bold = false): PDFFont {
		return bold ? this.bold : this.regular;
	}

	/** Splits text into lines that fit `width` at `size` (words kept whole unless one is too long). */
	wrap(text: string, size: number, bold = false, width = this.width): string[] {
		const font = this.font(bold);
		const lines: string[] = [];
		for (const paragraph of text.split('\n')) {
			let line = '';
			for (const word of paragraph.split(/\s+/).filter(Boolean)) {
				const candidate = line ? `${line} ${word}` : word;
				if (font.widthOfTextAtSize(candidate, size) <= width) {
					line = candidate;
				} else {
					if (line) lines.push(line);
					line = word;
					while (font.widthOfTextAtSize(line, size) > width && line.length > 1) {
						let cut = line.length - 1;
						while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width) cut--;
						lines.push(line.slice(0, cut));
						line = line.slice(cut);
					}
				}
			}
			lines.push(line);
		}
		return lines;
	}

	/** A wrapped block of text at the current position; flows onto new pages. */
	text(text: string, { size = 11, bold = false, muted = false, gap = 4 }: TextOptions = {}): void {
		const leading = size * 1.3;
		for (const line of this.wrap(text, size, bold)) {
			this.ensureSpace(leading);
			this.y -= size;
			this.page.drawText(line, { x: MARGIN, y: this.y, size, font: this.font(bold), color: muted ? MUTED : INK });
			this.y -= leading - size;
		}
		this.y -= gap;
	}

	/** Label/value rows in two columns (labels muted), e.g. a meter's serial and readings. */
	rows(rows: Array<[label: string, value: string]>, { size = 11, labelWidth = 190 }: { size?: number; labelWidth?: number } = {}): void {
		const leading = size * 1.35;
		for (const [label, value] of rows) {
			const labelLines = this.wrap(label, size, false, labelWidth - 8);
			const valueLines = this.wrap(value, size, true, this.width - labelWidth);
			const n = Math.max(labelLines.length, valueLines.length);
			this.ensureSpace(n * leading);
			for (let i = 0; i < n; i++) {
				this.y -= size;
				if (labelLines[i]) this.page.drawText(labelLines[i]!, { x: MARGIN, y: this.y, size, font: this.regular, color: MUTED });
				if (valueLines[i]) this.page.drawText(valueLines[i]!, { x: MARGIN + labelWidth, y: this.y, size, font: this.bold, color: INK });
				this.y -= leading - size;
			}
		}
		this.y -= 6;
	}

	/** A thin rule across the text width. */
	rule(gap = 10): void {
		this.ensureSpace(gap * 2);
		this.y -= gap;
		this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: MARGIN + this.width, y: this.y }, thickness: 0.7, color: MUTED });
		this.y -= gap;
	}

	async embedImage(bytes: Uint8Array | ArrayBuffer, type: 'png' | 'jpeg'): Promise<PDFImage> {
		return type === 'png' ? this.doc.embedPng(bytes) : this.doc.embedJpg(bytes);
	}

	/** An image of the given width at the left margin (or `x`), scaled to keep its proportions. */
	image(image: PDFImage, width: number, { x = MARGIN, gap = 8 }: { x?: number; gap?: number } = {}): void {
		const height = (image.height / image.width) * width;
		this.ensureSpace(height);
		this.y -= height;
		this.page.drawImage(image, { x, y: this.y, width, height });
		this.y -= gap;
	}

	async save(): Promise<Uint8Array> {
		return this.doc.save();
	}
}
