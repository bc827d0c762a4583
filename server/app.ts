import { openDatabase } from './db/database';
import { migrateToLatest } from './db/migrations';
import { DEMO_ACCOUNTS, hasDemoData, isDatabaseEmpty, seedDemo } from './demo/seed';
import { log } from './log';
import { createServices, type Services } from './services';

/**
 * The process-wide composition root: one database pool and its services, opened once at start
 * (SvelteKit's `init` hook) and closed at shutdown. Request state never lives here.
 */
let services: Services | undefined;
let starting: Promise<Services> | undefined;

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
	return services;
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
	await s?.database.close();
}
