import { z } from 'zod';
import { nulCharacterPaths } from './control-chars';

/**
 * The fitter's changes, as named mutations. The same schemas validate on the tablet (before a
 * change is written to the outbox) and on the server (before it is applied). Field facts — what
 * was found and done on site — are never overwritten by the office.
 */
const id = z.string().min(1).max(64);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, { message: 'sha256' });
/** kWh as a decimal string (no float rounding on a billing value): up to 9 digits, 3 decimals. */
export const kwhValue = z.string().regex(/^\d{1,9}(\.\d{1,3})?$/, { message: 'reading_value_format' });
export const obisRegister = z.string().regex(/^[12]\.8\.[0-4]$/, { message: 'obis_register' });

export const mutationArgs = {
	/** The fitter arrived and began work on the job. */
	'job.start': z.strictObject({ jobId: id }),
	/** A free-text note on the job ("klatka zamknięta, klucz u administratora"). */
	'job.note': z.strictObject({ jobId: id, noteId: id, text: z.string().trim().min(1).max(1000) }),
	/** A register reading of the removed (old) or fitted (new) meter. */
	'reading.record': z.strictObject({
		readingId: id,
		jobId: id,
		meterRole: z.enum(['old', 'new']),
		register: obisRegister,
		value: kwhValue.nullable(),
		/** Required when value is null: why the display could not be read. */
		unreadableReason: z.string().trim().min(3).max(500).nullable().default(null),
		photoSha256: sha256.nullable().default(null)
	}).refine((r) => r.value !== null || r.unreadableReason !== null, {
		message: 'reading_unreadable_reason',
		path: ['unreadableReason']
	}),
	/** A photo (its bytes travel separately, addressed by sha256). */
	'photo.attach': z.strictObject({
		photoId: id,
		jobId: id,
		sha256,
		kind: z.enum(['display', 'meter', 'seal', 'no_access', 'other']),
		contentType: z.enum(['image/jpeg', 'image/png', 'image/webp']),
		size: z.number().int().min(1).max(20_000_000)
	}),
	/** Nobody home for an in-home meter. */
	'job.noAccess': z.strictObject({ jobId: id, noticeLeft: z.boolean() }),
	/** The exchange is finished on site. */
	'job.complete': z.strictObject({ jobId: id })
} as const;

export type MutationName = keyof typeof mutationArgs;
export type MutationArgs<N extends MutationName> = z.output<(typeof mutationArgs)[N]>;
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

export type SyncEntity = 'job' | 'note' | 'reading' | 'photo' | 'stock';
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
