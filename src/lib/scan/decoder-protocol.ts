import type { CodeKind } from '$lib/domain/codes';
import type { KindDecode } from './kinds';
import type { EngineName } from './types';

export type DecoderRequest =
	/** First message: where zxing-wasm's .wasm is on our origin. */
	| { type: 'init'; wasmUrl: string }
	/** RGBA pixels of the crop and the kind of code the step asks for; the buffer is transferred, not copied. */
	| { type: 'decode'; id: number; kind: CodeKind; buffer: ArrayBuffer; width: number; height: number; native?: { buffer: ArrayBuffer; width: number; height: number } };

/** The answer to one crop, with the engines that still work (none: the device cannot scan). */
export type DecoderResponse = { id: number; result: KindDecode; engines: EngineName[] };
