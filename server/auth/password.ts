import { hash, verify } from '@node-rs/argon2';

// @node-rs/argon2 hashes with argon2id by default. OWASP's baseline: 19 MiB, 2 passes.
// Tests lower the cost through WYMIANA_ARGON2_FAST.
const options = () =>
	process.env.WYMIANA_ARGON2_FAST === '1'
		? { memoryCost: 1024, timeCost: 1, parallelism: 1 }
		: { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
	return hash(password, options());
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	try {
		return await verify(passwordHash, password);
	} catch {
		return false;
	}
}

/**
 * A real hash of nothing in particular: verifying an unknown login against it costs the same time
 * as a known one, so response times do not reveal which logins exist.
 */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
	return (dummyHash ??= hashPassword('wymiana-no-such-user'));
}
