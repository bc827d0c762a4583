import { createContext } from 'svelte';
import { trpc } from '$lib/api/client';
import { errorMessage } from '$lib/api/errors';
import type { Me, SignInNext } from '$lib/session/types';

/** Which screen of the planner console is shown. */
export type PlanStep = 'loading' | 'sign_in' | 'totp' | 'enrol' | 'wrong_role' | 'ready' | 'failed';

/** Decides the screen from the session alone, so a reload lands on the same step. */
function stepFor(me: Me | null): PlanStep {
	if (!me) return 'sign_in';
	if (me.user.role === 'fitter') return 'wrong_role';
	if (me.session.mfaRequired && !me.session.mfaVerified) {
		return me.session.totpEnrolled ? 'totp' : 'enrol';
	}
	return 'ready';
}

const STEP_AFTER_SIGN_IN: Record<SignInNext, PlanStep | null> = {
	totp: 'totp',
	totp_enrol: 'enrol',
	done: null
};

/** The planner's session: sign-in, the second factor (verify or first enrolment) and sign-out. */
export class PlannerSession {
	step = $state<PlanStep>('loading');
	me = $state<Me | null>(null);
	error = $state<string | null>(null);
	signingOut = $state(false);

	async start(): Promise<void> {
		this.step = 'loading';
		this.error = null;
		try {
			this.me = await trpc.auth.me.query();
			this.step = stepFor(this.me);
		} catch (err) {
			this.error = errorMessage(err);
			this.step = 'failed';
		}
	}

	/** Throws server errors for the sign-in form to show. */
	signIn = async (credentials: { login: string; password: string }): Promise<null> => {
		const { next } = await trpc.auth.signIn.mutate({ ...credentials, client: 'plan' });
		await this.start();
		// The sign-in answer is authoritative for the next step even if `me` lags behind.
		const forced = STEP_AFTER_SIGN_IN[next];
		if (forced && this.step !== 'failed') this.step = forced;
		return null;
	};

	/** After a verified or newly enrolled code: the session is now MFA-verified. */
	secondFactorDone = (): Promise<void> => this.start();

	signOut = async (): Promise<void> => {
		this.signingOut = true;
		try {
			await trpc.auth.signOut.mutate();
		} catch {
			// An expired session is as good as signed out.
		} finally {
			this.signingOut = false;
		}
		this.me = null;
		this.step = 'sign_in';
	};
}

/** The console layout's session, for its pages (which render only once it is ready). */
export const [getPlannerSession, setPlannerSession] = createContext<PlannerSession>();
