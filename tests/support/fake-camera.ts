/**
 * A video file for Chromium's fake camera (`--use-fake-device-for-media-stream
 * --use-file-for-fake-video-capture=<file>.y4m`): a rendered barcode centred on a plain
 * background, as a fitter holds the tablet in front of a meter label. Chromium plays the file in a
 * loop. YUV4MPEG2, 4:2:0 (C420jpeg), grey: chroma planes are neutral.
 */
import { writeFileSync } from 'node:fs';
import type { ScanImage } from '../../src/lib/scan/types';
import { placeOnCanvas, toGrey } from './barcodes';

export interface FakeCameraOptions {
	width?: number;
	height?: number;
	frames?: number;
	fps?: number;
	/** Grey level around the label (a meter cabinet). */
	background?: number;
}

/** Writes the .y4m file and returns its path. */
export function writeFakeCameraVideo(path: string, label: ScanImage, options: FakeCameraOptions = {}): string {
	const { width = 1280, height = 720, frames = 10, fps = 30, background = 150 } = options;
	if (width % 2 || height % 2) throw new RangeError('4:2:0 needs an even width and height');
	const frame = placeOnCanvas(toGrey(label), width, height, background);
	const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`, 'ascii');
	const frameMarker = Buffer.from('FRAME\n', 'ascii');
	const luma = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.length);
	const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
	const parts: Buffer[] = [header];
	for (let i = 0; i < frames; i++) parts.push(frameMarker, luma, chroma);
	writeFileSync(path, Buffer.concat(parts));
	return path;
}
