import type { Kysely } from 'kysely';
import { dateFormat, dayToDate } from '../../src/lib/domain/format';
import { warsawDate } from '../../src/lib/domain/time';
import { hotlineText } from '../../src/lib/public/operator-text';
import { operatorInfo } from '../operator/operator-config';
import { audit, type Actor } from '../audit';
import type { BlobStore } from '../blobs/blob-store';
import type { DB } from '../db/schema';
import { translate, type Locale } from '../i18n';
import { publicKeys } from '../public/keys';
import { findBlob } from '../sync/blobs';
import { renderBadgeCard, renderBadgeCards, type BadgeCardData } from './badge-card';
import { signBadgeToken } from './badge-token';
import { badgeStatus } from './badges.service';
import { findWorker } from './badges.repository';

/** Where the printed QR codes lead (ORIGIN, as adapter-node reads it, is the operator's public address). */
export interface PrintContext {
	db: Kysely<DB>;
	blobs: BlobStore;
	origin: string;
	locale: Locale;
	actor: Actor;
}

type PrintedWorker = Pick<NonNullable<Awaited<ReturnType<typeof findWorker>>>, 'first_name' | 'last_name' | 'company' | 'badge_number' | 'photo_sha256' | 'valid_until'>;

/** What one card shows: the current number, the photo from the blob store, the signed QR. */
async function cardData(ctx: PrintContext, worker: PrintedWorker, hmacKeys: Awaited<ReturnType<typeof publicKeys>>): Promise<BadgeCardData> {
	const blob = worker.photo_sha256 ? await findBlob(ctx.db, worker.photo_sha256, ctx.blobs) : undefined;
	return {
		firstName: worker.first_name,
		lastName: worker.last_name,
		company: worker.company,
		badgeNumber: worker.badge_number,
		validUntil: worker.valid_until,
		photo: blob ? { contentType: blob.contentType, data: await blob.bytes() } : null,
		url: `${ctx.origin}/v/${signBadgeToken(hmacKeys, worker.badge_number)}`,
		hotline: hotlineText(operatorInfo(), ctx.locale)
	};
}

/** One worker's card (any state: an admin may reprint a suspended card for the file). Null: no such worker. */
export async function printWorkerCard(ctx: PrintContext, workerId: string): Promise<{ pdf: Uint8Array; badgeNumber: string } | null> {
	const worker = await findWorker(ctx.db, workerId);
	if (!worker) return null;
	const pdf = await renderBadgeCard(await cardData(ctx, worker, await publicKeys(ctx.db)), ctx.locale);
	await audit(ctx.db, ctx.actor, { action: 'badge-card-printed', entity: 'worker', entityId: worker.id });
	return { pdf, badgeNumber: worker.badge_number };
}

/**
 * Every card of a crew that may be handed out: badges that read valid, or that start later (cards
 * are printed ahead of a start date). Suspended, revoked and expired badges, and workers whose
 * account is disabled, are left out — a card for them would be a card nobody should carry.
 * Null: no such crew. One audit entry for the batch, listing the numbers printed.
 */
export async function printCrewCards(ctx: PrintContext, crewId: string, now = new Date()) {
	const crew = await ctx.db.selectFrom('crews').select(['id', 'name']).where('id', '=', crewId).executeTakeFirst();
	if (!crew) return null;
	const ids = await ctx.db.selectFrom('workers').select('id').where('crew_id', '=', crewId).orderBy('last_name').orderBy('first_name').execute();
	const workers = (await Promise.all(ids.map((w) => findWorker(ctx.db, w.id)))).filter(
		(w): w is NonNullable<typeof w> => !!w && ['valid', 'not_yet_valid'].includes(badgeStatus(w, now))
	);
	const keys = await publicKeys(ctx.db);
	const cards: BadgeCardData[] = [];
	for (const w of workers) cards.push(await cardData(ctx, w, keys));
	const printedOn = dateFormat(ctx.locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(dayToDate(warsawDate(now)));
	const pdf = cards.length
		? await renderBadgeCards(cards, ctx.locale, {
				title: translate('office_batch_title', { crew: crew.name }, ctx.locale),
				subtitle: translate('office_batch_subtitle', { date: printedOn, count: cards.length }, ctx.locale)
			})
		: null;
	if (pdf) {
		await audit(ctx.db, ctx.actor, {
			action: 'badge-cards-printed', entity: 'crew', entityId: crew.id,
			changes: { badge_numbers: [null, cards.map((c) => c.badgeNumber)] }
		});
	}
	return { crew, pdf, badgeNumbers: cards.map((c) => c.badgeNumber) };
}
