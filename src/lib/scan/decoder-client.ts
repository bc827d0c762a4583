/** The page's side of the decoder worker: one crop in flight at a time. */
// Imported here, in the page's bundle, rather than in the worker: SvelteKit lists the page's
// assets for the service worker to precache, not the worker's, and the decoder must work offline.
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';
import DecoderWorker from './decoder.worker?worker';
import type { ChainResult } from './chain';
import type { DecoderRequest, DecoderResponse } from './decoder-protocol';
import type { EngineName } from './types';

export interface DecodeAnswer {
	result: ChainResult | null;
	ms: number;
	engines: EngineName[];
}

export class DecoderClient {
	#worker: Worker;
	#nextId = 1;
	#pending = new Map<number, (answer: DecodeAnswer) => void>();
	/** Set when no engine works on this device: scanning is pointless, manual entry remains. */
	failed = false;

	constructor(onEngineError?: (engine: EngineName, message: string) => void) {
		this.#worker = new DecoderWorker();
		this.#worker.onmessage = (event: MessageEvent<DecoderResponse>) => {
			const msg = event.data;
			if (msg.type === 'result') {
				this.failed = msg.engines.length === 0;
				this.#pending.get(msg.id)?.({ result: msg.result, ms: msg.ms, engines: msg.engines });
				this.#pending.delete(msg.id);
			} else if (msg.type === 'engine-error') {
				onEngineError?.(msg.engine, msg.message);
			}
		};
		this.#worker.onerror = () => {
			this.failed = true;
			for (const resolve of this.#pending.values()) resolve({ result: null, ms: 0, engines: [] });
			this.#pending.clear();
		};
		// Starts loading the engines (the .wasm) while the camera is still starting.
		this.#send({ type: 'init', wasmUrl });
	}

	#send(message: DecoderRequest, transfer: Transferable[] = []): void {
		this.#worker.postMessage(message, transfer);
	}

	decode(pixels: ImageData): Promise<DecodeAnswer> {
		const id = this.#nextId++;
		return new Promise((resolve) => {
			this.#pending.set(id, resolve);
			const buffer = pixels.data.buffer as ArrayBuffer;
			this.#send({ type: 'decode', id, buffer, width: pixels.width, height: pixels.height }, [buffer]);
		});
	}

	terminate(): void {
		this.#worker.terminate();
		for (const resolve of this.#pending.values()) resolve({ result: null, ms: 0, engines: [] });
		this.#pending.clear();
	}
}
