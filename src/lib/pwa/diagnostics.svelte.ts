import { Dexie } from 'dexie';
import { version as buildId } from '$app/environment';
import { exportUnsynced } from '$lib/offline/export';
import { openWymianaDb } from '$lib/offline/db';
import { FIELD_TIME_ZONE, intlLocale } from '$lib/ui/format';
import { version as packageVersion } from '../../../package.json';
import { currentPersistence, requestPersistence, storageEstimate, type Persistence } from './persistence';

/** Databases made by src/lib/offline (`dbNameFor(userId)`), one per fitter who used this tablet. */
const DB_PREFIX = 'wymiana-';

export interface LocalDatabase {
	name: string;
	clientId: string | null;
	pending: number;
	rejected: number;
}

/**
 * What support asks a fitter for on the phone: is the app stored for offline use, may the browser
 * delete its data, how full is the device, and what has not reached the server yet. It reads only
 * the device, so it works with no network and without signing in (an expired session must not
 * lock a fitter out of exporting unsent work).
 */
export class Diagnostics {
	loading = $state(true);
	persistence = $state<Persistence | null>(null);
	usage = $state<{ usage: number; quota: number } | null>(null);
	workerVersion = $state<string | null>(null);
	databases = $state.raw<LocalDatabase[]>([]);
	readFailed = $state(false);
	exporting = $state<string | null>(null);
	exported = $state<string | null>(null);
	exportFailed = $state(false);

	readonly appVersion = packageVersion;
	readonly buildId = buildId;

	async load(workerVersion: (() => Promise<string | null>) | null): Promise<void> {
		this.loading = true;
		const [persistence, usage, databases, worker] = await Promise.all([
			currentPersistence(),
			storageEstimate(),
			this.readDatabases(),
			workerVersion ? workerVersion().catch(() => null) : Promise.resolve(null)
		]);
		this.persistence = persistence;
		this.usage = usage;
		this.databases = databases;
		this.workerVersion = worker;
		this.loading = false;
	}

	async askPersistence(): Promise<void> {
		this.persistence = await requestPersistence();
	}

	private async readDatabases(): Promise<LocalDatabase[]> {
		this.readFailed = false;
		try {
			// Dexie lists databases even where indexedDB.databases() is missing (older Firefox).
			const names = (await Dexie.getDatabaseNames()).filter((n) => n.startsWith(DB_PREFIX)).sort();
			return await Promise.all(names.map((name) => readDatabase(name)));
		} catch {
			this.readFailed = true;
			return [];
		}
	}

	async export(database: LocalDatabase): Promise<void> {
		this.exporting = database.name;
		this.exported = null;
		this.exportFailed = false;
		const db = openWymianaDb(database.name);
		try {
			const blob = await exportUnsynced(db);
			const file = exportFileName(new Date(), database.clientId);
			download(blob, file);
			this.exported = file;
		} catch {
			this.exportFailed = true;
		} finally {
			db.close();
			this.exporting = null;
		}
	}
}

async function readDatabase(name: string): Promise<LocalDatabase> {
	const db = openWymianaDb(name);
	try {
		// Read-only: a diagnostics visit must not create a client id (ensureClientId would).
		const [clientRow, pending, rejected] = await Promise.all([db.meta.get('clientId'), db.outbox.count(), db.rejections.count()]);
		return { name, clientId: (clientRow?.value as string | undefined) ?? null, pending, rejected };
	} finally {
		// Left open, it would block the sync engine's next schema upgrade of this database.
		db.close();
	}
}

/** `wymiana-niewyslane-2026-11-22-0915-<clientId>.json`, in Polish time like everything else. */
export function exportFileName(at: Date, clientId: string | null): string {
	const parts = Object.fromEntries(
		new Intl.DateTimeFormat('en-GB', {
			timeZone: FIELD_TIME_ZONE,
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			hourCycle: 'h23'
		})
			.formatToParts(at)
			.map((p) => [p.type, p.value])
	);
	const stamp = `${parts.year}-${parts.month}-${parts.day}-${parts.hour}${parts.minute}`;
	return `wymiana-niewyslane-${stamp}-${clientId ?? 'bez-identyfikatora'}.json`;
}

function download(blob: Blob, fileName: string): void {
	const url = URL.createObjectURL(blob);
	const a = document.createElement('a');
	a.href = url;
	a.download = fileName;
	a.rel = 'noopener';
	document.body.append(a);
	a.click();
	a.remove();
	// Revoked later: some browsers start reading the URL only after click() has returned.
	setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

export function formatBytes(bytes: number): string {
	let value = bytes;
	let unit = 0;
	while (value >= 1000 && unit < UNITS.length - 1) {
		value /= 1000;
		unit++;
	}
	return new Intl.NumberFormat(intlLocale(), {
		style: 'unit',
		unit: UNITS[unit],
		unitDisplay: 'short',
		maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0
	}).format(value);
}

export function formatPercent(part: number, whole: number): string {
	return new Intl.NumberFormat(intlLocale(), { style: 'percent', maximumFractionDigits: part / whole < 0.01 ? 2 : 0 }).format(
		whole > 0 ? part / whole : 0
	);
}

/** SvelteKit's default build id is the build time in milliseconds; show it as a date when it is. */
export function formatBuildId(id: string): string {
	if (!/^\d{13}$/.test(id)) return id;
	return new Intl.DateTimeFormat(intlLocale(), {
		dateStyle: 'short',
		timeStyle: 'short',
		timeZone: FIELD_TIME_ZONE
	}).format(new Date(Number(id)));
}
