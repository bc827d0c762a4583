/**
 * Which code on a nameplate a scan step wants. A meter label carries the serial and the PPE side
 * by side (both Code 128), newer meters a DataMatrix or QR as well, so the decoder is asked for
 * every code in the frame and the one of the asked kind is picked here.
 */
import { checkCode, classifyCode, type CodeKind } from '../domain/codes';
import type { EngineName, ScanFormat, ScanResult } from './types';

/**
 * The symbologies each kind is printed in. What was found (README, scanner section): the meter
 * label standard that is public (ANSI C12.10 via the AEP meter label format) prints the serial as
 * Code 128; the field frames behind issue #18 carry the serial and the PPE in Code 128 and,
 * on newer meters, a DataMatrix or QR; GS1 prints meter identifiers (GIAI) as GS1-128 or GS1
 * DataMatrix, never as EAN. Older labels and seals use Code 39. No source shows a meter serial,
 * PPE or seal as EAN-8, EAN-13 or UPC (retail article numbers), and an 8-digit EAN-8 "read" off a
 * meter label is a misread of the Code 128 or DataMatrix next to it that would pass as a serial,
 * so those symbologies are not even asked for.
 */
export const KIND_FORMATS: Readonly<Record<CodeKind, readonly ScanFormat[]>> = {
	meter_serial: ['CODE_128', 'DATA_MATRIX', 'QR_CODE', 'CODE_39'],
	ppe: ['CODE_128', 'DATA_MATRIX', 'QR_CODE'],
	seal: ['CODE_128', 'DATA_MATRIX', 'QR_CODE', 'CODE_39']
};

/** The linear symbologies of a kind: what the tilt pass (rows of bars) can help with. */
export const LINEAR_FORMATS: ReadonlySet<ScanFormat> = new Set(['CODE_128', 'CODE_39', 'EAN_13', 'EAN_8']);

/** A code of the asked kind, normalised as it is stored. */
export interface KindRead {
	value: string;
	format: ScanFormat;
	engine: EngineName;
}

/** What one frame gave for the asked kind. */
export interface KindDecode {
	read: KindRead | null;
	/** Nothing of the asked kind, but a code of this other kind was seen ("to jest numer PPE"). */
	wrongKind: CodeKind | null;
}

export const NOTHING: KindDecode = { read: null, wrongKind: null };

/** True when the result is in one of the kind's symbologies and passes the kind's check. */
export function isOfKind(kind: CodeKind, result: ScanResult): boolean {
	return KIND_FORMATS[kind].includes(result.format) && checkCode(kind, result.text).ok;
}

/**
 * The code of the asked kind among everything the decoder found; when there is none, the first
 * code of another kind (so the step can name it). Codes in a symbology the kind is never printed
 * in are ignored either way.
 */
export function pickForKind(kind: CodeKind, results: readonly ScanResult[], engine: EngineName): KindDecode {
	let wrongKind: CodeKind | null = null;
	for (const r of results) {
		if (!KIND_FORMATS[kind].includes(r.format)) continue;
		const check = checkCode(kind, r.text);
		if (check.ok) return { read: { value: check.value, format: r.format, engine }, wrongKind: null };
		const other = classifyCode(r.text);
		if (wrongKind === null && other !== 'unknown' && other !== kind) wrongKind = other;
	}
	return { read: null, wrongKind };
}

/**
 * Symbologies without a mandatory check character can misread a bar, and the fallback engine
 * (@zxing/library) misreads more than the others (EAN-8 values off Code 128 and DataMatrix in the
 * benchmark): their codes are accepted only when two frames in a row agree.
 */
export function needsSecondFrame(read: KindRead): boolean {
	return read.format === 'CODE_39' || read.engine === 'zxing-library';
}

/** Holds a read that needs a second frame until the next frame agrees with it. */
export class FrameAgreement {
	#pending: string | null = null;

	/** True when the read can be accepted now. */
	offer(read: KindRead): boolean {
		if (!needsSecondFrame(read)) {
			this.#pending = null;
			return true;
		}
		const key = `${read.format}:${read.value}`;
		if (this.#pending === key) return true;
		this.#pending = key;
		return false;
	}

	/** A frame without a read of the kind: agreement must start again ("two frames in a row"). */
	reset(): void {
		this.#pending = null;
	}
}

/** How many frames in a row without any code before the glare/angle hint (≈3 s at 5 frames a second). */
export const MISSES_BEFORE_HINT = 15;

/** Counts frames in a row in which nothing at all was read. */
export class MissStreak {
	count = 0;
	record(decoded: KindDecode): void {
		this.count = decoded.read || decoded.wrongKind ? 0 : this.count + 1;
	}
	get hint(): boolean {
		return this.count >= MISSES_BEFORE_HINT;
	}
}
