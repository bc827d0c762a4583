import { createHmac } from 'node:crypto';

/** Who is asking, as far as the public pages care: the address (for limits) and its keyed hash (for logs). */
export interface PublicClient {
	ip: string;
}

/** A keyed hash of the client address: repeat abuse shows in the logs, the address itself is not kept. */
export function clientHash(hmacKey: Buffer, ip: string): string {
	return createHmac('sha256', hmacKey).update(`ip:${ip}`).digest('hex').slice(0, 16);
}
