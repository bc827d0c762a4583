/// <reference lib="webworker" />
/**
 * Decodes camera crops off the main thread, so the video and the buttons stay smooth while an
 * engine works. One request at a time: the page sends the next crop only after an answer.
 */
import { createDecoderChain, type DecoderChain } from './chain';
import { createNativeEngine } from './engines/native';
import { createZxingLibraryEngine } from './engines/zxing-library';
import { createZxingWasmEngine } from './engines/zxing-wasm';
import type { DecoderRequest, DecoderResponse } from './decoder-protocol';
import { NOTHING, type KindDecode } from './kinds';
import type { EngineName, ScanEngine } from './types';

const scope = self as unknown as DedicatedWorkerGlobalScope;

let chain: Promise<DecoderChain> | null = null;

async function createChain(wasmUrl: string): Promise<DecoderChain> {
	const engines: Partial<Record<EngineName, ScanEngine>> = {
		'zxing-wasm': createZxingWasmEngine({ url: wasmUrl }),
		// Bundled into this worker rather than loaded on demand: a lazily loaded chunk would not be
		// in the service worker's precache, and the stand-by is needed precisely on odd devices.
		'zxing-library': createZxingLibraryEngine()
	};
	const native = await createNativeEngine();
	if (native) engines.native = native;
	return createDecoderChain(engines);
}

function post(message: DecoderResponse): void {
	scope.postMessage(message);
}

scope.onmessage = async (event: MessageEvent<DecoderRequest>) => {
	const req = event.data;
	if (req.type === 'init') {
		chain ??= createChain(req.wasmUrl);
		return;
	}
	if (!chain) throw new Error('decoder worker: decode before init');
	const c = await chain;
	let result: KindDecode = NOTHING;
	try {
		const native = req.native ? { data: new Uint8ClampedArray(req.native.buffer), width: req.native.width, height: req.native.height } : undefined;
		result = await c.decodeFor({ data: new Uint8ClampedArray(req.buffer), width: req.width, height: req.height }, req.kind, native);
	} catch {
		// An answer all the same: the page waits for one before sending the next crop.
	}
	post({ id: req.id, result, engines: c.working() });
};
