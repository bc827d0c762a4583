import nodemailer, { type Transporter } from 'nodemailer';
import type { MessageChannel } from '../db/schema';

/** One message as a channel hands it over. `id` is the outbox row's id (an idempotency key). */
export interface OutgoingMessage {
	id: string;
	to: string;
	subject: string;
	text: string;
}

/**
 * sent: the provider took it; retry: try again later (rate limit, outage); rejected: it will never
 * go (invalid number or address). `error` never carries the recipient.
 */
export type SendResult =
	| { status: 'sent'; providerId: string | null }
	| { status: 'retry'; error: string; retryAfterMs?: number }
	| { status: 'rejected'; error: string };

export interface Channel {
	send(message: OutgoingMessage): Promise<SendResult>;
	close?(): void;
}

/** The channels configured on this instance; a missing one means "shown in the console only". */
export type Channels = Partial<Record<MessageChannel, Channel>>;

/** Removes the recipient from a provider's error text before it is stored or logged. */
function scrub(text: string, recipient: string): string {
	const clean = text.replace(/\s+/g, ' ').slice(0, 300);
	return recipient ? clean.split(recipient).join('[odbiorca]') : clean;
}

export interface SmtpConfig {
	host: string;
	port: number;
	/** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
	secure: boolean;
	user?: string;
	password?: string;
	from: string;
	/** Test servers with self-signed certificates only. */
	allowSelfSigned?: boolean;
}

/** E-mail through any SMTP server (nodemailer, one pooled transport per instance). */
export class SmtpChannel implements Channel {
	private readonly transport: Transporter;
	constructor(private readonly config: SmtpConfig) {
		this.transport = nodemailer.createTransport({
			host: config.host,
			port: config.port,
			secure: config.secure,
			auth: config.user ? { user: config.user, pass: config.password ?? '' } : undefined,
			pool: true,
			maxConnections: 2,
			connectionTimeout: 15_000,
			greetingTimeout: 15_000,
			socketTimeout: 30_000,
			tls: config.allowSelfSigned ? { rejectUnauthorized: false } : undefined
		});
	}

	async send(message: OutgoingMessage): Promise<SendResult> {
		const domain = /@([^>\s]+)/.exec(this.config.from)?.[1] ?? 'localhost';
		try {
			const info = await this.transport.sendMail({
				from: this.config.from,
				to: message.to,
				subject: message.subject,
				text: message.text,
				messageId: `<${message.id}@${domain}>`
			});
			return { status: 'sent', providerId: info.messageId ?? null };
		} catch (err) {
			const e = err as { responseCode?: number; message?: string };
			const error = scrub(e.message ?? String(err), message.to);
			// 5xx: the server refuses this message for good (unknown mailbox, bad address).
			return typeof e.responseCode === 'number' && e.responseCode >= 500 ? { status: 'rejected', error } : { status: 'retry', error };
		}
	}

	close(): void {
		this.transport.close();
	}
}

export interface SmsApiConfig {
	/** e.g. https://api.smsapi.pl/sms.do */
	url: string;
	token: string;
	/** Registered sender name; the provider's default when empty. */
	from?: string;
	/** Ask the gateway to send Polish letters as plain ones (GSM alphabet: 160 characters a part, not 70). */
	normalize?: boolean;
	timeoutMs?: number;
}

/** SMSAPI.pl error codes we act on (others are retried until the attempts run out). */
const SMSAPI_INVALID_NUMBER = new Set([13, 14]);
const SMSAPI_DUPLICATE_IDX = 105;

/** A Polish number as bulk-SMS gateways want it: country code and digits only ("48601200123"). */
export function gatewayNumber(phone: string): string {
	let digits = phone.replace(/[^\d+]/g, '');
	if (digits.startsWith('+')) digits = digits.slice(1);
	else if (digits.startsWith('00')) digits = digits.slice(2);
	else if (digits.length === 9) digits = `48${digits}`;
	return digits;
}

/**
 * SMS through a Polish bulk-SMS REST API shaped as SMSAPI.pl's: POST form fields with a bearer
 * token. `idx` (our message id) with `check_idx=1` makes the gateway refuse a second message with
 * the same id, so even a message handed over twice reaches the phone once.
 */
export class SmsApiChannel implements Channel {
	constructor(private readonly config: SmsApiConfig) {}

	async send(message: OutgoingMessage): Promise<SendResult> {
		const to = gatewayNumber(message.to);
		const form = new URLSearchParams({ to, message: message.text, format: 'json', encoding: 'utf-8', idx: message.id, check_idx: '1' });
		if (this.config.from) form.set('from', this.config.from);
		if (this.config.normalize) form.set('normalize', '1');
		let res: Response;
		try {
			res = await fetch(this.config.url, {
				method: 'POST',
				headers: { authorization: `Bearer ${this.config.token}`, 'content-type': 'application/x-www-form-urlencoded' },
				body: form,
				signal: AbortSignal.timeout(this.config.timeoutMs ?? 20_000)
			});
		} catch (err) {
			return { status: 'retry', error: scrub(err instanceof Error ? err.message : String(err), to) };
		}
		if (res.status === 429) {
			const after = Number(res.headers.get('retry-after'));
			return { status: 'retry', error: 'HTTP 429: limit wysyłek bramki SMS', retryAfterMs: Number.isFinite(after) && after > 0 ? after * 1000 : undefined };
		}
		const body = (await res.json().catch(() => null)) as { error?: number; message?: string; list?: Array<{ id?: string }> } | null;
		if (res.ok && body && !body.error && body.list?.length) return { status: 'sent', providerId: body.list[0]?.id ?? null };
		const code = Number(body?.error);
		if (code === SMSAPI_DUPLICATE_IDX) return { status: 'sent', providerId: null };
		const error = scrub(`HTTP ${res.status}${code ? `, błąd ${code}` : ''}: ${body?.message ?? res.statusText}`, to);
		if (SMSAPI_INVALID_NUMBER.has(code)) return { status: 'rejected', error };
		return { status: 'retry', error };
	}
}

/** Channels from the environment (see the README, "Messages to residents"). */
export function channelsFromEnv(env: NodeJS.ProcessEnv = process.env): Channels {
	const channels: Channels = {};
	if (env.SMTP_HOST) {
		const secure = env.SMTP_SECURE === '1' || env.SMTP_SECURE === 'true';
		channels.email = new SmtpChannel({
			host: env.SMTP_HOST,
			port: Number(env.SMTP_PORT || (secure ? 465 : 587)),
			secure,
			user: env.SMTP_USER || undefined,
			password: env.SMTP_PASSWORD || undefined,
			from: env.MAIL_FROM || `Wymiana liczników <noreply@${env.SMTP_HOST}>`
		});
	}
	if (env.SMS_API_TOKEN) {
		channels.sms = new SmsApiChannel({ url: env.SMS_API_URL || 'https://api.smsapi.pl/sms.do', token: env.SMS_API_TOKEN, from: env.SMS_FROM || undefined, normalize: env.SMS_NORMALIZE !== '0' });
	}
	return channels;
}
