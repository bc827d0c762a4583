import { z } from 'zod';
import { nulCharacterPaths } from './control-chars';
import { codeSchema } from './codes';
import { TARIFF_GROUPS } from './tariff';

/**
 * The fitter's changes, as named mutations. The same schemas validate on the tablet (before a
 * change is written to the outbox) and on the server (before it is applied). Field facts — what
 * was found and done on site — are never overwritten by the office.
 */
const id = z.string().min(1).max(64);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, { message: 'sha256' });
/** A fitter's explanation (override, overrun, unreadable display). */
const reason = z.string().trim().min(3, { message: 'reason_too_short' }).max(500);
const instant = z.iso.datetime({ offset: true });
/** A meter serial or seal number as printed or scanned, stored normalised (codes.ts). */
const serial = codeSchema('meter_serial');
const sealNumber = codeSchema('seal');
const codeSource = z.enum(['camera', 'manual', 'optical']);
/**
 * A meter's raw optical readout (IEC 62056-21 identification line and STX … ETX BCC data block,
 * as received), base64: the evidence of a reading taken through the optical port. A 200-line
 * readout is about 8 KB.
 */
export const telegramBase64 = z.string().max(65_536).regex(/^[A-Za-z0-9+/]+={0,2}$/, { message: 'telegram_format' });
/** Why a job could not be done on site. */
export const EXCEPTION_REASONS = ['cabinet_locked', 'unsafe', 'meter_missing', 'customer_refused', 'other'] as const;
export type ExceptionReason = (typeof EXCEPTION_REASONS)[number];
/** kWh as a decimal string (no float rounding on a billing value): up to 9 digits, 3 decimals. */
export const kwhValue = z.string().regex(/^\d{1,9}(\.\d{1,3})?$/, { message: 'reading_value_format' });
export const obisRegister = z.string().regex(/^[12]\.8\.[0-4]$/, { message: 'obis_register' });

export const mutationArgs = {
	/** The fitter arrived and began work on the job. */
	'job.start': z.strictObject({ jobId: id }),
	/** A free-text note on the job ("klatka zamknięta, klucz u administratora"). */
	'job.note': z.strictObject({ jobId: id, noteId: id, text: z.string().trim().min(1).max(1000) }),
	/**
	 * A register reading of the removed (old) or fitted (new) meter. Billing data: never replaced.
	 * A correction is a new reading that names the one it corrects; both are kept.
	 */
	'reading.record': z.strictObject({
		readingId: id,
		jobId: id,
		meterRole: z.enum(['old', 'new']),
		register: obisRegister,
		value: kwhValue.nullable(),
		/** Required when value is null: why the display could not be read. */
		unreadableReason: reason.nullable().default(null),
		photoSha256: sha256.nullable().default(null),
		/** The fitter confirmed a value below the last known one or implausibly high. */
		confirmedUnusual: z.boolean().default(false),
		/** This reading corrects an earlier one of the same register (which stays on record). */
		correctsReadingId: id.nullable().default(null),
		/** Typed from the display (default) or read through the meter's optical port. */
		source: z.enum(['manual', 'optical']).default('manual'),
		/** Optical readings: the raw telegram the value was taken from. */
		telegram: telegramBase64.nullable().default(null),
		/** Why a value read optically was typed over (required for that correction). */
		correctionReason: reason.nullable().default(null)
	})
		.refine((r) => r.value !== null || r.unreadableReason !== null, {
			message: 'reading_unreadable_reason',
			path: ['unreadableReason']
		})
		.refine((r) => r.source !== 'optical' || (r.telegram !== null && r.value !== null), {
			message: 'reading_telegram_required',
			path: ['telegram']
		}),
	/** A photo (its bytes travel separately, addressed by sha256). */
	'photo.attach': z.strictObject({
		photoId: id,
		jobId: id,
		sha256,
		kind: z.enum(['display', 'meter', 'seal', 'no_access', 'mismatch', 'new_meter', 'signature', 'protocol', 'exception', 'other']),
		contentType: z.enum(['image/jpeg', 'image/png', 'image/webp', 'application/pdf']),
		size: z.number().int().min(1).max(20_000_000)
	}),
	/**
	 * Nobody home for an in-home meter: one visit (attempt) recorded; the job goes back to planning,
	 * after the third attempt as a turn-back.
	 */
	'job.noAccess': z.strictObject({
		jobId: id,
		noticeLeft: z.boolean(),
		visitId: id.nullable().default(null),
		photoSha256: sha256.nullable().default(null)
	}),
	/**
	 * The job could not be done on site (any job, stairwell or in-home): the reason, a note and a
	 * photo as evidence; the job goes back to planning with that reason.
	 */
	'job.cannotComplete': z.strictObject({
		jobId: id,
		exceptionId: id,
		reason: z.enum(EXCEPTION_REASONS),
		note: z.string().trim().max(1000).nullable().default(null),
		photoSha256: sha256.nullable().default(null)
	}).refine((e) => e.reason !== 'other' || (e.note?.length ?? 0) >= 3, { message: 'exception_note_required', path: ['note'] }),
	/** The exchange is finished on site (without the exchange checks; see `exchange.complete`). */
	'job.complete': z.strictObject({ jobId: id }),
	/** The old meter found on site; not the job's expected one only with a reason and a photo. */
	'exchange.oldMeter': z.strictObject({
		jobId: id,
		serial,
		source: codeSource,
		mismatchReason: reason.nullable().default(null),
		mismatchPhotoSha256: sha256.nullable().default(null)
	}),
	/** A seal: on the old meter as found (intact, broken, missing), on the new one as applied. */
	'seal.record': z.strictObject({
		sealId: id,
		jobId: id,
		meterRole: z.enum(['old', 'new']),
		number: sealNumber.nullable(),
		state: z.enum(['intact', 'broken', 'missing', 'applied']),
		photoSha256: sha256.nullable().default(null)
	})
		.refine((s) => (s.meterRole === 'new') === (s.state === 'applied'), { message: 'seal_state_role', path: ['state'] })
		.refine((s) => s.state === 'missing' || s.number !== null, { message: 'seal_number_required', path: ['number'] }),
	/** "Power off": the instant the fitter cut the supply (the timer runs from it). */
	'outage.start': z.strictObject({ outageId: id, jobId: id, offAt: instant }),
	/** "Power restored"; past the target a reason is required. */
	'outage.end': z.strictObject({ outageId: id, jobId: id, onAt: instant, overrunReason: reason.nullable().default(null) }),
	/** The LZO fitted; not in this fitter's stock only with a reason. */
	'exchange.newMeter': z.strictObject({
		jobId: id,
		serial,
		source: codeSource,
		notInStockReason: reason.nullable().default(null)
	}),
	/** Commissioning checklist done on site, and the registration request to the head-end system. */
	'exchange.commission': z.strictObject({
		jobId: id,
		contactorClosed: z.boolean(),
		tariffProgrammed: z.enum(TARIFF_GROUPS),
		wmbusEnabled: z.boolean(),
		wmbusRequested: z.boolean(),
		voltageOk: z.boolean()
	}),
	/**
	 * The exchange protocol made on the tablet: signed by the resident, no signature (stairwell), or
	 * the resident refused to sign — then the name they gave (if any) and their reason are recorded
	 * and the protocol is still produced.
	 */
	'exchange.protocol': z.strictObject({
		jobId: id,
		signatureKind: z.enum(['resident', 'stairwell', 'refused']),
		signatureSha256: sha256.nullable().default(null),
		protocolSha256: sha256,
		signerName: z.string().trim().max(120).nullable().default(null),
		refusalReason: reason.nullable().default(null)
	})
		.refine((p) => (p.signatureKind === 'resident') === (p.signatureSha256 !== null), { message: 'signature_required', path: ['signatureSha256'] })
		.refine((p) => p.signatureKind !== 'refused' || p.refusalReason !== null, { message: 'refusal_reason_required', path: ['refusalReason'] }),
	/** The exchange is finished: every step recorded. */
	'exchange.complete': z.strictObject({ jobId: id })
} as const;

export type MutationName = keyof typeof mutationArgs;
export type MutationArgs<N extends MutationName> = z.output<(typeof mutationArgs)[N]>;
/** What a caller passes: fields with defaults may be left out. */
export type MutationInput<N extends MutationName> = z.input<(typeof mutationArgs)[N]>;
export const MUTATION_NAMES = Object.keys(mutationArgs) as MutationName[];

/** What travels in the outbox and in a push: `id` grows by one per mutation of a client. */
export const mutationEnvelope = z.strictObject({
	id: z.number().int().positive(),
	name: z.string().min(1).max(40),
	args: z.unknown(),
	/** When it happened on the device (ISO-8601). */
	at: z.iso.datetime({ offset: true })
});
export type MutationEnvelope = z.infer<typeof mutationEnvelope>;

export const clientId = z.uuid();

export const pushInput = z.strictObject({
	clientId,
	mutations: z.array(mutationEnvelope).min(1).max(200)
});
export type PushInput = z.infer<typeof pushInput>;

export const pullInput = z.strictObject({
	clientId,
	/** null: first pull (or after a reset) — the server sends its whole state for this fitter. */
	cursor: z.number().int().nonnegative().nullable()
});
export type PullInput = z.infer<typeof pullInput>;

export type PushResult = {
	lastMutationId: number;
	results: Array<{ id: number; status: 'applied' | 'rejected' | 'skipped'; reason?: { code: string; message: string } }>;
};

export type SyncEntity = 'job' | 'note' | 'reading' | 'photo' | 'stock' | 'exchange' | 'outage' | 'seal' | 'visit' | 'profile';
export type SyncChange = { entity: SyncEntity; op: 'put' | 'del'; id: string; data?: Record<string, unknown> };
export type PullResult = {
	cursor: number;
	lastMutationId: number;
	/** true: `changes` is the complete state; drop what the device held from the server before. */
	reset: boolean;
	changes: SyncChange[];
	/** More changes wait; pull again with the new cursor. */
	more: boolean;
	/**
	 * This device's mutations the server refused since the cursor. The push answer says so too,
	 * but that answer can be lost; a resend then only hears "skipped".
	 */
	rejections: PulledRejection[];
};

export type PulledRejection = { mutationId: number; name: string; args?: unknown; reason: { code: string; message: string }; at: string };

/** Validates a mutation's arguments by name; unknown names are a validation failure too. */
export function parseMutation(name: string, args: unknown) {
	const schema = (mutationArgs as Record<string, z.ZodType | undefined>)[name];
	if (!schema) return { success: false as const, error: new z.ZodError([{ code: 'custom', path: ['name'], message: 'mutation_unknown', input: name }]) };
	const nul = nulCharacterPaths(args);
	if (nul.length > 0) return { success: false as const, error: new z.ZodError(nul.map((path) => ({ code: 'custom' as const, path, message: 'field_control_character', input: args }))) };
	return schema.safeParse(args);
}
