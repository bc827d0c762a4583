/**
 * The text of an uploaded CSV file. UTF-8 is expected, but Excel on a Polish Windows saves "CSV"
 * in Windows-1250: read as UTF-8, every Polish letter of such a file would be stored as "�" in
 * street and estate names, and printed on the stairwell notices. A file that is not UTF-8 from its
 * first non-ASCII byte on is read as Windows-1250 (the two agree on ASCII, so nothing read before
 * that byte changes) and the import report says so. A file that was valid UTF-8 and then is not
 * (two files pasted together) cannot be read either way: the row where that happens is an error.
 */
export type CsvEncoding = 'utf-8' | 'windows-1250';

export class CsvDecoder {
	encoding: CsvEncoding = 'utf-8';
	/** The row (as in a spreadsheet, header = 1) from which the text could not be read, if any. */
	brokenAtRow: number | null = null;
	private decoder = new TextDecoder('utf-8', { fatal: true });
	private seenNonAscii = false;
	private lines = 1;

	decode(chunk: Uint8Array): string {
		// Lines are counted only while a later break of UTF-8 could still need its row.
		const counting = this.encoding === 'utf-8' && this.brokenAtRow === null;
		const text = this.decodeChunk(chunk);
		if (counting && this.brokenAtRow === null) for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lines++;
		return text;
	}

	/** What the decoder still holds at the end of the file (an incomplete UTF-8 sequence). */
	end(): string {
		try {
			return this.decoder.decode();
		} catch {
			this.brokenAtRow ??= this.lines;
			return '';
		}
	}

	private decodeChunk(chunk: Uint8Array): string {
		if (this.encoding === 'windows-1250' || this.brokenAtRow !== null) return this.decoder.decode(chunk, { stream: true });
		try {
			const text = this.decoder.decode(chunk, { stream: true });
			// One character per byte only when every byte was ASCII (a letter cut at the end of the
			// piece is held back, which also makes the text shorter).
			this.seenNonAscii ||= text.length !== chunk.length;
			return text;
		} catch {
			if (!this.seenNonAscii) {
				// Only ASCII came before, read alike in both: this chunk and the rest are Windows-1250.
				this.encoding = 'windows-1250';
				this.decoder = new TextDecoder('windows-1250');
				return this.decoder.decode(chunk, { stream: true });
			}
			// UTF-8 before, something else now: reported at the row where it starts; the rest is read
			// with replacement characters only so the row count stays right (nothing is stored).
			this.decoder = new TextDecoder('utf-8');
			const text = this.decoder.decode(chunk, { stream: true });
			const at = text.indexOf('\uFFFD');
			let row = this.lines;
			for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) row++;
			this.brokenAtRow = row;
			return text;
		}
	}
}
