import { moveBlobsToStore } from './blobs/move-blobs';
import { openDatabase } from './db/database';
import { migrateToLatest } from './db/migrations';
import { DEMO_ACCOUNTS, hasDemoData, isDatabaseEmpty, seedDemo } from './demo/seed';
import { log } from './log';
import { operatorInfo } from './operator/operator-config';
import { purgeResidentPhones } from './ops/retention';
import { closePublicRuntime } from './public/runtime';
import { createServices, type Services } from './services';
import { startCommissioningWorker } from './hes/commissioning';
import { HesSimulator } from './hes/hes-simulator';
import { channelsFromEnv } from './notify/channels';
import { startNotifyWorker } from './notify/notify.service';

/**
 * The process-wide composition root: one database pool and its services, opened once at start
 * (SvelteKit's `init` hook) and closed at shutdown. Request state never lives here.
 */
let services: Services | undefined;
let starting: Promise<Services> | undefined;
let stopping = false;
let retentionTimer: ReturnType<typeof setInterval> | undefined;
const RETENTION_EVERY_MS = 60 * 60 * 1000;
let stopCommissioning: (() => void) | undefined;
let stopNotify: (() => void) | undefined;

export function initApp(): Promise<Services> {
	return (starting ??= start());
}

async function start(): Promise<Services> {
	// A wrong operator setting (hotline, addresses) stops the start with its reason, not a page later.
	log.info({ operator: operatorInfo() }, 'operator facts');
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
	// Blob bytes from before the blob store move out of the database in the background (resumable).
	void moveBlobsToStore(s.db, s.blobs).then(
		(r) => (r.moved > 0 || r.remaining > 0) && log.info(r, 'blob bytes moved out of the database'),
		(err) => log.error({ err }, 'moving blob bytes out of the database failed; it is retried at the next start')
	);
	const purge = () =>
		purgeResidentPhones(s.db).then(
			(n) => n > 0 && log.info({ purged: n }, 'resident phone numbers purged after their exchange'),
			(err) => log.error({ err }, 'retention purge failed')
		);
	void purge();
	retentionTimer = setInterval(purge, RETENTION_EVERY_MS);
	retentionTimer.unref();
	stopCommissioning = startHes(services);
	stopNotify = startNotify(services);
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

/** The head-end system: the simulator until a real adapter exists (WYMIANA_HES=off: no worker). */
function startHes(s: Services): (() => void) | undefined {
	if (process.env.WYMIANA_HES === 'off') return undefined;
	const num = (name: string) => (process.env[name] !== undefined && process.env[name] !== '' ? Number(process.env[name]) : undefined);
	const hes = new HesSimulator({ delayMs: num('HES_SIM_DELAY_MS') ?? 3000, failureRate: num('HES_SIM_FAILURE_RATE') ?? 0.2, seed: num('HES_SIM_SEED') });
	return startCommissioningWorker(s.db, hes, num('HES_POLL_MS') ?? 5000);
}

/** Messages to residents (WYMIANA_NOTIFY=off: no worker; without SMTP/SMS config: console log only). */
function startNotify(s: Services): (() => void) | undefined {
	if (process.env.WYMIANA_NOTIFY === 'off') return undefined;
	const poll = Number(process.env.NOTIFY_POLL_MS);
	return startNotifyWorker(s.db, channelsFromEnv(), { intervalMs: Number.isFinite(poll) && poll > 0 ? poll : 5000 });
}

export function getServices(): Services {
	if (!services) throw new Error('initApp() has not completed');
	return services;
}

export async function closeApp(): Promise<void> {
	const s = services;
	stopCommissioning?.();
	stopCommissioning = undefined;
	stopNotify?.();
	stopNotify = undefined;
	services = undefined;
	starting = undefined;
	if (retentionTimer) clearInterval(retentionTimer);
	if (s) await closePublicRuntime(s);
	await s?.database.close();
	log.info('database closed; shutdown complete');
}
