/**
 * An EXIF orientation as WebCodecs' VideoFrame gives it (`rotation`, `flip`), and
 * turning RGBA pixels into it: a permutation of pixels, so the bytes stay those
 * of the decoder.
 */
import type { Pixels } from '../image/pixels.js';

/** How a frame's stored pixels are shown: turned `rotation` degrees clockwise, then mirrored left to right. */
export interface Orientation {
  rotation: 0 | 90 | 180 | 270;
  flip: boolean;
}

/** RGBA pixels stored `width` x `height`, as displayed in `orientation`. */
export function turnRgba(data: Uint8ClampedArray, width: number, height: number, { rotation, flip }: Orientation): Pixels {
  const turned = rotation === 90 || rotation === 270;
  const w = turned ? height : width;
  const h = turned ? width : height;
  const source = new Uint32Array(data.buffer, data.byteOffset, width * height);
  const out = new Uint8ClampedArray(width * height * 4);
  const target = new Uint32Array(out.buffer);
  for (let dy = 0, o = 0; dy < h; dy++) {
    for (let dx = 0; dx < w; dx++, o++) {
      // Undo the mirror, then the turn: (x, y) in the turned image -> stored (sx, sy).
      const x = flip ? w - 1 - dx : dx;
      const sx = rotation === 0 ? x : rotation === 90 ? dy : rotation === 180 ? width - 1 - x : width - 1 - dy;
      const sy = rotation === 0 ? dy : rotation === 90 ? height - 1 - x : rotation === 180 ? height - 1 - dy : x;
      target[o] = source[sy * width + sx]!;
    }
  }
  return { data: out, width: w, height: h, channels: 4 };
}
