/**
 * The models' inputs for one image: it is decoded once, to the RGBA pixels the
 * browser library would see, and each model's tensor is built from those pixels
 * with the library's own preprocessing, so both sides feed the models the same.
 * The decoding is the Node entry's (src/node/decode.ts, src/node/bmp.ts):
 *
 * - JPEG, PNG, WebP, GIF, AVIF: sharp (libvips); an animated GIF or WebP one
 *   frame at a time (`frame`), composited as the browser's ImageDecoder does. Its JPEG decoder
 *   (mozjpeg, libjpeg-turbo's decoder), libpng and libwebp give OpenCV's imread
 *   pixels, as Chromium does: measured equal on the fixture photos. The embedded
 *   ICC profile is ignored, as the browser library asks Chromium to
 *   (`colorSpaceConversion: 'none'`); EXIF orientation is applied, as there.
 * - BMP: the Node entry's own reader (libvips has no BMP loader).
 * - Alpha: the browser draws the image on a canvas (premultiplied 8-bit) and reads
 *   it back, so a fully transparent pixel comes back black and a partly
 *   transparent one comes back through a premultiply/unpremultiply round trip.
 *   `browserAlpha` repeats Chromium's arithmetic for that (Skia: premultiply
 *   rounded to nearest, unpremultiply in float32 rounded half to even); measured
 *   equal on every (colour, alpha) pair in Debian's Chromium 156 on x86-64.
 *
 * Nothing here shrinks an image within the library's memory ceiling
 * (`limits.maxDecodePixels`, 40 MP) before the models' resizes do: NudeNet's
 * (OpenCV's bilinear) and the classifier's (TF.js's bilinear) read exact source
 * pixels. A JPEG over it is decoded smaller, at the scale the browser decodes it
 * at (src/node/decode.ts). A BMP is instead read in only the rows the two
 * resizes use, which changes nothing.
 * `prepareImage` is what the decode workers run (pixel-job.ts, pixel-worker.ts):
 * the decode, then NudeNet's letterbox and the classifier's tensor.
 */
import type { ClassifierPreprocessing } from '../src/classifier/spec.js';
import { classifierRows, toClassifierTensor } from '../src/classifier/tensor.js';
import type { SupportedMime } from '../src/image/sniff.js';
import { type Letterbox, rowsToRead, toInputTensor } from '../src/nudenet/letterbox.js';
import type { Divisor } from '../src/image/input-info.js';
// Decoding itself (sharp, the BMP reader, the browser's alpha round trip) is the
// Node entry's, so veil-nsfw/node and the gateway give the browser's pixels the same way.
import { decodeFrame, decodeImage, MAX_DECODE_PIXELS, MAX_PIXELS } from '../src/node/decode.js';

/** What a classifier's tensor needs: its input side and how pixels are scaled. */
export interface ClassifierInput {
  inputSize: number;
  preprocessing: ClassifierPreprocessing;
}

/** The models a request runs, whose tensors the decode builds: NudeNet's input side, the classifier's input; null for none. */
export interface ModelTargets {
  nudenet: number | null;
  classifier: ClassifierInput | null;
}

export const NO_TARGETS: ModelTargets = { nudenet: null, classifier: null };

export interface PreparedImage {
  /** Size after EXIF orientation: the result's `input.width` and `height`. */
  width: number;
  height: number;
  /** NudeNet's input for a model of side `targets.nudenet`, and how to map its boxes back; null without one. */
  tensor: Float32Array | null;
  box: Letterbox | null;
  /** The classifier's [1, 3, S, S] input; null without one. */
  classifierTensor: Float32Array | null;
  /** The source rows read when only some were (ascending), else null. */
  rows: Int32Array | null;
  /** The size a JPEG over the memory ceiling was decoded at (smaller than `width` x `height`); absent for a full decode. */
  decoded?: { width: number; height: number };
}

/**
 * The source rows the models read of a width x height image, or null for all of
 * them: the union of each model's rows, as the library's worker plans them
 * (src/worker/detect-image.ts `rowPlan`), so a BMP read in part still has every row
 * either model looks at.
 */
export function rowsForModels(width: number, height: number, { nudenet, classifier }: ModelTargets): Int32Array | null {
  const plans: (Int32Array | null)[] = [];
  if (nudenet) plans.push(rowsToRead(width, height, nudenet));
  if (classifier) plans.push(classifierRows(width, height, classifier.inputSize));
  if (plans.length === 0 || plans.some((plan) => plan === null)) return null;
  const rows = Int32Array.from(new Set(plans.flatMap((plan) => [...plan!]))).sort();
  // Reading rows one by one pays only well below half of them (see rowsToRead).
  return rows.length <= height / 2 ? rows : null;
}

/**
 * Decodes an image once (or, with `frame`, that frame of an animation, as
 * veil-nsfw/node reads each sampled frame) and builds the tensors of the models
 * asked for from the same pixels: all the pixel work a request needs, in one
 * call a worker thread can run.
 */
export async function prepareImage(
  bytes: Uint8Array,
  mime: SupportedMime,
  targets: ModelTargets,
  maxPixels = MAX_PIXELS,
  frame?: number,
  smaller?: { original: { width: number; height: number }; divisor: Divisor },
): Promise<PreparedImage> {
  let rows: Int32Array | null = null;
  const some = targets.nudenet !== null || targets.classifier !== null;
  const rowsFor = some ? (width: number, height: number) => (rows = rowsForModels(width, height, targets)) : undefined;
  // Read no more than is decoded at once, unless a JPEG is decoded smaller (then the header's size is what libvips reads).
  const readable = smaller && smaller.divisor > 1 ? maxPixels : Math.min(maxPixels, MAX_DECODE_PIXELS);
  const image = frame === undefined ? await decodeImage(bytes, mime, readable, rowsFor, smaller) : await decodeFrame(bytes, mime, frame, readable);
  const { width, height } = image.original ?? image;
  const pixels = {
    data: image.data,
    width: image.width,
    height: image.height,
    channels: 4 as const,
    ...(image.rows && { rows: image.rows }),
    ...(image.original && { original: image.original }),
  };
  let tensor: Float32Array | null = null;
  let box: Letterbox | null = null;
  if (targets.nudenet) {
    const size = targets.nudenet;
    ({ tensor, box } = toInputTensor(pixels, size, new Float32Array(3 * size * size)));
  }
  const { classifier } = targets;
  const classifierTensor = classifier ? toClassifierTensor(pixels, classifier.inputSize, classifier.preprocessing) : null;
  return { width, height, tensor, box, classifierTensor, rows, ...(image.original && { decoded: { width: image.width, height: image.height } }) };
}
