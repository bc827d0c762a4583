import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { nowIso } from '../util/ids';

/**
 * The server's signing keys, kept in the database: created once by whichever instance needs one
 * first (insert-if-absent, then everyone reads the winner), so all instances sign and check alike.
 * Cached per database handle, never in a module-level variable shared across databases.
 */
export interface PublicKeys {
	/** Ed25519: signs badge QR tokens. */
	badgePrivate: KeyObject;
	badgePublic: KeyObject;
	/** HMAC key: booking sessions and hashes of client addresses. */
	hmac: Buffer;
}

const cache = new WeakMap<Kysely<DB>, Promise<PublicKeys>>();

export function publicKeys(db: Kysely<DB>): Promise<PublicKeys> {
	let keys = cache.get(db);
	if (!keys) {
		keys = loadKeys(db);
		cache.set(db, keys);
		keys.catch(() => cache.delete(db));
	}
	return keys;
}

async function ensureKey(db: Kysely<DB>, name: string, make: () => { secret: string; public_key: string | null }) {
	const found = await db.selectFrom('signing_keys').selectAll().where('name', '=', name).executeTakeFirst();
	if (found) return found;
	await db
		.insertInto('signing_keys')
		.values({ name, ...make(), created_at: nowIso() })
		.onConflict((oc) => oc.column('name').doNothing())
		.execute();
	return db.selectFrom('signing_keys').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
}

async function loadKeys(db: Kysely<DB>): Promise<PublicKeys> {
	const badge = await ensureKey(db, 'badge-ed25519', () => {
		const { privateKey, publicKey } = generateKeyPairSync('ed25519');
		return {
			secret: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
			public_key: publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
		};
	});
	const hmac = await ensureKey(db, 'public-hmac', () => ({ secret: randomBytes(32).toString('base64'), public_key: null }));
	const badgePrivate = createPrivateKey({ key: Buffer.from(badge.secret, 'base64'), format: 'der', type: 'pkcs8' });
	return { badgePrivate, badgePublic: createPublicKey(badgePrivate), hmac: Buffer.from(hmac.secret, 'base64') };
}
