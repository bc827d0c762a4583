/**
 * Operator commands: `node --import tsx server/cli.ts <command>`.
 * Exit codes: 0 done, 1 the command failed, 2 the command line was wrong.
 * Imports are relative (not `$server`): this runs under plain tsx, outside SvelteKit's aliases.
 */
import { getRandomValues, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Secret } from 'otpauth';
import { generateBadgeNumber } from '../src/lib/domain/badge';
import { hashPassword } from './auth/password';
import { unlockLogin } from './auth/auth.service';
import { createLimiters, defaultSignInPolicy } from './auth/limits';
import { audit } from './audit';
import { isPostgresUrl, openDatabase, sqlitePath, type Database } from './db/database';
import { BackupError, backupSqlite, blobsBeside, restoreBlobs, restoreSqlite } from './ops/backup';
import { blobStoreFromEnv } from './blobs/blob-store';
import { moveBlobsToStore } from './blobs/move-blobs';
import { purgeResidentPhones } from './ops/retention';
import { migrateToLatest } from './db/migrations';
import type { Role } from './db/schema';
import { DEMO_ACCOUNTS, DemoSeedError, seedDemo } from './demo/seed';
import { importMeterPoints, parseCsv } from './import/import.service';
import { addDaysToDate, warsawDate } from '../src/lib/domain/time';
import { newId, nowIso } from './util/ids';
import { freshBadgeNumber } from './workers/workers.service';
import { shownName } from './trpc/inputs';

const ROLES: readonly Role[] = ['fitter', 'planner', 'admin', 'warehouse'];
const LOGIN_PATTERN = /^[a-z][a-z0-9._-]{2,31}$/;
const MIN_PASSWORD_LENGTH = 12;
const BADGE_VALID_DAYS = 365;

const USAGE = `Usage: node --import tsx server/cli.ts <command> [options]

Commands:
  migrate                 bring the database schema to the latest version
  seed-demo               migrate, then fill an EMPTY database with demo data and print the demo logins
  create-user             add a user (and, for a fitter, a worker with a new badge number)
      --login <login>       3-32 characters: lower-case letters, digits, . _ - (starts with a letter)
      --role <role>         fitter | planner | admin | warehouse
      --name <name>         display name ("Jan Kowalski")
      --password <pw>       optional; prompted for on a terminal, otherwise generated and printed once
      --first-name <name>   fitter only; defaults to the first word of --name
      --last-name <name>    fitter only; defaults to the rest of --name
      --company <company>   fitter only, required: the employer printed on the badge
      --valid-until <date>  fitter only; badge expiry YYYY-MM-DD (default: one year from today)
  backup --to <file>      SQLite only: a consistent online copy of the database (the server may keep running)
                          and of its photos and signatures (<file>.blobs/);
                          for PostgreSQL use pg_dump (see the README, "Backups")
  restore --from <file>   SQLite only, server STOPPED: checks the backup, keeps the current file as
                          <db>.before-restore-<time>, puts the backup in its place
  unlock --login <login>  lift a lock-out after wrong passwords or second-factor codes (it also ends by itself
                          after 15 minutes); the unlock is written to the audit log
  blobs-move              move photo and signature bytes still in the database to the blob store
                          (checked by hash; safe to interrupt and run again; the server also does it at start)
  purge                   erase residents' phone numbers of exchanged meter points now (the server does it hourly)
  import <csv>            import meter points from a CSV file (columns: see README, "Planner console")
      --dry-run             only check the file and print the report; store nothing
  help                    this text

The database comes from DATABASE_URL (postgres://… or file:path; default ./data/wymiana.db).`;

/** The command line is wrong: exit code 2 and the usage text. */
class UsageError extends Error {}
/** The command could not be done: exit code 1. */
class CommandError extends Error {}

export interface CliIo {
	out(line: string): void;
	err(line: string): void;
	/** Reads a password without echo, or returns null when there is no terminal to ask on. */
	askSecret(prompt: string): Promise<string | null>;
}

export async function runCli(argv: string[], io: CliIo = processIo(), env = process.env): Promise<number> {
	const [command, ...rest] = argv;
	try {
		switch (command) {
			case 'migrate':
				noOptions(command, rest);
				return await withDatabase(env, (database) => migrate(database, io));
			case 'seed-demo':
				noOptions(command, rest);
				return await withDatabase(env, (database) => seedDemoCommand(database, io));
			case 'create-user': {
				const input = parseCreateUser(rest);
				return await withDatabase(env, (database) => createUser(database, input, io));
			}
			case 'backup': {
				const to = fileOption(command, rest, 'to');
				return await withDatabase(env, (database) => backupCommand(database, to, io, env));
			}
			case 'restore': {
				const from = fileOption(command, rest, 'from');
				return restoreCommand(env, from, io);
			}
			case 'unlock': {
				const login = fileOption(command, rest, 'login');
				return await withDatabase(env, (database) => unlockCommand(database, login, io));
			}
			case 'blobs-move':
				noOptions(command, rest);
				return await withDatabase(env, async (database) => {
					await migrateToLatest(database.db, database.dialect);
					const r = await moveBlobsToStore(database.db, blobStoreFromEnv(env));
					io.out(`moved ${r.moved} blobs to the store; ${r.remaining} left in the database${r.damaged.length ? ` (damaged, hash mismatch: ${r.damaged.join(', ')})` : ''}`);
					return r.damaged.length ? 1 : 0;
				});
			case 'purge':
				noOptions(command, rest);
				return await withDatabase(env, async (database) => {
					await migrateToLatest(database.db, database.dialect);
					io.out(`resident phone numbers erased: ${await purgeResidentPhones(database.db)}`);
					return 0;
				});
			case 'import': {
				const input = parseImport(rest);
				return await withDatabase(env, (database) => importCommand(database, input, io));
			}
			case 'help':
			case '--help':
			case '-h':
				io.out(USAGE);
				return 0;
			case undefined:
				throw new UsageError('no command given');
			default:
				throw new UsageError(`unknown command "${command}"`);
		}
	} catch (error) {
		if (error instanceof UsageError) {
			// The full text only when there was no command at all; otherwise the specific complaint.
			io.err(command === undefined ? `error: ${error.message}\n\n${USAGE}` : `error: ${error.message}\nRun "npm run cli -- help" for usage.`);
			return 2;
		}
		io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
		return 1;
	}
}

/** Opens the database, runs the command, and closes the database whatever happens. */
async function withDatabase(env: NodeJS.ProcessEnv, fn: (database: Database) => Promise<number>): Promise<number> {
	const database = openDatabase(env.DATABASE_URL);
	try {
		return await fn(database);
	} finally {
		await database.close();
	}
}

function noOptions(command: string, rest: string[]): void {
	if (rest.length > 0) throw new UsageError(`${command} takes no options (got "${rest.join(' ')}")`);
}

function fileOption(command: string, rest: string[], name: 'to' | 'from' | 'login'): string {
	let parsed;
	try {
		parsed = parseArgs({ args: rest, options: { [name]: { type: 'string' } }, strict: true, allowPositionals: false });
	} catch (e) {
		throw new UsageError(`${command}: ${(e as Error).message}`);
	}
	const value = parsed.values[name];
	if (typeof value !== 'string' || !value.trim()) throw new UsageError(`${command} needs --${name} <${name === 'login' ? 'login' : 'file'}>`);
	return value;
}

// ---------------------------------------------------------------------------------------------

async function unlockCommand(database: Database, login: string, io: CliIo): Promise<number> {
	await migrateToLatest(database.db, database.dialect);
	const user = await database.db.selectFrom('users').select(['id', 'login']).where('login', '=', login.trim().toLowerCase()).executeTakeFirst();
	if (!user) throw new CommandError(`no user with login "${login}"`);
	await unlockLogin({ db: database.db, limiters: createLimiters(database, defaultSignInPolicy) }, user);
	await audit(database.db, { userId: null, sessionKind: null, device: 'cli', ip: null }, { action: 'user-unlocked', entity: 'user', entityId: user.id });
	io.out(`unlocked: ${user.login}`);
	return 0;
}

async function backupCommand(database: Database, to: string, io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
	try {
		const started = performance.now();
		const store = blobStoreFromEnv(env);
		const { bytes, blobs } = await backupSqlite(database, to, store);
		io.out(`backup written to ${to} (${(bytes / 1024 / 1024).toFixed(1)} MiB in ${Math.round(performance.now() - started)} ms)${blobs ? `; ${blobs} photos and signatures in ${blobsBeside(to)}` : ''}`);
		if (store.kind === 's3') io.out(`photos and signatures are not in this backup: they are in ${store.location}; back up the bucket with the storage's own tools (see the README, "Backups")`);
		return 0;
	} catch (e) {
		if (e instanceof BackupError) throw new CommandError(e.message);
		throw e;
	}
}

function restoreCommand(env: NodeJS.ProcessEnv, from: string, io: CliIo): number {
	if (isPostgresUrl(env.DATABASE_URL)) throw new CommandError('DATABASE_URL is PostgreSQL: restore with pg_restore/psql (see the README, "Backups")');
	const path = sqlitePath(env.DATABASE_URL);
	try {
		const { previous } = restoreSqlite(from, path);
		const blobs = restoreBlobs(from, blobStoreFromEnv(env));
		io.out(`restored ${from} to ${path}${previous ? `; the replaced database is kept as ${previous}` : ''}${blobs ? `; ${blobs} photos and signatures put back in the blob store` : ''}`);
		return 0;
	} catch (e) {
		if (e instanceof BackupError) throw new CommandError(e.message);
		throw e;
	}
}

async function migrate(database: Database, io: CliIo): Promise<number> {
	const { applied } = await migrateToLatest(database.db, database.dialect);
	io.out(applied.length ? `applied: ${applied.join(', ')}` : 'the schema is already up to date');
	return 0;
}

async function seedDemoCommand(database: Database, io: CliIo): Promise<number> {
	await migrateToLatest(database.db, database.dialect);
	const started = performance.now();
	try {
		const s = await seedDemo(database.db);
		const ms = Math.round(performance.now() - started);
		io.out(
			`demo data written in ${ms} ms (${database.dialect}): ${s.estates} estates, ${s.buildings} buildings, ` +
				`${s.meterPoints} meter points, ${s.jobs} jobs (${s.firstPlannedDate} … ${s.lastPlannedDate}), ` +
				`${s.fitters} fitters with ${s.lzoStock} LZO meters in stock`
		);
		io.out(formatDemoAccounts());
		return 0;
	} catch (error) {
		if (error instanceof DemoSeedError) {
			throw new CommandError(
				'the database already has users, so seed-demo refuses: demo accounts have public passwords ' +
					'and must not sit next to real ones. Use an empty database (e.g. DATABASE_URL=file:./data/demo.db).'
			);
		}
		throw error;
	}
}

export function formatDemoAccounts(): string {
	const rows = DEMO_ACCOUNTS.map((a) => [a.login, a.password, a.role, a.description]);
	const header = ['login', 'password', 'role', ''];
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
	const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
	return ['Demo accounts (DEMO ONLY — public passwords):', line(header), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------

function parseImport(args: string[]): { file: string; dryRun: boolean } {
	let parsed;
	try {
		parsed = parseArgs({ args, strict: true, allowPositionals: true, options: { 'dry-run': { type: 'boolean' } } });
	} catch (error) {
		throw new UsageError(`import: ${error instanceof Error ? error.message : String(error)}`);
	}
	if (parsed.positionals.length !== 1) throw new UsageError('import takes exactly one CSV file');
	return { file: parsed.positionals[0]!, dryRun: parsed.values['dry-run'] === true };
}

/** The same checks and all-or-nothing commit as the planner console's import. */
async function importCommand(database: Database, input: { file: string; dryRun: boolean }, io: CliIo): Promise<number> {
	if (!existsSync(input.file)) throw new CommandError(`no such file: ${input.file}`);
	await migrateToLatest(database.db, database.dialect);
	const csv = await parseCsv(createReadStream(input.file));
	const report = await importMeterPoints(database.db, csv, { dryRun: input.dryRun, fileName: basename(input.file), actor: { userId: null, sessionKind: null, device: 'cli', ip: null }, locale: 'pl' });
	for (const e of report.errors) io.err(`row ${e.row}${e.columnLabel ? `, ${e.columnLabel}` : ''}: ${e.message}${e.value ? ` ("${e.value}")` : ''}`);
	if (report.errorCount > report.errors.length) io.err(`… and ${report.errorCount - report.errors.length} more errors`);
	if (report.errorCount > 0) {
		io.err(`${report.errorCount} error(s) in ${report.rows} rows: nothing was imported`);
		return 1;
	}
	if (report.encoding === 'windows-1250') io.out('the file is in Windows-1250 (as Excel saves "CSV"), not UTF-8: its Polish letters were read in that encoding; check the names below');
	for (const u of report.updated) io.out(`row ${u.row}: ${u.ppe} updated (${u.fields.join(', ')})`);
	io.out(`${input.dryRun ? 'checked (dry run, nothing stored)' : 'imported'}: ${report.rows} rows — ${report.added} added, ${report.updatedCount} updated, ${report.unchanged} unchanged; ${report.newBuildings} new buildings${report.newEstates.length ? `, new estates: ${report.newEstates.join(', ')}` : ''} (${report.ms} ms)`);
	return 0;
}

interface CreateUserInput {
	login: string;
	role: Role;
	name: string;
	password?: string;
	worker?: { firstName: string; lastName: string; company: string; validUntil?: string };
}

function parseCreateUser(args: string[]): CreateUserInput {
	let values;
	try {
		({ values } = parseArgs({
			args,
			strict: true,
			allowPositionals: false,
			options: {
				login: { type: 'string' },
				role: { type: 'string' },
				name: { type: 'string' },
				password: { type: 'string' },
				'first-name': { type: 'string' },
				'last-name': { type: 'string' },
				company: { type: 'string' },
				'valid-until': { type: 'string' }
			}
		}));
	} catch (error) {
		throw new UsageError(`create-user: ${error instanceof Error ? error.message : String(error)}`);
	}
	const login = required(values.login, '--login');
	if (!LOGIN_PATTERN.test(login)) {
		throw new UsageError(`--login "${login}" is not valid: 3-32 characters, lower-case letters, digits, . _ -, starting with a letter`);
	}
	const role = required(values.role, '--role');
	if (!(ROLES as readonly string[]).includes(role)) {
		throw new UsageError(`--role "${role}" is not one of ${ROLES.join(', ')}`);
	}
	const fitterOnly = ['first-name', 'last-name', 'company', 'valid-until'] as const;
	if (role !== 'fitter') {
		const stray = fitterOnly.filter((k) => values[k] !== undefined);
		if (stray.length) throw new UsageError(`${stray.map((k) => `--${k}`).join(', ')}: only for --role fitter (a badge holder)`);
	}
	const name = values.name?.trim() || [values['first-name'], values['last-name']].filter(Boolean).join(' ').trim();
	if (!name) throw new UsageError('--name is required (for a fitter, --first-name and --last-name will do)');
	if (values.password !== undefined) checkPasswordStrength(values.password);
	return {
		login,
		role: role as Role,
		name,
		password: values.password,
		worker: role === 'fitter' ? parseWorker(name, values) : undefined
	};
}

function parseWorker(
	name: string,
	values: { 'first-name'?: string; 'last-name'?: string; company?: string; 'valid-until'?: string }
): NonNullable<CreateUserInput['worker']> {
	const [firstWord, ...restWords] = name.split(/\s+/);
	const firstName = values['first-name']?.trim() || firstWord || '';
	const lastName = values['last-name']?.trim() || restWords.join(' ');
	if (!firstName || !lastName) {
		throw new UsageError(`a fitter's badge needs a first and a last name: give --first-name and --last-name, or a two-word --name`);
	}
	const company = values.company?.trim();
	if (!company) throw new UsageError('a fitter needs --company: the employer printed on the badge');
	for (const [flag, value, max] of [['first name', firstName, 60], ['last name', lastName, 80], ['company', company, 120]] as const) {
		if (!shownName(max).safeParse(value).success) throw new UsageError(`the ${flag} "${value}" is longer than ${max} characters or holds invisible or control characters: it is printed on the badge`);
	}
	const validUntil = values['valid-until'];
	if (validUntil !== undefined && !isIsoDate(validUntil)) {
		throw new UsageError(`--valid-until "${validUntil}" is not a date in the form YYYY-MM-DD`);
	}
	return { firstName, lastName, company, validUntil };
}

function required(value: string | undefined, flag: string): string {
	if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required`);
	return value.trim();
}

function isIsoDate(value: string): boolean {
	return /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

function checkPasswordStrength(password: string): void {
	if (password.length < MIN_PASSWORD_LENGTH) {
		throw new UsageError(`the password is too short: at least ${MIN_PASSWORD_LENGTH} characters`);
	}
}

async function createUser(database: Database, input: CreateUserInput, io: CliIo): Promise<number> {
	const { db } = database;
	if (await db.selectFrom('users').select('id').where('login', '=', input.login).executeTakeFirst()) {
		throw new CommandError(`a user with login "${input.login}" already exists`);
	}
	const { password, generated } = await obtainPassword(input.password, io);
	const passwordHash = await hashPassword(password);
	const at = nowIso();
	const userId = newId();
	let badgeNumber: string | undefined;

	await db.transaction().execute(async (trx) => {
		let workerId: string | null = null;
		if (input.worker) {
			badgeNumber = await freshBadgeNumber(trx);
			workerId = newId();
			await trx
				.insertInto('workers')
				.values({
					id: workerId,
					first_name: input.worker.firstName,
					last_name: input.worker.lastName,
					company: input.worker.company,
					badge_number: badgeNumber,
					photo_sha256: null,
					status: 'active',
					valid_until: input.worker.validUntil ?? addDaysToDate(warsawDate(), BADGE_VALID_DAYS),
					code_secret: new Secret({ size: 20 }).base32,
					crew_id: null,
					is_demo: 0,
					created_at: at,
					updated_at: at
				})
				.execute();
		}
		await trx
			.insertInto('users')
			.values({
				id: userId,
				login: input.login,
				display_name: input.name,
				role: input.role,
				password_hash: passwordHash,
				totp_secret: null,
				totp_enabled: 0,
				totp_last_step: null,
				worker_id: workerId,
				disabled: 0,
				is_demo: 0,
				created_at: at,
				updated_at: at
			})
			.execute();
		await trx
			.insertInto('audit_log')
			.values({
				id: newId(),
				at,
				user_id: null,
				session_kind: null,
				device: 'cli',
				ip: null,
				action: 'create-user',
				entity: 'user',
				entity_id: userId,
				changes: JSON.stringify({ login: input.login, role: input.role, display_name: input.name, worker_id: workerId, badge_number: badgeNumber ?? null })
			})
			.execute();
	});

	io.out(`created ${input.role} "${input.login}" (${input.name})${badgeNumber ? `, badge ${badgeNumber}` : ''}`);
	if (generated) io.out(`password (shown once, pass it on securely): ${password}`);
	if (input.role !== 'fitter') io.out('TOTP is not enrolled yet: the user enrols at first sign-in.');
	return 0;
}

async function obtainPassword(given: string | undefined, io: CliIo): Promise<{ password: string; generated: boolean }> {
	if (given !== undefined) return { password: given, generated: false };
	const first = await io.askSecret('Password: ');
	if (first === null) {
		// No terminal (a script or a pipe): a strong random password, printed once.
		return { password: randomBytes(18).toString('base64url'), generated: true };
	}
	checkPasswordStrength(first);
	const again = await io.askSecret('Repeat password: ');
	if (again !== first) throw new CommandError('the two passwords differ');
	return { password: first, generated: false };
}

/** Badge numbers are random (CSPRNG); a collision is unlikely but must never reach the unique index. */
// ---------------------------------------------------------------------------------------------

function processIo(): CliIo {
	return {
		out: (line) => process.stdout.write(`${line}\n`),
		err: (line) => process.stderr.write(`${line}\n`),
		askSecret: (prompt) => (process.stdin.isTTY ? readHidden(prompt) : Promise.resolve(null))
	};
}

/** Reads one line from the terminal in raw mode, echoing nothing. Ctrl-C aborts. */
function readHidden(prompt: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const stdin = process.stdin;
		process.stderr.write(prompt);
		stdin.setRawMode(true);
		stdin.resume();
		stdin.setEncoding('utf8');
		let value = '';
		const finish = (error?: Error) => {
			stdin.setRawMode(false);
			stdin.pause();
			stdin.off('data', onData);
			process.stderr.write('\n');
			if (error) reject(error);
			else resolve(value);
		};
		const onData = (chunk: string) => {
			for (const ch of chunk) {
				if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
				if (ch === '\u0003') return finish(new CommandError('cancelled'));
				if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
				else value += ch;
			}
		};
		stdin.on('data', onData);
	});
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	void runCli(process.argv.slice(2)).then((code) => {
		process.exitCode = code;
	});
}
