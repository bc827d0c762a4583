import type { ChainResult } from './chain';
import type { EngineName } from './types';

export type DecoderRequest =
	/** First message: where zxing-wasm's .wasm is on our origin. */
	| { type: 'init'; wasmUrl: string }
	/** RGBA pixels of the crop; the buffer is transferred, not copied. */
	| { type: 'decode'; id: number; buffer: ArrayBuffer; width: number; height: number };

/** The answer to one crop, with the engines that still work (none: the device cannot scan). */
export type DecoderResponse = { id: number; result: ChainResult | null; engines: EngineName[] };
