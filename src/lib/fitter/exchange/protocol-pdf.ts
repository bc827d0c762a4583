import type { LocalExchange, LocalJob, LocalOutage, LocalProfile, LocalReading, LocalSeal } from '$lib/offline/db';
import { hotlineText, operatorName } from '$lib/public/operator-text';
import { m } from '$lib/paraglide/messages.js';
import { getLocale } from '$lib/paraglide/runtime.js';
import { formatDecimal, formatDocumentDateTime, formatTime } from '$lib/ui/format';
import { sealState } from './labels';

export interface ProtocolData {
	job: LocalJob;
	exchange: LocalExchange;
	readings: LocalReading[];
	seals: LocalSeal[];
	outages: LocalOutage[];
	profile: LocalProfile | null;
	/** PNG of the resident's signature; null for a stairwell meter or a refusal. */
	signature: Blob | null;
	at: Date;
	/** Who signs (their name is printed), or that the resident refused and why. */
	signer?: { kind: 'resident' | 'stairwell' | 'refused'; name: string | null; refusalReason: string | null };
}

/**
 * The exchange protocol as an A4 PDF, made on the tablet (works with no network: pdf-lib and the
 * fonts are loaded lazily from the precached build). The same facts the server holds, in words.
 */
export async function buildProtocolPdf(d: ProtocolData): Promise<Blob> {
	const [{ PdfWriter }, { browserPdfFonts }] = await Promise.all([import('$lib/pdf/pdf-writer'), import('$lib/pdf/browser-fonts')]);
	const pdf = await PdfWriter.create(await browserPdfFonts(), { title: m.fitter_protocol_title(), author: 'Wymiana', lang: getLocale() });
	const { job, exchange: x } = d;
	pdf.text(m.fitter_protocol_title(), { size: 18, bold: true });
	pdf.text(`${job.building.street} ${job.building.number}, ${job.building.postcode} ${job.building.city}${job.stairwell ? ` · ${m.stairwell_label({ stairwell: job.stairwell })}` : ''}${job.flat ? ` · ${m.job_flat({ flat: job.flat })}` : ''}`);
	pdf.rows([
		[m.job_ppe(), job.ppe],
		[m.job_tariff(), job.tariffGroup + (job.prosumer ? ` · ${m.job_prosumer()}` : '')],
		[m.fitter_protocol_date(), formatDocumentDateTime(d.at.toISOString())]
	]);
	pdf.rule();
	pdf.text(m.fitter_protocol_old_meter(), { size: 13, bold: true });
	const reading = (r: LocalReading) =>
		r.value !== null
			? `${m.job_reading_value({ value: formatDecimal(r.value) })}${r.source === 'optical' ? ` · ${m.fitter_protocol_optical()}` : ''}`
			: m.job_reading_unreadable({ reason: r.unreadableReason ?? '' });
	const latest = (role: 'old' | 'new') => {
		const byRegister = new Map<string, LocalReading>();
		for (const r of d.readings.filter((r) => r.meterRole === role)) byRegister.set(r.register, r);
		return [...byRegister.values()].sort((a, b) => a.register.localeCompare(b.register));
	};
	pdf.rows([
		[m.job_meter_serial(), x.oldMeterSerial ?? '—'],
		...(x.oldMeterMismatch ? [[m.fitter_protocol_mismatch(), x.mismatchReason ?? ''] as [string, string]] : []),
		...latest('old').map((r): [string, string] => [m.fitter_protocol_final_reading({ register: r.register }), reading(r)]),
		...d.seals.filter((s) => s.meterRole === 'old').map((s): [string, string] => [m.fitter_protocol_seal({ number: s.number ?? '—' }), sealState(s.state)])
	]);
	pdf.text(m.fitter_protocol_new_meter(), { size: 13, bold: true });
	pdf.rows([
		[m.job_meter_serial(), x.newMeterSerial ?? '—'],
		[m.job_meter_model(), x.newMeterModel ?? '—'],
		...latest('new').map((r): [string, string] => [m.fitter_protocol_initial_reading({ register: r.register }), reading(r)]),
		[m.fitter_protocol_new_seals(), d.seals.filter((s) => s.meterRole === 'new').map((s) => s.number).join(', ') || '—'],
		[m.fitter_protocol_tariff_programmed(), x.tariffProgrammed ?? '—'],
		[m.fitter_protocol_wmbus(), x.wmbusEnabled ? m.job_yes() : m.job_no()]
	]);
	pdf.text(m.fitter_protocol_outage(), { size: 13, bold: true });
	pdf.rows(
		d.outages.map((o): [string, string] => [
			m.fitter_protocol_outage_row({ off: formatTime(o.offAt) }),
			o.onAt ? `${formatTime(o.onAt)}${o.overrunReason ? ` · ${o.overrunReason}` : ''}` : '—'
		])
	);
	pdf.rule();
	pdf.rows([
		[m.fitter_protocol_fitter(), d.profile ? `${d.profile.firstName} ${d.profile.lastName}, ${d.profile.company}` : '—'],
		[m.fitter_protocol_badge(), d.profile?.badgeNumber ?? '—']
	]);
	// Who the resident deals with, from the server's configuration (pulled with the profile).
	const op = d.profile?.operator;
	if (op)
		pdf.rows([
			[m.protocol_operator(), operatorName(op)],
			[m.protocol_hotline(), hotlineText(op)],
			[m.protocol_verify(), op.verifyUrl]
		]);
	pdf.text(m.protocol_no_contract(), { size: 10 });
	if (d.signer?.kind === 'refused') {
		pdf.text(m.protocol_pdf_refused(), { size: 13, bold: true });
		pdf.rows([
			[m.protocol_pdf_refused_name(), d.signer.name ?? m.protocol_pdf_no_name()],
			[m.protocol_pdf_refusal_reason(), d.signer.refusalReason ?? '—']
		]);
	} else if (d.signature) {
		pdf.text(m.fitter_protocol_signature(), { bold: true });
		if (d.signer?.name) pdf.rows([[m.protocol_pdf_signer(), d.signer.name]]);
		pdf.image(await pdf.embedImage(await d.signature.arrayBuffer(), 'png'), 220);
	} else {
		pdf.text(m.fitter_protocol_no_signature(), { bold: true });
	}
	return new Blob([(await pdf.save()) as Uint8Array<ArrayBuffer>], { type: 'application/pdf' });
}
