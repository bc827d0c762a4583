/**
 * Stairwell notices: one A4 page per stairwell announcing the exchange (date, time window, the
 * power cut, how to recognise a real fitter, where to verify the badge, the hotline). In Polish:
 * they hang in Polish stairwells. One PDF per stairwell, or one per estate with all its stairwells.
 */
import type { Kysely } from 'kysely';
import QRCode from 'qrcode';
import { formatDayFullIn, formatTimeIn } from '../../src/lib/domain/format';
import type { OperatorInfo } from '../../src/lib/domain/operator';
import { PdfWriter } from '../../src/lib/pdf/pdf-writer';
import { hotlineText, operatorName } from '../../src/lib/public/operator-text';
import type { DB } from '../db/schema';
import { translate } from '../i18n';
import { serverPdfFonts } from '../pdf/fonts';
import { naturalCompare } from '../schedule/engine';

export interface StairwellNotice {
	estate: string;
	street: string;
	number: string;
	postcode: string;
	city: string;
	stairwell: string;
	buildingId: string;
	/** One visit per day the crew works this stairwell: Warsaw date and window (ISO instants). */
	visits: Array<{ date: string; start: string; end: string; meters: number }>;
	inHome: number;
	/** Days with in-home appointments in this stairwell. */
	inHomeDates: string[];
}

/** Stairwells of an estate with planned work, and their visits. */
export async function stairwellNotices(db: Kysely<DB>, estateId: string, only?: { buildingId: string; stairwell: string }): Promise<StairwellNotice[]> {
	let q = db
		.selectFrom('jobs as j')
		.innerJoin('meter_points as mp', 'mp.id', 'j.meter_point_id')
		.innerJoin('buildings as b', 'b.id', 'mp.building_id')
		.innerJoin('estates as e', 'e.id', 'b.estate_id')
		.select(['e.name as estate', 'b.id as building_id', 'b.street', 'b.number', 'b.postcode', 'b.city', 'mp.stairwell', 'mp.location', 'j.planned_date', 'j.window_start', 'j.window_end'])
		.where('b.estate_id', '=', estateId)
		.where('j.status', '=', 'planned')
		.where('j.planned_date', 'is not', null);
	if (only) q = q.where('b.id', '=', only.buildingId).where('mp.stairwell', '=', only.stairwell);
	const rows = await q.execute();
	const map = new Map<string, StairwellNotice>();
	for (const r of rows) {
		const key = `${r.building_id}|${r.stairwell}`;
		let n = map.get(key);
		if (!n) map.set(key, (n = { estate: r.estate, street: r.street, number: r.number, postcode: r.postcode, city: r.city, stairwell: r.stairwell, buildingId: r.building_id, visits: [], inHome: 0, inHomeDates: [] }));
		if (r.location === 'in_home') {
			n.inHome++;
			if (!n.inHomeDates.includes(r.planned_date!)) n.inHomeDates.push(r.planned_date!);
			continue;
		}
		if (!r.window_start || !r.window_end) continue;
		let v = n.visits.find((x) => x.date === r.planned_date);
		if (!v) n.visits.push((v = { date: r.planned_date!, start: r.window_start, end: r.window_end, meters: 0 }));
		if (r.window_start < v.start) v.start = r.window_start;
		if (r.window_end > v.end) v.end = r.window_end;
		v.meters++;
	}
	return [...map.values()]
		.filter((n) => n.visits.length > 0 || n.inHome > 0)
		.map((n) => ({ ...n, visits: n.visits.sort((a, b) => (a.date < b.date ? -1 : 1)), inHomeDates: n.inHomeDates.sort() }))
		.sort((a, b) => naturalCompare(a.street, b.street) || naturalCompare(a.number, b.number) || naturalCompare(a.stairwell, b.stairwell));
}

const t = (key: string, params: Record<string, unknown> = {}) => translate(key, params, 'pl');

const dayPl = (date: string) => formatDayFullIn('pl', date);
const timePl = (iso: string) => formatTimeIn('pl', iso);

/** Date as it is printed on the notice ("wtorek, 1 grudnia 2026"); tests look for it. */
export const noticeDate = dayPl;

export async function noticesPdf(notices: StairwellNotice[], opts: { operator: OperatorInfo; title: string }): Promise<Uint8Array> {
	const op = opts.operator;
	const heading = t('notice_operator', { operator: operatorName(op, 'pl') });
	const pdf = await PdfWriter.create(serverPdfFonts(), { title: opts.title, author: operatorName(op, 'pl'), lang: 'pl-PL' });
	const qr = await pdf.embedImage(await QRCode.toBuffer(op.verifyUrl, { type: 'png', width: 360, margin: 1, errorCorrectionLevel: 'M' }), 'png');
	notices.forEach((n, i) => {
		if (i > 0) pdf.newPage();
		pdf.text(heading, { size: 11, muted: true, gap: 2 });
		pdf.text(t('plan_notice_heading'), { size: 24, bold: true, gap: 6 });
		pdf.text(`${n.street} ${n.number}, ${t('plan_notice_stairwell', { stairwell: n.stairwell })} · ${n.postcode} ${n.city} · ${n.estate}`, { size: 12, gap: 8 });
		pdf.rule(6);
		pdf.text(t('plan_notice_when'), { size: 13, bold: true, gap: 2 });
		for (const v of n.visits) pdf.text(`${dayPl(v.date)}, ${t('plan_notice_window', { start: timePl(v.start), end: timePl(v.end) })}`, { size: 18, bold: true, gap: 2 });
		// A stairwell with meters only inside flats: the days of the appointments, booked by residents.
		if (n.visits.length === 0) for (const d of n.inHomeDates) pdf.text(dayPl(d), { size: 18, bold: true, gap: 2 });
		if (n.visits.length) pdf.text(t('plan_notice_meters', { count: n.visits.reduce((s, v) => s + v.meters, 0) }), { size: 11, gap: 8 });
		pdf.text(t('plan_notice_power_off'), { size: 12, gap: 6 });
		if (n.inHome > 0) {
			pdf.text(t('plan_notice_in_home', { count: n.inHome }), { size: 12, gap: 2 });
			pdf.text(t('notice_booking', { url: op.bookingUrl }), { size: 12, bold: true, gap: 6 });
		}
		pdf.text(t('notice_no_contract'), { size: 12, bold: true, gap: 6 });
		pdf.rule(6);
		pdf.text(t('plan_notice_badge_heading'), { size: 13, bold: true, gap: 2 });
		pdf.text(t('plan_notice_badge'), { size: 12, gap: 2 });
		pdf.text(t('plan_notice_no_money'), { size: 12, bold: true, gap: 8 });
		pdf.text(t('plan_notice_verify', { url: op.verifyUrl }), { size: 12, gap: 6 });
		pdf.image(qr, 130, { gap: 6 });
		pdf.text(op.verifyUrl, { size: 11, muted: true, gap: 8 });
		pdf.rule(6);
		pdf.text(t('notice_hotline', { hotline: hotlineText(op, 'pl') }), { size: 13, bold: true, gap: 2 });
		pdf.text(t('notice_faq', { url: op.faqUrl }), { size: 11, gap: 2 });
		pdf.text(t('plan_notice_emergency'), { size: 10, muted: true });
	});
	return pdf.save();
}
