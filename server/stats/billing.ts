/**
 * The billing export: every exchange completed on a (Warsaw) day, with the removed meter's final
 * readings and the new meter's initial readings per register. Reading values stay decimal text as
 * the fitter entered them — never through a float.
 */
import { toCsv } from '../../src/lib/domain/csv';
import type { Kysely } from 'kysely';
import { addDaysToDate, warsawInstant } from '../../src/lib/domain/time';
import type { DB } from '../db/schema';

export interface BillingRecord {
	ppe: string;
	tariffGroup: string;
	oldMeterSerial: string | null;
	oldReadings: Record<string, string | null>;
	newMeterSerial: string | null;
	newReadings: Record<string, string | null>;
	/** Where each reading in force came from (`old 1.8.1` → `optical` | `manual`). */
	sources?: Record<string, 'manual' | 'optical'>;
	/** Registers that could not be read, with the fitter's reason. */
	unreadable: Array<{ meter: 'old' | 'new'; register: string; reason: string }>;
	startedAt: string | null;
	powerOffAt: string | null;
	powerOnAt: string | null;
	completedAt: string;
	fitter: string | null;
	jobId: string;
}

export async function billingDay(db: Kysely<DB>, date: string): Promise<BillingRecord[]> {
	const from = warsawInstant(date, '00:00').toISOString();
	const to = warsawInstant(addDaysToDate(date, 1), '00:00').toISOString();
	const jobs = await db
		.selectFrom('jobs as j')
		.innerJoin('meter_points as mp', 'mp.id', 'j.meter_point_id')
		.leftJoin('exchanges as x', 'x.job_id', 'j.id')
		.leftJoin('users as u', 'u.id', 'x.user_id')
		.select(['j.id', 'j.started_at', 'j.completed_at', 'mp.id as point_id', 'mp.ppe', 'mp.tariff_group', 'x.old_meter_serial', 'x.new_meter_serial', 'u.display_name as fitter'])
		.where('j.status', '=', 'done')
		.where('j.completed_at', '>=', from)
		.where('j.completed_at', '<', to)
		.orderBy('j.completed_at')
		.orderBy('j.id')
		.execute();
	if (jobs.length === 0) return [];
	const ids = jobs.map((j) => j.id);
	const readings: Array<{ job_id: string; meter_role: 'old' | 'new'; register: string; value: string | null; unreadable_reason: string | null; created_at: string; id: string; source?: 'manual' | 'optical' }> = [];
	const outages: Array<{ job_id: string; off_at: string; on_at: string | null }> = [];
	const expectedSerial = new Map<string, string>();
	for (let i = 0; i < ids.length; i += 500) {
		const chunk = ids.slice(i, i + 500);
		readings.push(...(await db.selectFrom('readings').select(['job_id', 'meter_role', 'register', 'value', 'unreadable_reason', 'created_at', 'id', 'source']).where('job_id', 'in', chunk).orderBy('created_at').orderBy('id').execute()));
		outages.push(...(await db.selectFrom('outages').select(['job_id', 'off_at', 'on_at']).where('job_id', 'in', chunk).orderBy('off_at').execute()));
		const points = jobs.slice(i, i + 500).map((j) => j.point_id);
		for (const m of await db.selectFrom('meters').select(['meter_point_id', 'serial']).where('meter_point_id', 'in', points).where('kind', '=', 'conventional').execute()) {
			expectedSerial.set(m.meter_point_id!, m.serial);
		}
	}
	return jobs.map((j) => {
		const mine = readings.filter((r) => r.job_id === j.id);
		const oldReadings: Record<string, string | null> = {};
		const newReadings: Record<string, string | null> = {};
		const unreadable: BillingRecord['unreadable'] = [];
		// A register read twice keeps the later reading (ordered by creation above).
		const sources: Record<string, 'manual' | 'optical'> = {};
		for (const r of mine) {
			(r.meter_role === 'old' ? oldReadings : newReadings)[r.register] = r.value;
			sources[`${r.meter_role} ${r.register}`] = r.source ?? 'manual';
		}
		for (const r of mine) if (r.value === null && r.unreadable_reason && (r.meter_role === 'old' ? oldReadings : newReadings)[r.register] === null) unreadable.push({ meter: r.meter_role, register: r.register, reason: r.unreadable_reason });
		const outage = outages.filter((o) => o.job_id === j.id);
		return {
			jobId: j.id,
			ppe: j.ppe,
			tariffGroup: j.tariff_group,
			oldMeterSerial: j.old_meter_serial ?? expectedSerial.get(j.point_id) ?? null,
			oldReadings: sortKeys(oldReadings),
			newMeterSerial: j.new_meter_serial,
			newReadings: sortKeys(newReadings),
			unreadable,
			// Final readings (old) first, then initial ones (new), each by register.
			sources: Object.fromEntries(Object.entries(sources).sort(([a], [b]) => sourceOrder(a).localeCompare(sourceOrder(b)))),
			startedAt: j.started_at,
			powerOffAt: outage[0]?.off_at ?? null,
			powerOnAt: outage[outage.length - 1]?.on_at ?? null,
			completedAt: j.completed_at!,
			fitter: j.fitter
		};
	});
}

const sourceOrder = (key: string) => (key.startsWith('old') ? '0' : '1') + key;
const sortKeys = (o: Record<string, string | null>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

/** One row per exchange; one column per register found that day (old_1.8.1 … new_2.8.3). */
export function billingCsv(records: BillingRecord[]): string {
	const registers = [...new Set(records.flatMap((r) => [...Object.keys(r.oldReadings), ...Object.keys(r.newReadings)]))].sort();
	const fields = ['ppe', 'grupa_taryfowa', 'licznik_zdjety', ...registers.map((r) => `odczyt_koncowy_${r}`), 'licznik_nowy', ...registers.map((r) => `odczyt_poczatkowy_${r}`), 'rozpoczecie', 'wylaczenie_zasilania', 'wlaczenie_zasilania', 'zakonczenie', 'nieczytelne', 'monter', 'zrodlo_odczytow'];
	const data = records.map((r) => [
		r.ppe, r.tariffGroup, r.oldMeterSerial ?? '', ...registers.map((g) => r.oldReadings[g] ?? ''), r.newMeterSerial ?? '', ...registers.map((g) => r.newReadings[g] ?? ''),
		r.startedAt ?? '', r.powerOffAt ?? '', r.powerOnAt ?? '', r.completedAt, r.unreadable.map((u) => `${u.meter} ${u.register}: ${u.reason}`).join(' | '), r.fitter ?? '',
		Object.entries(r.sources ?? {}).map(([reading, source]) => `${reading}: ${source}`).join(' | ')
	]);
	return toCsv(fields, data, { newline: '\n' });
}
