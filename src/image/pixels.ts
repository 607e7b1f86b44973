/**
 * Decoded pixels as every stage after decoding sees them, and the rounding rule
 * OpenCV and Python share, which the letterbox and the box mapping both follow.
 */

/** 8-bit pixels, row-major, `channels` bytes per pixel (3 = RGB, 4 = RGBA). */
export interface Pixels {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  /**
   * Set when `data` holds only the source rows a resize reads (see `sourceRows`):
   * `rows[y]` is where row y sits in `data`, or -1 for a row that was not read.
   */
  readonly rows?: Int32Array;
  /**
   * Set when the image was decoded smaller than it is (`decode: 'fast'`): its
   * own size, which the letterbox geometry and the boxes follow.
   */
  readonly original?: { readonly width: number; readonly height: number };
}

/** `Pixels.rows` for data holding the source rows `read` (ascending), packed in that order. */
export function rowIndex(height: number, read: Int32Array): Int32Array {
  const index = new Int32Array(height).fill(-1);
  read.forEach((y, k) => (index[y] = k));
  return index;
}

/** Python's and OpenCV's `round`: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
