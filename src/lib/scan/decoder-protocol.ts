import type { ChainResult } from './chain';
import type { EngineName } from './types';

export type DecoderRequest =
	/** First message: where zxing-wasm's .wasm is on our origin. */
	| { type: 'init'; wasmUrl: string }
	/** RGBA pixels of the crop; the buffer is transferred, not copied. */
	| { type: 'decode'; id: number; buffer: ArrayBuffer; width: number; height: number };

export type DecoderResponse =
	| { type: 'ready'; engines: EngineName[] }
	| { type: 'result'; id: number; result: ChainResult | null; ms: number; engines: EngineName[]; error?: string }
	| { type: 'engine-error'; engine: EngineName; message: string };
