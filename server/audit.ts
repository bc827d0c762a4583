import type { Kysely } from 'kysely';
import type { DB, SessionKind } from './db/schema';
import { newId, nowIso } from './util/ids';

export interface Actor {
	userId: string | null;
	sessionKind: SessionKind | null;
	device: string | null;
	ip: string | null;
}

export const SYSTEM_ACTOR: Actor = { userId: null, sessionKind: null, device: 'system', ip: null };

/** Appends to the audit log: who, when, from which device, what changed. Pass the transaction. */
export async function audit(
	db: Kysely<DB>,
	actor: Actor,
	entry: { action: string; entity: string; entityId?: string | null; changes?: unknown }
): Promise<void> {
	await db
		.insertInto('audit_log')
		.values({
			id: newId(),
			at: nowIso(),
			user_id: actor.userId,
			session_kind: actor.sessionKind,
			device: actor.device,
			ip: actor.ip,
			action: entry.action,
			entity: entry.entity,
			entity_id: entry.entityId ?? null,
			changes: entry.changes === undefined ? null : JSON.stringify(entry.changes)
		})
		.execute();
}
