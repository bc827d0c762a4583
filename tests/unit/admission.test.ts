import { describe, expect, it } from 'vitest';
import { AppError } from '$server/errors';
import { Admission, syncAdmission } from '$server/util/admission';

/** A job that runs until `finish` is called; `started` says whether it has begun. */
function job(log: string[], name: string) {
	let finish!: () => void;
	const done = new Promise<void>((r) => (finish = r));
	const state = { started: false, finish, run: async () => { state.started = true; log.push(`start ${name}`); await done; log.push(`end ${name}`); return name; } };
	return state;
}

const settle = () => new Promise((r) => setTimeout(r, 5));

describe('admission control in front of the database pool', () => {
	it('runs at most its slots at once and lets the others in in the order they came', async () => {
		const gate = new Admission(2, 10_000);
		const log: string[] = [];
		const jobs = ['a', 'b', 'c', 'd'].map((n) => job(log, n));
		const results = jobs.map((j) => gate.run(j.run));
		await settle();
		expect(jobs.map((j) => j.started)).toEqual([true, true, false, false]);
		expect(gate.queued).toBe(2);
		jobs[1]!.finish();
		await settle();
		expect(jobs.map((j) => j.started)).toEqual([true, true, true, false]);
		jobs[0]!.finish();
		jobs[2]!.finish();
		await settle();
		jobs[3]!.finish();
		expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
		expect(log.filter((l) => l.startsWith('start'))).toEqual(['start a', 'start b', 'start c', 'start d']);
		expect(gate.queued).toBe(0);
	});

	it('frees the slot of a job that failed', async () => {
		const gate = new Admission(1, 10_000);
		await expect(gate.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
		expect(await gate.run(async () => 'next')).toBe('next');
	});

	it('answers UNAVAILABLE to one that waited too long, without running it, and keeps the queue going', async () => {
		const gate = new Admission(1, 30);
		const log: string[] = [];
		const first = job(log, 'first');
		const running = gate.run(first.run);
		let ran = false;
		const late = gate.run(async () => { ran = true; });
		await expect(late).rejects.toSatisfy((e) => e instanceof AppError && e.code === 'UNAVAILABLE');
		expect(gate.queued).toBe(0);
		first.finish();
		await running;
		expect(ran).toBe(false);
		expect(await gate.run(async () => 'after')).toBe('after');
	});

	it('takes half the PostgreSQL pool by default, or WYMIANA_SYNC_CONCURRENCY, and refuses a nonsense setting', () => {
		expect(syncAdmission({ DATABASE_POOL_SIZE: '20' }).slots).toBe(10);
		expect(syncAdmission({}).slots).toBe(5);
		expect(syncAdmission({ WYMIANA_SYNC_CONCURRENCY: '3' }).slots).toBe(3);
		expect(() => syncAdmission({ WYMIANA_SYNC_CONCURRENCY: '0' })).toThrow(/WYMIANA_SYNC_CONCURRENCY/);
	});
});
