import { rgb, type PDFFont, type PDFPage, type RGB } from 'pdf-lib';
import QRCode from 'qrcode';
import { PdfWriter, A4 } from '../../src/lib/pdf/pdf-writer';
import { serverPdfFonts } from '../pdf/fonts';
import { translate, type Locale } from '../i18n';

/** ID-1 card size (85.6 × 54 mm) in points. */
const CARD = { width: 242.65, height: 153.07 };
const MM = 72 / 25.4;

export interface BadgeCardData {
	firstName: string;
	lastName: string;
	company: string;
	badgeNumber: string;
	validUntil: string;
	photo: { contentType: string; data: Uint8Array } | null;
	/** The badge's QR target: https://<operator site>/v/<signed token>. */
	url: string;
	hotline: string;
}

const hex = (c: string): RGB => {
	const m = /^#([0-9a-f]{6})$/i.exec(c);
	const n = m ? Number.parseInt(m[1]!, 16) : 0x777777;
	return rgb(((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255);
};

/**
 * Draws the simple SVG the demo portraits are made of (rect, path, circle, text with fills).
 * Real badge photos are JPEG or PNG and are embedded as images; PDF has no SVG support.
 */
function drawSimpleSvg(page: PDFPage, svg: string, box: { x: number; y: number; width: number; height: number }, font: PDFFont) {
	const vb = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
	const [w, h] = vb ? [Number(vb[1]), Number(vb[2])] : [box.width, box.height];
	const s = Math.min(box.width / w, box.height / h);
	const top = box.y + box.height;
	const attr = (el: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(el)?.[1];
	for (const el of svg.match(/<(rect|path|circle|text)\b[^>]*>([^<]*)?/g) ?? []) {
		const fill = hex(attr(el, 'fill') ?? '#777777');
		if (el.startsWith('<rect')) {
			page.drawRectangle({ x: box.x, y: top - Number(attr(el, 'height') ?? h) * s, width: Number(attr(el, 'width') ?? w) * s, height: Number(attr(el, 'height') ?? h) * s, color: fill });
		} else if (el.startsWith('<path')) {
			page.drawSvgPath(attr(el, 'd') ?? '', { x: box.x, y: top, scale: s, color: fill });
		} else if (el.startsWith('<circle')) {
			page.drawCircle({ x: box.x + Number(attr(el, 'cx')) * s, y: top - Number(attr(el, 'cy')) * s, size: Number(attr(el, 'r')) * s, color: fill });
		} else {
			const text = el.replace(/^<text[^>]*>/, '');
			const size = Number(attr(el, 'font-size') ?? 16) * s;
			const width = font.widthOfTextAtSize(text, size);
			page.drawText(text, { x: box.x + Number(attr(el, 'x')) * s - width / 2, y: top - Number(attr(el, 'y')) * s, size, font, color: fill });
		}
	}
}

/** The QR code as vector squares: sharp in print at any size, unlike a scaled bitmap. */
function drawQr(page: PDFPage, text: string, box: { x: number; y: number; size: number }): void {
	const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
	const quiet = 2;
	const n = modules.size;
	const cell = box.size / (n + 2 * quiet);
	page.drawRectangle({ x: box.x, y: box.y, width: box.size, height: box.size, color: rgb(1, 1, 1) });
	for (let row = 0; row < n; row++) {
		for (let col = 0; col < n; col++) {
			if (!modules.get(row, col)) continue;
			page.drawRectangle({ x: box.x + (col + quiet) * cell, y: box.y + box.size - (row + quiet + 1) * cell, width: cell, height: cell, color: rgb(0, 0, 0) });
		}
	}
}

type Translate = (key: string, params?: Record<string, unknown>) => string;

/** One card, cut line and all, with its lower left corner at (x0, y0) on the writer's current page. */
async function drawCard(writer: PdfWriter, card: BadgeCardData, x0: number, y0: number, t: Translate): Promise<void> {
	const page = writer.page;
	const ink = rgb(0.1, 0.1, 0.12);
	const muted = rgb(0.35, 0.35, 0.4);

	// The card's frame (cut line) and header band.
	page.drawRectangle({ x: x0, y: y0, width: CARD.width, height: CARD.height, borderColor: muted, borderWidth: 0.6, borderDashArray: [3, 2] });
	page.drawRectangle({ x: x0, y: y0 + CARD.height - 20, width: CARD.width, height: 20, color: rgb(0.043, 0.31, 0.7) });
	page.drawText(t('pub_card_heading'), { x: x0 + 8, y: y0 + CARD.height - 14, size: 9, font: writer.bold, color: rgb(1, 1, 1) });

	// Photo, top left; name, company, number beside it; QR bottom right.
	const photoBox = { x: x0 + 8, y: y0 + 42, width: 64, height: 80 };
	if (card.photo?.contentType === 'image/png' || card.photo?.contentType === 'image/jpeg') {
		const img = await writer.embedImage(card.photo.data, card.photo.contentType === 'image/png' ? 'png' : 'jpeg');
		page.drawImage(img, photoBox);
	} else if (card.photo?.contentType === 'image/svg+xml') {
		drawSimpleSvg(page, Buffer.from(card.photo.data).toString('utf8'), photoBox, writer.bold);
	} else {
		page.drawRectangle({ ...photoBox, borderColor: muted, borderWidth: 0.6 });
	}

	const tx = x0 + 80;
	const textWidth = CARD.width - 80 - 8;
	const fit = (text: string, size: number, bold: boolean, width: number) => {
		let s = size;
		while (s > 6 && writer.font(bold).widthOfTextAtSize(text, s) > width) s -= 0.5;
		return s;
	};
	page.drawText(card.firstName, { x: tx, y: y0 + 112, size: fit(card.firstName, 12, true, textWidth), font: writer.bold, color: ink });
	page.drawText(card.lastName, { x: tx, y: y0 + 98, size: fit(card.lastName, 12, true, textWidth), font: writer.bold, color: ink });
	page.drawText(card.company, { x: tx, y: y0 + 86, size: fit(card.company, 7.5, false, textWidth), font: writer.regular, color: muted });
	const qrSize = 72;
	const leftOfQr = CARD.width - 80 - qrSize - 12;
	page.drawText(card.badgeNumber, { x: tx, y: y0 + 58, size: fit(card.badgeNumber, 13, true, leftOfQr), font: writer.bold, color: ink });
	page.drawText(t('pub_card_valid_until', { date: card.validUntil }), { x: tx, y: y0 + 46, size: fit(t('pub_card_valid_until', { date: card.validUntil }), 7, false, leftOfQr), font: writer.regular, color: ink });
	page.drawText(t('pub_card_hotline', { number: card.hotline }), { x: x0 + 8, y: y0 + 10, size: 7, font: writer.bold, color: ink });

	drawQr(page, card.url, { x: x0 + CARD.width - qrSize - 4, y: y0 + 4, size: qrSize });
}

/** One worker's card, with the instructions and the check address printed under it. */
export async function renderBadgeCard(card: BadgeCardData, locale: Locale): Promise<Uint8Array> {
	const t: Translate = (key, params = {}) => translate(key, params, locale);
	const writer = await PdfWriter.create(serverPdfFonts(), { title: t('pub_card_title', { badge: card.badgeNumber }), lang: locale === 'en' ? 'en-GB' : 'pl-PL' });
	const x0 = 20 * MM;
	const y0 = A4.height - 20 * MM - CARD.height;
	await drawCard(writer, card, x0, y0, t);

	// Under the card: instructions and the URL in text for the record.
	writer.y = y0 - 16;
	writer.text(`${card.firstName} ${card.lastName}`, { size: 12, bold: true, gap: 0 });
	writer.text(`${card.company} · ${card.badgeNumber}`, { size: 10 });
	writer.text(t('pub_card_check', { url: card.url }), { size: 9, muted: true });
	writer.text(t('pub_card_instructions'), { size: 10 });
	return writer.save();
}

/** Cards on a sheet: two across, four down (ID-1 cards with room to cut between them). */
const SHEET = { columns: 2, rows: 4, margin: 15 * MM, gap: 8 * MM, headerHeight: 36 };

/**
 * Many cards in one PDF (a crew's batch), eight to an A4 sheet, each sheet headed with `title`
 * and `subtitle` (what was printed, when) and its page number.
 */
export async function renderBadgeCards(cards: BadgeCardData[], locale: Locale, heading: { title: string; subtitle: string }): Promise<Uint8Array> {
	const t: Translate = (key, params = {}) => translate(key, params, locale);
	const writer = await PdfWriter.create(serverPdfFonts(), { title: heading.title, lang: locale === 'en' ? 'en-GB' : 'pl-PL' });
	const perSheet = SHEET.columns * SHEET.rows;
	const sheets = Math.max(1, Math.ceil(cards.length / perSheet));
	const gridWidth = SHEET.columns * CARD.width + (SHEET.columns - 1) * SHEET.gap;
	const left = (A4.width - gridWidth) / 2;
	for (let sheet = 0; sheet < sheets; sheet++) {
		if (sheet > 0) writer.newPage();
		const page = writer.page;
		const top = A4.height - SHEET.margin;
		page.drawText(heading.title, { x: left, y: top - 12, size: 12, font: writer.bold, color: rgb(0.1, 0.1, 0.12) });
		page.drawText(`${heading.subtitle} · ${t('office_batch_sheet', { page: sheet + 1, pages: sheets })}`, { x: left, y: top - 26, size: 8.5, font: writer.regular, color: rgb(0.35, 0.35, 0.4) });
		const onSheet = cards.slice(sheet * perSheet, (sheet + 1) * perSheet);
		for (const [i, card] of onSheet.entries()) {
			const column = i % SHEET.columns;
			const row = Math.floor(i / SHEET.columns);
			const x0 = left + column * (CARD.width + SHEET.gap);
			const y0 = top - SHEET.headerHeight - (row + 1) * CARD.height - row * SHEET.gap;
			await drawCard(writer, card, x0, y0, t);
		}
	}
	return writer.save();
}
