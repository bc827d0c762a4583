import { createHmac } from 'node:crypto';

/** A keyed hash of the client address: repeat abuse shows in the logs, the address itself is not kept. */
export function clientHash(hmacKey: Buffer, ip: string): string {
	return createHmac('sha256', hmacKey).update(`ip:${ip}`).digest('hex').slice(0, 16);
}
