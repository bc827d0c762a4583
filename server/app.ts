import { openDatabase } from './db/database';
import { migrateToLatest } from './db/migrations';
import { DEMO_ACCOUNTS, hasDemoData, isDatabaseEmpty, seedDemo } from './demo/seed';
import { log } from './log';
import { purgeResidentPhones } from './ops/retention';
import { createServices, type Services } from './services';

/**
 * The process-wide composition root: one database pool and its services, opened once at start
 * (SvelteKit's `init` hook) and closed at shutdown. Request state never lives here.
 */
let services: Services | undefined;
let starting: Promise<Services> | undefined;
let stopping = false;
let retentionTimer: ReturnType<typeof setInterval> | undefined;
const RETENTION_EVERY_MS = 60 * 60 * 1000;

export function initApp(): Promise<Services> {
	return (starting ??= start());
}

async function start(): Promise<Services> {
	const database = openDatabase();
	const { applied } = await migrateToLatest(database.db, database.dialect);
	log.info({ dialect: database.dialect, applied }, 'database ready');
	if (process.env.WYMIANA_DEMO !== '0' && (await isDatabaseEmpty(database.db))) {
		const summary = await seedDemo(database.db);
		log.info({ summary }, 'demo data seeded');
	}
	if (process.env.WYMIANA_DEMO !== '0' && (await hasDemoData(database.db))) printDemoAccounts();
	services = createServices(database);
	const s = services;
	const purge = () =>
		purgeResidentPhones(s.db).then(
			(n) => n > 0 && log.info({ purged: n }, 'resident phone numbers purged after their exchange'),
			(err) => log.error({ err }, 'retention purge failed')
		);
	void purge();
	retentionTimer = setInterval(purge, RETENTION_EVERY_MS);
	retentionTimer.unref();
	return services;
}

/** For /readyz: serving normally, or starting / draining (a load balancer then sends elsewhere). */
export function readiness(): 'ready' | 'starting' | 'stopping' {
	if (stopping) return 'stopping';
	return services ? 'ready' : 'starting';
}

/** Called on SIGTERM/SIGINT before adapter-node finishes in-flight requests. */
export function markStopping(): void {
	stopping = true;
}

function printDemoAccounts() {
	const lines = DEMO_ACCOUNTS.map((a) => `  ${a.role.padEnd(8)} ${a.login.padEnd(10)} ${a.password.padEnd(16)} ${a.description}`);
	process.stdout.write(
		`\nWymiana — DEMO data (not real people or meters). Demo accounts:\n  role     login      password\n${lines.join('\n')}\n` +
			`  Planners and admins set up an authenticator app (TOTP) at first sign-in.\n\n`
	);
}

export function getServices(): Services {
	if (!services) throw new Error('initApp() has not completed');
	return services;
}

export async function closeApp(): Promise<void> {
	const s = services;
	services = undefined;
	starting = undefined;
	if (retentionTimer) clearInterval(retentionTimer);
	await s?.database.close();
	log.info('database closed; shutdown complete');
}
