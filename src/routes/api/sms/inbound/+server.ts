import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from './$types';
import type { Actor } from '$server/audit';
import { getServices } from '$server/app';
import { stopByReply } from '$server/notify/notify.service';

const GATEWAY: Actor = { userId: null, sessionKind: null, device: 'sms gateway (reply)', ip: null };

function keyMatches(given: string | null): boolean {
	const expected = process.env.SMS_INBOUND_KEY;
	if (!expected || !given) return false;
	const a = Buffer.from(given);
	const b = Buffer.from(expected);
	return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Replies to our SMS, as the gateway forwards them (SMSAPI.pl's callback for incoming messages:
 * form fields `sms_from`, `sms_text`; it expects "OK"). Server-to-server, so no session: the
 * secret `?key=` set in the gateway's panel (SMS_INBOUND_KEY) is the caller's proof; without it
 * configured the endpoint does not exist. "STOP" stops messages for every point with that number.
 */
export const POST: RequestHandler = async ({ request, url }) => {
	if (!keyMatches(url.searchParams.get('key'))) return new Response('Not Found', { status: 404 });
	const form = await request.formData().catch(() => null);
	const from = String(form?.get('sms_from') ?? '').slice(0, 32);
	const text = String(form?.get('sms_text') ?? '').slice(0, 1000);
	if (from) await stopByReply(getServices().db, from, text, GATEWAY);
	return new Response('OK', { headers: { 'content-type': 'text/plain' } });
};
