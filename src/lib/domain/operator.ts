/**
 * Who residents deal with: the operator's name, hotline and public addresses. Read from the
 * server's configuration (server/operator/operator-config.ts) and handed to public pages, PDFs and
 * the tablet (through the fitter's profile), so no page carries a number of its own. Isomorphic.
 */
export interface OperatorInfo {
	/** The operator's name; null in the demo (pages then print the demo name from the messages). */
	name: string | null;
	/** The hotline as people read it aloud ("22 821 31 31"). */
	hotline: string;
	/** Only a line configured as free of charge is ever called free. */
	hotlineFree: boolean;
	/** Demo values: every page and document marks the number as a demo number. */
	demo: boolean;
	/** Where residents check a fitter's badge (printed on notices and protocols). */
	verifyUrl: string;
	/** Where residents book or move an in-home visit. */
	bookingUrl: string;
	/** The short resident questions page. */
	faqUrl: string;
}

/** tel: needs the bare digits (and a leading +); the display form keeps the spaces. */
export function hotlineHref(op: Pick<OperatorInfo, 'hotline'>): string {
	return `tel:${op.hotline.replace(/[^\d+]/g, '')}`;
}
