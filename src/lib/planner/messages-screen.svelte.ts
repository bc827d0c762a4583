import { trpc } from '$lib/api/client';
import { errorMessage } from '$lib/api/errors';
import { m } from '$lib/paraglide/messages.js';
import type { RouterOutputs } from '$lib/session/types';
import { Pager, Remote } from './remote.svelte';

export type MessageLog = RouterOutputs['plan']['messages']['list'];
export type MessageRow = MessageLog['rows'][number];
export const MESSAGE_STATES = ['pending', 'claimed', 'sending', 'sent', 'logged', 'failed', 'uncertain', 'cancelled', 'stopped'] as const;
export type MessageStateName = (typeof MESSAGE_STATES)[number];

const STATE_LABEL: Record<MessageStateName, () => string> = {
	pending: m.notify_state_pending, claimed: m.notify_state_claimed, sending: m.notify_state_sending, sent: m.notify_state_sent, logged: m.notify_state_logged,
	failed: m.notify_state_failed, uncertain: m.notify_state_uncertain, cancelled: m.notify_state_cancelled, stopped: m.notify_state_stopped
};
const TEMPLATE_LABEL: Record<MessageRow['template'], () => string> = {
	booking_confirmed: m.notify_template_booking_confirmed, reminder_day_before: m.notify_template_reminder_day_before,
	reminder_morning: m.notify_template_reminder_morning, visit_moved: m.notify_template_visit_moved, visit_cancelled: m.notify_template_visit_cancelled, on_the_way: m.notify_template_on_the_way
};
export const stateLabel = (s: MessageStateName) => STATE_LABEL[s]();
export const templateLabel = (t: MessageRow['template']) => TEMPLATE_LABEL[t]();
export const channelLabel = (c: MessageRow['channel']) => (c === 'sms' ? m.notify_channel_sms() : m.notify_channel_email());

/** The message log: overall or for one job (`?job=<id>`), filtered by state, paged on the server. */
export class MessagesScreen {
	log = new Remote<MessageLog>();
	pager = new Pager(50);
	state = $state<MessageStateName | ''>('');
	jobId = $state('');
	/** The row being resent, and the outcome to announce. */
	resending = $state<string | null>(null);
	notice = $state<{ tone: 'success' | 'danger'; text: string } | null>(null);

	load = async (): Promise<void> => {
		await this.log.run(() => trpc.plan.messages.list.query({ state: this.state || undefined, jobId: this.jobId.trim() || undefined, page: this.pager.page }));
	};

	apply = async (): Promise<void> => {
		this.pager.page = 0;
		await this.load();
	};

	resend = async (id: string): Promise<void> => {
		this.resending = id;
		this.notice = null;
		try {
			await trpc.plan.messages.resend.mutate({ id });
			this.notice = { tone: 'success', text: m.notify_resent() };
			await this.load();
		} catch (err) {
			this.notice = { tone: 'danger', text: errorMessage(err) };
		} finally {
			this.resending = null;
		}
	};
}
