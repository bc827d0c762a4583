/** A short beep and a buzz when a code is read: the fitter hears it with the tablet at arm's length. */
let audio: AudioContext | null = null;

/**
 * Creates (or resumes) the audio context. Call it from the tap that opens the scanner: browsers
 * allow sound only after a user gesture.
 */
export function prepareSound(): void {
	try {
		audio ??= new AudioContext();
		if (audio.state === 'suspended') void audio.resume();
	} catch {
		audio = null;
	}
}

export function successFeedback(): void {
	navigator.vibrate?.(120);
	if (!audio) return;
	try {
		const t = audio.currentTime;
		const osc = audio.createOscillator();
		const gain = audio.createGain();
		osc.type = 'square';
		osc.frequency.value = 1760;
		// A quick attack and release: no click at the ends.
		gain.gain.setValueAtTime(0.0001, t);
		gain.gain.exponentialRampToValueAtTime(0.3, t + 0.01);
		gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.15);
		osc.connect(gain).connect(audio.destination);
		osc.start(t);
		osc.stop(t + 0.16);
	} catch {
		// Sound is a courtesy; the screen says it too.
	}
}

/** A different buzz for a code that is not the one asked for. */
export function wrongCodeFeedback(): void {
	navigator.vibrate?.([60, 80, 60]);
}
