import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { CommissioningState, DB } from '../db/schema';
import { log } from '../log';
import { recordChanges } from '../sync/change-log';
import { exchangeDto } from '../sync/entities';
import type { HesAdapter } from './hes-adapter';

export interface CommissioningPolicy {
	/** After this many "no communication" answers the request is escalated to the office. */
	maxAttempts: number;
	/** Wait before retry n (1-based); the last value repeats. */
	retryDelaysMs: number[];
	/** A claim older than this is taken to belong to a crashed worker and may be taken over. */
	claimMs: number;
	/** Requests handled per round. */
	batch: number;
}

export const DEFAULT_POLICY: CommissioningPolicy = { maxAttempts: 3, retryDelaysMs: [30_000, 120_000, 300_000], claimMs: 120_000, batch: 10 };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Claims one due request with a conditional UPDATE: of several server instances (or rounds)
 * racing for the same row exactly one sees its update take effect. Nothing is held in memory.
 */
async function claim(db: Kysely<DB>, jobId: string, token: string, now: number, policy: CommissioningPolicy): Promise<boolean> {
	const result = await db
		.updateTable('exchanges')
		.set({ commissioning_claim: token, commissioning_claimed_until: iso(now + policy.claimMs) })
		.where('job_id', '=', jobId)
		.where('commissioning_state', 'in', ['pending', 'failed'])
		.where('commissioning_next_at', '<=', iso(now))
		.where((eb) => eb.or([eb('commissioning_claimed_until', 'is', null), eb('commissioning_claimed_until', '<', iso(now))]))
		.executeTakeFirst();
	return Number(result.numUpdatedRows) === 1;
}

/** Writes the outcome (only if this worker still holds the claim) and tells the crew's tablets. */
async function settle(
	db: Kysely<DB>,
	jobId: string,
	token: string,
	patch: { state: CommissioningState; attempts: number; error: string | null; nextAt: string | null }
): Promise<boolean> {
	return db.transaction().execute(async (trx) => {
		const at = new Date().toISOString();
		const result = await trx
			.updateTable('exchanges')
			.set({
				commissioning_state: patch.state, commissioning_attempts: patch.attempts, commissioning_error: patch.error,
				commissioning_next_at: patch.nextAt, commissioning_updated_at: at, commissioning_claim: null, commissioning_claimed_until: null, updated_at: at
			})
			.where('job_id', '=', jobId)
			.where('commissioning_claim', '=', token)
			.executeTakeFirst();
		if (Number(result.numUpdatedRows) !== 1) return false;
		const row = await trx
			.selectFrom('exchanges')
			.innerJoin('jobs', 'jobs.id', 'exchanges.job_id')
			.selectAll('exchanges')
			.select('jobs.crew_id')
			.where('exchanges.job_id', '=', jobId)
			.executeTakeFirstOrThrow();
		const { crew_id, ...x } = row;
		await recordChanges(trx, [{ entity: 'exchange', id: jobId, op: 'put', crewId: crew_id, data: exchangeDto(x) }]);
		return true;
	});
}

/**
 * One round of the commissioning queue: pending → communicating, or failed (retried later),
 * escalated after `maxAttempts` failures. Returns the job ids it settled.
 */
export async function runCommissioningRound(
	db: Kysely<DB>,
	hes: HesAdapter,
	policy: CommissioningPolicy = DEFAULT_POLICY,
	now = Date.now()
): Promise<Array<{ jobId: string; state: CommissioningState }>> {
	const due = await db
		.selectFrom('exchanges')
		.innerJoin('jobs', 'jobs.id', 'exchanges.job_id')
		.innerJoin('meter_points as mp', 'mp.id', 'jobs.meter_point_id')
		.select(['exchanges.job_id', 'exchanges.new_meter_serial', 'exchanges.commissioning_attempts', 'exchanges.tariff_programmed', 'mp.ppe'])
		.where('exchanges.commissioning_state', 'in', ['pending', 'failed'])
		.where('exchanges.commissioning_next_at', '<=', iso(now))
		.where((eb) => eb.or([eb('exchanges.commissioning_claimed_until', 'is', null), eb('exchanges.commissioning_claimed_until', '<', iso(now))]))
		.orderBy('exchanges.commissioning_next_at')
		.limit(policy.batch)
		.execute();
	const settled: Array<{ jobId: string; state: CommissioningState }> = [];
	for (const row of due) {
		const token = uuidv7();
		if (!(await claim(db, row.job_id, token, now, policy))) continue;
		let outcome;
		try {
			outcome = await hes.register({ requestId: row.job_id, meterSerial: row.new_meter_serial ?? '', ppe: row.ppe, tariffGroup: row.tariff_programmed ?? '' });
		} catch (err) {
			outcome = { status: 'no_communication' as const, detail: err instanceof Error ? err.message : String(err) };
		}
		const attempts = row.commissioning_attempts + 1;
		const patch =
			outcome.status === 'communicating'
				? { state: 'communicating' as const, attempts, error: null, nextAt: null }
				: attempts >= policy.maxAttempts
					? { state: 'escalated' as const, attempts, error: outcome.detail, nextAt: null }
					: { state: 'failed' as const, attempts, error: outcome.detail, nextAt: iso(Date.now() + policy.retryDelaysMs[Math.min(attempts, policy.retryDelaysMs.length) - 1]!) };
		if (await settle(db, row.job_id, token, patch)) settled.push({ jobId: row.job_id, state: patch.state });
	}
	return settled;
}

/** A small in-process poller; every instance may run one (claims keep them apart). */
export function startCommissioningWorker(db: Kysely<DB>, hes: HesAdapter, intervalMs = 5000, policy = DEFAULT_POLICY): () => void {
	let stopped = false;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const tick = async () => {
		try {
			const settled = await runCommissioningRound(db, hes, policy);
			if (settled.length) log.info({ settled }, 'commissioning settled');
		} catch (err) {
			log.warn({ err }, 'commissioning round failed');
		}
		if (!stopped) timer = setTimeout(tick, intervalMs);
	};
	timer = setTimeout(tick, intervalMs);
	return () => {
		stopped = true;
		clearTimeout(timer);
	};
}
