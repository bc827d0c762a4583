/** The page's side of the decoder worker: one crop in flight at a time. */
// Imported here, in the page's bundle, rather than in the worker: SvelteKit lists the page's
// assets for the service worker to precache, not the worker's, and the decoder must work offline.
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';
import DecoderWorker from './decoder.worker?worker';
import type { CodeKind } from '$lib/domain/codes';
import { NOTHING, type KindDecode } from './kinds';
import type { DecoderRequest, DecoderResponse } from './decoder-protocol';

export class DecoderClient {
	#worker: Worker;
	#nextId = 1;
	#pending = new Map<number, (result: KindDecode) => void>();
	/** Set when no engine works on this device: scanning is pointless, manual entry remains. */
	failed = false;

	constructor() {
		this.#worker = new DecoderWorker();
		this.#worker.onmessage = (event: MessageEvent<DecoderResponse>) => {
			const msg = event.data;
			this.failed = msg.engines.length === 0;
			this.#pending.get(msg.id)?.(msg.result);
			this.#pending.delete(msg.id);
		};
		this.#worker.onerror = () => {
			this.failed = true;
			this.#settleAll();
		};
		// Starts loading the engines (the .wasm) while the camera is still starting.
		this.#send({ type: 'init', wasmUrl });
	}

	#send(message: DecoderRequest, transfer: Transferable[] = []): void {
		this.#worker.postMessage(message, transfer);
	}

	/**
	 * Every code in the crop is decoded; the answer is the one of `kind`, or which other kind was
	 * seen. `native`: the same crop unscaled, when `pixels` was scaled down (fine bars).
	 */
	decode(pixels: ImageData, kind: CodeKind, native?: ImageData): Promise<KindDecode> {
		const id = this.#nextId++;
		return new Promise((resolve) => {
			this.#pending.set(id, resolve);
			const buffer = pixels.data.buffer as ArrayBuffer;
			const transfer: Transferable[] = [buffer];
			let nativePart: { buffer: ArrayBuffer; width: number; height: number } | undefined;
			if (native) {
				nativePart = { buffer: native.data.buffer as ArrayBuffer, width: native.width, height: native.height };
				transfer.push(nativePart.buffer);
			}
			this.#send({ type: 'decode', id, kind, buffer, width: pixels.width, height: pixels.height, native: nativePart }, transfer);
		});
	}

	terminate(): void {
		this.#worker.terminate();
		this.#settleAll();
	}

	#settleAll(): void {
		for (const resolve of this.#pending.values()) resolve(NOTHING);
		this.#pending.clear();
	}
}
