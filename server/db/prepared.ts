import { createQueryId, type Compilable, type CompiledQuery, type Insertable, type Kysely } from 'kysely';
import type { DB } from './schema';

/** Stands in for a value while a prepared query is built; it becomes that value's parameter. */
class Slot<V> {
	constructor(readonly read: (values: V) => unknown) {}
}

/**
 * Compiles `build` once per database and runs it with the values its slots read, handing it
 * straight to the connection: `Kysely.executeQuery` would add only its plugins' work on the result
 * (our databases have none; refused below) and, in a transaction, a new executor and a few more
 * promises per query — a third of the garbage a small statement made.
 */
function preparedWith<V, O>(build: (db: Kysely<DB>) => Compilable<O>) {
	// Per dialect adapter: one per opened database, shared by its transactions.
	const compiled = new WeakMap<object, CompiledQuery<O>>();
	return async (db: Kysely<DB>, values: V): Promise<O[]> => {
		const executor = db.getExecutor();
		let query = compiled.get(executor.adapter);
		if (!query) {
			if (executor.plugins.length > 0) throw new Error('prepared queries do not run Kysely plugins');
			compiled.set(executor.adapter, (query = build(db).compile()));
		}
		const parameters = query.parameters.map((x) => (x instanceof Slot ? (x as Slot<V>).read(values) : x));
		const run = { ...query, queryId: createQueryId(), parameters };
		const { rows } = await executor.provideConnection((connection) => connection.executeQuery<O>(run));
		return rows;
	};
}

/**
 * A query of one fixed shape, built and compiled once per database and then run with new values.
 * Kysely builds and compiles every statement anew, which for the small statements a sync push
 * runs per mutation costs a good part of what SQLite takes to run them. `build` is given stand-ins
 * for the values (`p.jobId`, or `p[0]` of a list), each of which becomes the parameter its value is
 * bound to; anything else written into the query (a constant compared with, say) stays as it was
 * compiled.
 */
export function prepared<P extends object, O>(build: (db: Kysely<DB>, p: P) => Compilable<O>) {
	const slots = new Proxy({}, { get: (_, key) => new Slot<P>((values) => values[key as keyof P]) }) as P;
	return preparedWith<P, O>((db) => build(db, slots));
}

function defined(value: unknown, table: string, column: string): unknown {
	if (value === undefined) throw new Error(`insertRows: ${table}.${column} is undefined`);
	return value;
}

/** Rows per insert statement (a push is at most 200 mutations): each number up to it is a statement of its own. */
const ROWS_PER_INSERT = 200;
const inserts = new Map<string, (db: Kysely<DB>, rows: object[]) => Promise<unknown>>();

/**
 * Inserts rows through statements prepared once per table, columns and number of rows (see
 * `prepared`), at most 200 rows each. Every row names the columns of the first one, none of them
 * undefined (Kysely would leave such a column out; a bound undefined would be a null).
 */
export async function insertRows<T extends keyof DB & string>(db: Kysely<DB>, table: T, rows: Insertable<DB[T]>[]): Promise<void> {
	if (rows.length === 0) return;
	const columns = Object.keys(rows[0]!);
	// A missing column reads as undefined (see `defined`); one more than the first row has is caught here.
	for (let r = 1; r < rows.length; r++) {
		let count = 0;
		for (const _ in rows[r]) count++;
		if (count !== columns.length) throw new Error(`insertRows: rows of ${table} name different columns`);
	}
	const shape = `${table}(${columns.join()})×`;
	for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
		const chunk = rows.length <= ROWS_PER_INSERT ? rows : rows.slice(i, i + ROWS_PER_INSERT);
		const key = shape + chunk.length;
		let insert = inserts.get(key);
		if (!insert) {
			const slots = chunk.map((_, r) => Object.fromEntries(columns.map((c) => [c, new Slot<Record<string, unknown>[]>((values) => defined(values[r]![c], table, c))])));
			inserts.set(key, (insert = preparedWith((db) => db.insertInto(table).values(slots as never))));
		}
		await insert(db, chunk);
	}
}
