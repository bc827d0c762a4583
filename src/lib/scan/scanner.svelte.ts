/**
 * One open scanner: the camera, the decode loop and the manual entry, for the code kind the
 * screen expects. Created by barcode-scanner.svelte; closed when it goes away.
 */
import { checkCode, type CodeKind } from '$lib/domain/codes';
import { CameraError, mayOpenAutomatically, openRearCamera, setTorch, stopStream, torchSupported, type CameraProblem } from './camera';
import { DecoderClient } from './decoder-client';
import { prepareSound, successFeedback, wrongCodeFeedback } from './feedback';
import { FrameAgreement, MissStreak, type KindDecode, type KindRead } from './kinds';
import { codeProblemMessage, missHint } from './messages';
import { NATIVE_MAX_SIDE, roiInVideo, scaledSize, type Rect } from './roi';

export interface ScanOutcome {
	value: string;
	format: string;
	source: 'camera' | 'manual';
}

/** A few frames a second: quick enough to feel instant, easy on a tablet's battery. */
export const SCAN_INTERVAL_MS = 200;

export type ScannerMode = 'starting' | 'camera' | 'manual';

export class ScannerSession {
	mode = $state<ScannerMode>('starting');
	/** Why the camera is not used, in which case the manual entry is shown with the reason. */
	cameraProblem = $state<CameraProblem | null>(null);
	decoderFailed = $state(false);
	torchAvailable = $state(false);
	torchOn = $state(false);
	/**
	 * A code was read but is not the one asked for, or nothing has been read for a while (glare,
	 * blur): said in words, scanning goes on.
	 */
	notice = $state<string | null>(null);
	/** The accepted code, shown briefly before the screen moves on. */
	found = $state<string | null>(null);
	manualValue = $state('');
	manualError = $state<string | null>(null);

	#stream: MediaStream | null = null;
	#decoder: DecoderClient | null = null;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#canvas: HTMLCanvasElement | null = null;
	/** Bumped whenever the camera is stopped, so a late getUserMedia answer is thrown away. */
	#generation = 0;
	#closed = false;
	#lastWrong: string | null = null;
	#agreement = new FrameAgreement();
	#misses = new MissStreak();
	#video: HTMLVideoElement | null = null;
	#box: HTMLElement | null = null;

	constructor(
		readonly expect: CodeKind,
		private readonly deliver: (outcome: ScanOutcome) => void
	) {}

	/** Opens the camera if the fitter has not refused it before; otherwise the manual entry. */
	async open(video: HTMLVideoElement, box: HTMLElement): Promise<void> {
		this.#video = video;
		this.#box = box;
		prepareSound();
		if (!(await mayOpenAutomatically())) {
			this.cameraProblem = 'denied';
			this.mode = 'manual';
			return;
		}
		await this.#startCamera();
	}

	async #startCamera(): Promise<void> {
		const generation = ++this.#generation;
		this.mode = 'starting';
		this.notice = null;
		this.#decoder ??= new DecoderClient();
		let stream: MediaStream;
		try {
			stream = await openRearCamera();
		} catch (err) {
			if (generation !== this.#generation) return;
			this.cameraProblem = err instanceof CameraError ? err.problem : 'failed';
			this.mode = 'manual';
			return;
		}
		if (generation !== this.#generation || this.#closed || !this.#video) {
			stopStream(stream);
			return;
		}
		this.#stream = stream;
		this.cameraProblem = null;
		const track = stream.getVideoTracks()[0];
		this.torchAvailable = torchSupported(track);
		this.torchOn = false;
		const video = this.#video;
		video.srcObject = stream;
		try {
			await video.play();
		} catch {
			// Autoplay of a muted, inline video is allowed; a failure here shows in the next frame.
		}
		if (generation !== this.#generation) return;
		this.mode = 'camera';
		this.#schedule(generation, 0);
	}

	#schedule(generation: number, delay: number): void {
		this.#timer = setTimeout(() => void this.#tick(generation), delay);
	}

	async #tick(generation: number): Promise<void> {
		if (generation !== this.#generation || this.mode !== 'camera') return;
		const started = performance.now();
		const crop = this.#grabRoi();
		if (crop && this.#decoder) {
			const decoded = await this.#decoder.decode(crop.pixels, this.expect, crop.native);
			if (generation !== this.#generation) return;
			this.decoderFailed = this.#decoder.failed;
			if (this.decoderFailed) {
				this.#stopCamera();
				this.mode = 'manual';
				return;
			}
			if (this.#take(decoded)) return;
		}
		this.#schedule(generation, Math.max(0, SCAN_INTERVAL_MS - (performance.now() - started)));
	}

	/**
	 * The pixels under the aiming frame, scaled down to a decodable size, and unscaled as well when
	 * that scaled them down (the canvas scales on the GPU; the worker tries fine bars at full size).
	 */
	#grabRoi(): { pixels: ImageData; native?: ImageData } | null {
		const video = this.#video;
		const box = this.#box;
		if (!video || !box || video.readyState < 2 || !video.videoWidth) return null;
		const roi = roiInVideo(video.videoWidth, video.videoHeight, box.clientWidth, box.clientHeight);
		if (roi.width < 16 || roi.height < 16) return null;
		const size = scaledSize(roi);
		const pixels = this.#draw(video, roi, size);
		if (!pixels) return null;
		if (size.width === roi.width) return { pixels };
		return { pixels, native: this.#draw(video, roi, scaledSize(roi, NATIVE_MAX_SIDE)) ?? undefined };
	}

	#draw(video: HTMLVideoElement, roi: Rect, size: { width: number; height: number }): ImageData | null {
		this.#canvas ??= document.createElement('canvas');
		const canvas = this.#canvas;
		if (canvas.width !== size.width) canvas.width = size.width;
		if (canvas.height !== size.height) canvas.height = size.height;
		const ctx = canvas.getContext('2d', { willReadFrequently: true });
		if (!ctx) return null;
		ctx.drawImage(video, roi.x, roi.y, roi.width, roi.height, 0, 0, size.width, size.height);
		return ctx.getImageData(0, 0, size.width, size.height);
	}

	/** Weighs one frame's answer; true when the code is taken (the scanner is done). */
	#take(decoded: KindDecode): boolean {
		this.#misses.record(decoded);
		if (decoded.read) return this.#accept(decoded.read);
		this.#agreement.reset();
		if (decoded.wrongKind) {
			this.notice = codeProblemMessage(this.expect, { ok: false, problem: 'wrong_kind', detectedKind: decoded.wrongKind });
			// Buzz once per wrong code, not five times a second while it stays in the frame.
			if (this.#lastWrong !== decoded.wrongKind) wrongCodeFeedback();
			this.#lastWrong = decoded.wrongKind;
		} else {
			this.#lastWrong = null;
			this.notice = this.#misses.hint ? missHint(this.torchOn) : null;
		}
		return false;
	}

	#accept(read: KindRead): boolean {
		// A read that needs a second frame (Code 39, the fallback engine) waits for the next one.
		if (!this.#agreement.offer(read)) return false;
		this.notice = null;
		this.found = read.value;
		successFeedback();
		this.#stopCamera();
		this.deliver({ value: read.value, format: read.format, source: 'camera' });
		return true;
	}

	async toggleTorch(): Promise<void> {
		const track = this.#stream?.getVideoTracks()[0];
		if (!track) return;
		const on = !this.torchOn;
		try {
			await setTorch(track, on);
			this.torchOn = on;
		} catch {
			this.torchAvailable = false;
		}
	}

	switchToManual(): void {
		this.#stopCamera();
		this.cameraProblem = null;
		this.mode = 'manual';
	}

	/** Back from the manual entry (or after a refusal: asks the browser again). */
	async useCamera(): Promise<void> {
		this.manualError = null;
		prepareSound();
		await this.#startCamera();
	}

	submitManual(): boolean {
		if (this.manualValue.trim() === '') {
			this.manualError = null;
			return false;
		}
		const check = checkCode(this.expect, this.manualValue);
		if (!check.ok) {
			this.manualError = codeProblemMessage(this.expect, check);
			return false;
		}
		this.manualError = null;
		this.found = check.value;
		this.deliver({ value: check.value, format: 'MANUAL', source: 'manual' });
		return true;
	}

	#stopCamera(): void {
		this.#generation++;
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		if (this.#stream && this.torchOn) {
			const track = this.#stream.getVideoTracks()[0];
			if (track) void setTorch(track, false).catch(() => {});
		}
		stopStream(this.#stream);
		this.#stream = null;
		this.torchOn = false;
		this.torchAvailable = false;
		if (this.#video) this.#video.srcObject = null;
	}

	#suspended = false;

	/** The app went to the background: release the camera (other apps, battery). */
	suspend(): void {
		if (this.mode === 'manual' || this.#closed || this.found) return;
		this.#suspended = true;
		this.#stopCamera();
		this.mode = 'starting';
	}

	/** Back in the foreground: the camera again, if it was in use. */
	async resume(): Promise<void> {
		if (!this.#suspended || this.#closed) return;
		this.#suspended = false;
		await this.#startCamera();
	}

	/** The component is going away: camera off, worker gone. */
	close(): void {
		this.#closed = true;
		this.#stopCamera();
		this.#decoder?.terminate();
		this.#decoder = null;
	}
}
