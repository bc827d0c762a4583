import {
	Migrator,
	sql,
	type Kysely,
	type Migration,
	type MigrationProvider,
	type MigrationResultSet
} from 'kysely';
import type { DialectName } from '../database';
import * as m0001 from './0001-core';
import * as m0002 from './0002-sync';
import * as m0003 from './0003-appointments';
import * as m0004 from './0004-exchange';
import * as m0005 from './0005-planning';
import * as m0006 from './0006-public';
import * as m0007 from './0007-fitter-workflow';
import * as m0008 from './0008-session-revocation';
import * as m0009 from './0009-worker-changes';
import * as m0010 from './0010-lookup-hits';
import * as m0011 from './0011-user-changes';
import * as m0012 from './0012-back-office';
import * as m0013 from './0013-job-exceptions';
import * as m0014 from './0014-blob-store';
import * as m0015 from './0015-optical-readings';
import * as m0016 from './0016-messages';
import * as m0018 from './0018-job-moves';
import * as m0020 from './0020-arrival-messages';

export interface MigrationContext {
	dialect: DialectName;
}

type PortableMigration = {
	up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
	down?(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
};

/** Listed explicitly (not globbed from disk) so the bundled server carries them. */
const migrations: Record<string, PortableMigration> = {
	'0001-core': m0001,
	'0002-sync': m0002,
	'0003-appointments': m0003,
	'0004-exchange': m0004,
	'0005-planning': m0005,
	'0006-public': m0006,
	'0007-fitter-workflow': m0007,
	'0008-session-revocation': m0008,
	'0009-worker-changes': m0009,
	'0010-lookup-hits': m0010,
	'0011-user-changes': m0011,
	'0012-back-office': m0012,
	'0013-job-exceptions': m0013,
	'0014-blob-store': m0014,
	'0015-optical-readings': m0015,
	'0016-messages': m0016,
	'0018-job-moves': m0018,
	'0020-arrival-messages': m0020
};

class StaticProvider implements MigrationProvider {
	constructor(private readonly ctx: MigrationContext) {}
	async getMigrations(): Promise<Record<string, Migration>> {
		return Object.fromEntries(
			Object.entries(migrations).map(([name, m]) => [
				name,
				{
					up: (db: Kysely<unknown>) => m.up(db, this.ctx),
					down: m.down ? (db: Kysely<unknown>) => m.down!(db, this.ctx) : undefined
				}
			])
		);
	}
}

export class MigrationError extends Error {
	constructor(
		message: string,
		readonly results: MigrationResultSet['results']
	) {
		super(message);
	}
}

/**
 * Brings the schema to the latest version. Runs in one transaction on both databases (and under
 * Kysely's migration lock on PostgreSQL, so several instances starting together are safe).
 */
export async function migrateToLatest(
	db: Kysely<any>,
	dialect: DialectName
): Promise<{ applied: string[] }> {
	// On PostgreSQL, Kysely's own tables must be looked for in the schema we migrate, or a
	// migration table in any other schema of the database is taken for ours.
	const migrationTableSchema =
		dialect === 'postgres'
			? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
			: undefined;
	const migrator = new Migrator({ db, provider: new StaticProvider({ dialect }), migrationTableSchema });
	const { error, results } = await migrator.migrateToLatest();
	if (error) {
		const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
		throw new MigrationError(
			`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`,
			results
		);
	}
	return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

export const migrationNames = Object.keys(migrations);
