import { roundHalfEven, type Pixels } from '../image/pixels.js';
import { resizeLinear, sourceRows } from './resize.js';

/**
 * Where an image lands inside NudeNet's square input, and how to map boxes back.
 * Field for field what NudeNet's `_read_image` computes.
 */
export interface Letterbox {
  /** The model's input side, S. */
  readonly size: number;
  /** The image resized to fit S, aspect kept. */
  readonly width: number;
  readonly height: number;
  /** Black borders on each side: the same on left and right, top and bottom. */
  readonly padX: number;
  readonly padY: number;
  /**
   * sqrt((W^2 + H^2) / (w^2 + h^2)): NudeNet scales boxes back by this single
   * factor, not per axis.
   */
  readonly resizeFactor: number;
}

/**
 * NudeNet's geometry for a `width` x `height` image and a model of input side `size`:
 * the long side becomes `size`, the short side `round(size * ratio)` with Python's
 * half-to-even rounding, and the padding is split evenly, leaving the image one
 * pixel short of `size` when a pad is odd (a final resize then fixes that up).
 */
export function letterbox(width: number, height: number, size: number): Letterbox {
  const aspect = width / height;
  let w: number;
  let h: number;
  if (height > width) {
    h = size;
    w = roundHalfEven(size * aspect);
  } else {
    w = size;
    h = roundHalfEven(size / aspect);
  }
  // NudeNet would fail on a zero side (a 1 x 2000 strip, say); one pixel is the
  // nearest image that still runs.
  w = Math.max(1, w);
  h = Math.max(1, h);
  return {
    size,
    width: w,
    height: h,
    padX: Math.trunc((size - w) / 2),
    padY: Math.trunc((size - h) / 2),
    resizeFactor: Math.sqrt((width ** 2 + height ** 2) / (w ** 2 + h ** 2)),
  };
}

/**
 * The rows of a `width` x `height` image that `toInputTensor` reads for a model of
 * side `size` (`original`: its own size, when it was decoded smaller), or null
 * when it reads them all or nearly all. Decoding a large
 * photo can then copy out a few hundred rows instead of every pixel.
 */
export function rowsToRead(width: number, height: number, size: number, original?: { width: number; height: number }): Int32Array | null {
  // An image decoded smaller keeps its own geometry (see toInputTensor), so the box comes from its own size.
  const box = letterbox((original ?? { width }).width, (original ?? { height }).height, size);
  const rows = sourceRows(width, height, box.width, box.height);
  // Reading rows one by one costs more per row than one full read; it pays only well below half.
  return rows && rows.length <= height / 2 ? rows : null;
}

/** Scratch RGB buffers, reused across calls: one image is preprocessed at a time. */
const scratch: Uint8Array[] = [];
function zeroed(slot: number, length: number): Uint8Array {
  let buffer = scratch[slot];
  if (!buffer || buffer.length < length) scratch[slot] = buffer = new Uint8Array(length);
  const view = buffer.subarray(0, length);
  view.fill(0);
  return view;
}

/** Values v / 255 as float32, as numpy's `astype("float32") / 255.0` gives them. */
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * NudeNet's whole preprocessing: letterbox with OpenCV's bilinear resize, black
 * padding, the extra resize to S x S when a pad was odd, then RGB planes scaled to
 * [0, 1]. `out` may be passed to reuse a tensor buffer of 3 * S * S floats.
 */
export function toInputTensor(
  pixels: Pixels,
  size: number,
  out: Float32Array = new Float32Array(3 * size * size),
): { tensor: Float32Array; box: Letterbox } {
  // An image decoded smaller keeps its own geometry: the same letterbox, boxes in its own pixels.
  const { width, height } = pixels.original ?? pixels;
  const box = letterbox(width, height, size);
  const paddedWidth = box.width + 2 * box.padX;
  const paddedHeight = box.height + 2 * box.padY;

  // A zero-filled buffer is the black border; the resize writes the image inside it.
  let rgb = zeroed(0, paddedWidth * paddedHeight * 3);
  resizeLinear(pixels, box.width, box.height, rgb, paddedWidth, box.padX, box.padY);
  if (paddedWidth !== size || paddedHeight !== size) {
    const square = zeroed(1, size * size * 3);
    resizeLinear({ data: rgb, width: paddedWidth, height: paddedHeight, channels: 3 }, size, size, square, size);
    rgb = square;
  }

  const plane = size * size;
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    out[i] = UNIT[rgb[p]!]!;
    out[plane + i] = UNIT[rgb[p + 1]!]!;
    out[2 * plane + i] = UNIT[rgb[p + 2]!]!;
  }
  return { tensor: out, box };
}
