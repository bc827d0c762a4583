/**
 * Whether the device has a network at all. A placeholder for the sync status until the offline
 * engine exists; navigator.onLine only knows about the network, not whether the server answers.
 */
export class Connection {
	online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);

	/** Call from an $effect; returns the cleanup. */
	watch(): () => void {
		const update = () => (this.online = navigator.onLine);
		window.addEventListener('online', update);
		window.addEventListener('offline', update);
		return () => {
			window.removeEventListener('online', update);
			window.removeEventListener('offline', update);
		};
	}
}
