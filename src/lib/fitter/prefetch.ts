import { preloadCode } from '$app/navigation';

/** The screens a fitter opens from the job list (the scanner's decoders load with the scanner). */
const SCREENS = ['/app/job/_', '/app/job/_/exchange', '/app/diagnostics', '/app/stock'];

let fetching: Promise<unknown> | null = null;

/**
 * Fetches the code of the other fitter screens while there is signal, so a tablet taken into a
 * basement right after its first sign-in, before the service worker finished precaching, can still
 * open a job. (Later visits get it from the precache.) Called once the fitter's data is on the
 * tablet, not at start: the sign-in form and the job list come first, and the job and exchange
 * screens bring the mutation schemas (zod) that the list does not need. Once per page load; a
 * failed fetch is tried again on the next call.
 */
export function prefetchFitterScreens(): void {
	if (fetching || !navigator.onLine) return;
	fetching = Promise.all(SCREENS.map((path) => preloadCode(path))).catch(() => (fetching = null));
}
