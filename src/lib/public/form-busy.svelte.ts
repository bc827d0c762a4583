import type { SubmitFunction } from '@sveltejs/kit';

/**
 * A public form enhanced with JavaScript: the button shows it is working, and the fields keep
 * what the resident typed when the answer comes back (without JavaScript the page just reloads).
 */
export class FormBusy {
	busy = $state(false);

	submit: SubmitFunction = () => {
		this.busy = true;
		return async ({ update }) => {
			await update({ reset: false });
			this.busy = false;
		};
	};
}
