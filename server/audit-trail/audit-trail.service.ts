import type { Kysely } from 'kysely';
import { addDaysToDate, warsawInstant } from '../../src/lib/domain/time';
import type { DB } from '../db/schema';

export interface AuditFilter {
	userId?: string | null;
	entity?: string | null;
	action?: string | null;
	/** Warsaw calendar days, inclusive. */
	from?: string | null;
	to?: string | null;
}

/** One field's value before and after; a created row's fields have no before. */
export interface AuditChange {
	field: string;
	before: unknown;
	after: unknown;
}

/**
 * The entry's `changes` as before → after per field, whatever shape its writer used:
 * `{ field: [before, after] }`, `{ before: {…}, after: {…} }`, or a created row `{ field: value }`.
 */
export function auditChanges(raw: string | null): AuditChange[] {
	if (!raw) return [];
	let value: unknown;
	try {
		value = JSON.parse(raw);
	} catch {
		return [{ field: '', before: null, after: raw }];
	}
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return [{ field: '', before: null, after: value }];
	const o = value as Record<string, unknown>;
	if (o.before && o.after && typeof o.before === 'object' && typeof o.after === 'object' && Object.keys(o).length === 2) {
		const b = o.before as Record<string, unknown>;
		const a = o.after as Record<string, unknown>;
		return [...new Set([...Object.keys(b), ...Object.keys(a)])].map((field) => ({ field, before: b[field] ?? null, after: a[field] ?? null }));
	}
	return Object.entries(o).map(([field, v]) => (Array.isArray(v) && v.length === 2 ? { field, before: v[0], after: v[1] } : { field, before: null, after: v }));
}

function filtered(db: Kysely<DB>, f: AuditFilter) {
	let q = db.selectFrom('audit_log').leftJoin('users', 'users.id', 'audit_log.user_id');
	if (f.userId) q = q.where('audit_log.user_id', '=', f.userId);
	if (f.entity) q = q.where('audit_log.entity', '=', f.entity);
	if (f.action) q = q.where('audit_log.action', '=', f.action);
	if (f.from) q = q.where('audit_log.at', '>=', warsawInstant(f.from, '00:00').toISOString());
	if (f.to) q = q.where('audit_log.at', '<', warsawInstant(addDaysToDate(f.to, 1), '00:00').toISOString());
	return q;
}

/** The append-only log, newest first, a page at a time, with what the filters can choose from. */
export async function auditPage(db: Kysely<DB>, f: AuditFilter, page: { offset: number; limit: number }) {
	const [rows, total, people, entities, actions] = await Promise.all([
		filtered(db, f)
			.select(['audit_log.id', 'audit_log.at', 'audit_log.user_id', 'audit_log.device', 'audit_log.ip', 'audit_log.action', 'audit_log.entity', 'audit_log.entity_id', 'audit_log.changes', 'users.display_name', 'users.login'])
			.orderBy('audit_log.at', 'desc')
			.orderBy('audit_log.id', 'desc')
			.offset(page.offset)
			.limit(page.limit)
			.execute(),
		filtered(db, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
		db.selectFrom('users').select(['id', 'display_name', 'login']).where((eb) => eb.exists(eb.selectFrom('audit_log').select('audit_log.id').whereRef('audit_log.user_id', '=', 'users.id'))).orderBy('display_name').execute(),
		db.selectFrom('audit_log').select('entity').distinct().orderBy('entity').execute(),
		db.selectFrom('audit_log').select('action').distinct().orderBy('action').execute()
	]);
	return {
		total: Number(total.n),
		entries: rows.map((r) => ({
			id: r.id, at: r.at, userId: r.user_id, who: r.display_name ? `${r.display_name} (${r.login})` : (r.device ?? '—'), ip: r.ip,
			action: r.action, entity: r.entity, entityId: r.entity_id, changes: auditChanges(r.changes)
		})),
		people: people.map((p) => ({ id: p.id, name: `${p.display_name} (${p.login})` })),
		entities: entities.map((e) => e.entity),
		actions: actions.map((a) => a.action)
	};
}
