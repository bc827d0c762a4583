/// <reference lib="webworker" />
/**
 * Decodes camera crops off the main thread, so the video and the buttons stay smooth while an
 * engine works. One request at a time: the page sends the next crop only after an answer.
 */
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';
import { createDecoderChain, type DecoderChain } from './chain';
import { createNativeEngine } from './engines/native';
import { createZxingWasmEngine } from './engines/zxing-wasm';
import type { DecoderRequest, DecoderResponse } from './decoder-protocol';
import type { EngineName, ScanEngine } from './types';

const scope = self as unknown as DedicatedWorkerGlobalScope;

/** @zxing/library is large and only a stand-by: loaded the first time the chain needs it. */
function lazyLibrary(): ScanEngine {
	let engine: Promise<ScanEngine> | null = null;
	return {
		name: 'zxing-library',
		async decode(image) {
			engine ??= import('./engines/zxing-library').then((m) => m.createZxingLibraryEngine());
			return (await engine).decode(image);
		}
	};
}

let chain: Promise<DecoderChain> | null = null;

async function createChain(): Promise<DecoderChain> {
	const engines: Partial<Record<EngineName, ScanEngine>> = {
		'zxing-wasm': createZxingWasmEngine({ url: wasmUrl }),
		'zxing-library': lazyLibrary()
	};
	const native = await createNativeEngine();
	if (native) engines.native = native;
	return createDecoderChain(engines, undefined, (name, err) => post({ type: 'engine-error', engine: name, message: String(err) }));
}

function post(message: DecoderResponse): void {
	scope.postMessage(message);
}

scope.onmessage = async (event: MessageEvent<DecoderRequest>) => {
	const req = event.data;
	chain ??= createChain();
	const c = await chain;
	if (req.type === 'warm-up') {
		post({ type: 'ready', engines: c.working() });
		return;
	}
	const started = performance.now();
	try {
		const result = await c.decode({ data: new Uint8ClampedArray(req.buffer), width: req.width, height: req.height });
		post({ type: 'result', id: req.id, result, ms: performance.now() - started, engines: c.working() });
	} catch (err) {
		post({ type: 'result', id: req.id, result: null, ms: performance.now() - started, engines: c.working(), error: String(err) });
	}
};
