import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { enqueueForJob } from '$server/notify/notify.service';
import { RESENDS_PER_POINT_PER_DAY } from '$server/notify/resend-limit';
import { createServices } from '$server/services';
import { errorData } from '$server/trpc/errors';
import { createTestDatabase, describeEachDb, type TestDatabase } from './harness';
import { outcome, TestClient, worldWithServices } from './fixtures';

describeEachDb('a planner resending a resident’s message', (kind) => {
	let tdb: TestDatabase;
	let world: Awaited<ReturnType<typeof worldWithServices>>['world'];
	let planners: TestClient[];
	let messageId: string;
	let jobId: string;

	beforeAll(async () => {
		tdb = await createTestDatabase(kind);
		const first = await worldWithServices(tdb);
		world = first.world;
		jobId = world.jobs.a[0]!;
		const job = await tdb.db.selectFrom('jobs').select('meter_point_id').where('id', '=', jobId).executeTakeFirstOrThrow();
		await tdb.db.updateTable('meter_points').set({ location: 'in_home', resident_phone: '+48 600 100 200' }).where('id', '=', job.meter_point_id).execute();
		await tdb.db.transaction().execute((trx) => enqueueForJob(trx, jobId, 'visit_moved', { window: { start: '2030-01-01T08:00:00Z', end: '2030-01-01T09:00:00Z' } }));
		messageId = (await tdb.db.selectFrom('messages').select('id').where('job_id', '=', jobId).executeTakeFirstOrThrow()).id;
		// Two server instances over the same database, a planner signed in on each.
		planners = await Promise.all([first.services, createServices(tdb)].map((s) => new TestClient(s).adoptSession(tdb.db, world.users.planner.id, { mfaVerified: true })));
	});
	afterAll(() => tdb?.destroy());

	it('sends at most three resends a day to one address, however the calls arrive, and says why in Polish', async () => {
		const apis = await Promise.all(planners.map((p) => p.api()));
		const calls = Array.from({ length: 12 }, (_, i) => apis[i % 2]!.plan.messages.resend({ id: messageId }));
		const outcomes = await Promise.all(calls.map(outcome));
		expect(outcomes.filter((o) => o === 'OK')).toHaveLength(RESENDS_PER_POINT_PER_DAY);
		expect(outcomes.filter((o) => o !== 'OK').every((o) => o === 'MESSAGE_RESEND_LIMIT')).toBe(true);
		const resent = await tdb.db.selectFrom('messages').select('id').where('resend_of', 'is not', null).where('job_id', '=', jobId).execute();
		expect(resent).toHaveLength(RESENDS_PER_POINT_PER_DAY);

		const refused = await apis[0]!.plan.messages.resend({ id: messageId }).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(TRPCError);
		expect(errorData(refused as TRPCError, 'pl', 'test').message).toMatch(/jutro/);
	});

	it('answers an unknown message as not found without counting it against anyone', async () => {
		expect(await outcome((await planners[0]!.api()).plan.messages.resend({ id: '01a23341-b9a5-71a6-b5f4-8041ab7af793' }))).toBe('NOT_FOUND');
	});
});
