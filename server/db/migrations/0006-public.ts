import type { Kysely } from 'kysely';
import type { MigrationContext } from './index';

/**
 * Public pages for residents: the log of badge look-ups (abuse watch, spikes for planners), the
 * suspicious-visit reports residents send, and the server's signing keys (badge QR tokens, booking
 * sessions) kept in the database so every instance signs and checks with the same key.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
	await db.schema
		.createTable('badge_lookups')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('at', 'text', (c) => c.notNull())
		/** What was asked for, normalised (null when it was not even badge-shaped). */
		.addColumn('badge_input', 'text')
		.addColumn('worker_id', 'text', (c) => c.references('workers.id'))
		/** valid | suspended | revoked | expired | unknown | typo | format | limited */
		.addColumn('outcome', 'text', (c) => c.notNull())
		/** form | qr | address */
		.addColumn('source', 'text', (c) => c.notNull())
		/** Keyed hash of the client address: repeated abuse is visible, the address is not stored. */
		.addColumn('client_hash', 'text')
		.execute();
	await db.schema.createIndex('badge_lookups_at').on('badge_lookups').column('at').execute();
	await db.schema.createIndex('badge_lookups_worker_at').on('badge_lookups').columns(['worker_id', 'at']).execute();

	await db.schema
		.createTable('suspicious_reports')
		.addColumn('id', 'text', (c) => c.primaryKey())
		/** Short code the resident can quote on the phone. */
		.addColumn('reference', 'text', (c) => c.notNull().unique())
		.addColumn('created_at', 'text', (c) => c.notNull())
		.addColumn('address', 'text', (c) => c.notNull())
		/** When it happened, as an ISO instant. */
		.addColumn('occurred_at', 'text', (c) => c.notNull())
		.addColumn('description', 'text', (c) => c.notNull())
		/** As the resident read it off the badge (normalised when it was badge-shaped). */
		.addColumn('badge_seen', 'text')
		/** The worker, when the badge number seen is a real one. */
		.addColumn('worker_id', 'text', (c) => c.references('workers.id'))
		.addColumn('client_hash', 'text')
		.execute();
	await db.schema.createIndex('suspicious_reports_created').on('suspicious_reports').column('created_at').execute();

	await db.schema
		.createTable('signing_keys')
		.addColumn('name', 'text', (c) => c.primaryKey())
		/** base64 of the key material (PKCS#8 DER for Ed25519, raw bytes for HMAC). */
		.addColumn('secret', 'text', (c) => c.notNull())
		.addColumn('public_key', 'text')
		.addColumn('created_at', 'text', (c) => c.notNull())
		.execute();
}
