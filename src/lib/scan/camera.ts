/**
 * The rear camera. Asked for once: the browser keeps the fitter's answer per site, and we keep it
 * too, so a refusal is not followed by a permission prompt every time a scanner opens (the
 * fitter can ask again with one button).
 */
export type CameraProblem = 'denied' | 'missing' | 'busy' | 'insecure' | 'failed';

export class CameraError extends Error {
	constructor(
		readonly problem: CameraProblem,
		cause?: unknown
	) {
		super(`camera: ${problem}`, { cause });
	}
}

const DECISION_KEY = 'wymiana.camera-permission';

export function rememberedDecision(): 'granted' | 'denied' | null {
	try {
		const v = localStorage.getItem(DECISION_KEY);
		return v === 'granted' || v === 'denied' ? v : null;
	} catch {
		return null;
	}
}

function remember(decision: 'granted' | 'denied'): void {
	try {
		localStorage.setItem(DECISION_KEY, decision);
	} catch {
		// Private mode: the browser's own memory of the answer still applies.
	}
}

/** The browser's current answer for the camera, where it tells (not Firefox, older Safari). */
export async function browserPermission(): Promise<PermissionState | null> {
	try {
		return (await navigator.permissions.query({ name: 'camera' as PermissionName })).state;
	} catch {
		return null;
	}
}

/**
 * Whether to open the camera without the fitter asking: not after a refusal, unless the browser
 * now says it is allowed (changed in the site settings).
 */
export async function mayOpenAutomatically(): Promise<boolean> {
	const state = await browserPermission();
	if (state === 'granted') return true;
	if (state === 'denied') return false;
	return rememberedDecision() !== 'denied';
}

function problemOf(err: unknown): CameraProblem {
	const name = err instanceof DOMException || err instanceof Error ? err.name : '';
	switch (name) {
		case 'NotAllowedError':
		case 'SecurityError':
		case 'PermissionDeniedError':
			return 'denied';
		case 'NotFoundError':
		case 'DevicesNotFoundError':
		case 'OverconstrainedError':
			return 'missing';
		case 'NotReadableError':
		case 'TrackStartError':
		case 'AbortError':
			return 'busy';
		default:
			return 'failed';
	}
}

/** Opens the rear camera (any camera where there is no rear one, e.g. a laptop). */
export async function openRearCamera(): Promise<MediaStream> {
	if (!window.isSecureContext) throw new CameraError('insecure');
	if (!navigator.mediaDevices?.getUserMedia) throw new CameraError('missing');
	try {
		const stream = await navigator.mediaDevices.getUserMedia({
			audio: false,
			video: {
				facingMode: { ideal: 'environment' },
				// Enough for a 0.25 mm bar at 15 cm; more only costs battery and decode time.
				width: { ideal: 1280 },
				height: { ideal: 720 },
				frameRate: { ideal: 30 }
			}
		});
		remember('granted');
		return stream;
	} catch (err) {
		const problem = problemOf(err);
		if (problem === 'denied') remember('denied');
		throw new CameraError(problem, err);
	}
}

export function stopStream(stream: MediaStream | null): void {
	for (const track of stream?.getTracks() ?? []) track.stop();
}

type TorchCapabilities = MediaTrackCapabilities & { torch?: boolean };

/** Whether this camera has a light the page may switch (Chrome on Android; not iOS, not laptops). */
export function torchSupported(track: MediaStreamTrack | undefined): boolean {
	const caps = track?.getCapabilities?.() as TorchCapabilities | undefined;
	return caps?.torch === true;
}

export async function setTorch(track: MediaStreamTrack, on: boolean): Promise<void> {
	await track.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] });
}
