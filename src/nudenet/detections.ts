import { NUDENET_CLASSES, OUTPUT_ROWS, type NudeNetClass } from './classes.js';
import { roundHalfEven } from '../image/pixels.js';
import type { Letterbox } from './letterbox.js';

/** One detection exactly as NudeNet's Python package returns it. */
export interface NudeNetDetection {
  class: NudeNetClass;
  score: number;
  /** [left, top, width, height] in source pixels, not clipped to the image. */
  box: [number, number, number, number];
}

/** NudeNet keeps anchors whose best class score reaches this. */
export const KEEP_THRESHOLD = 0.2;
/** cv2.dnn.NMSBoxes(score_threshold): scores must be strictly above it. */
export const NMS_SCORE_THRESHOLD = 0.25;
/** cv2.dnn.NMSBoxes(nms_threshold): a box is dropped when its IoU with a kept one is above it. */
export const NMS_IOU_THRESHOLD = 0.45;

/**
 * NudeNet's `_postprocess`: `output` is `output0` of shape [1, 22, A], read as A
 * columns of (cx, cy, w, h, 18 scores) in the letterboxed input space.
 */
export function decodeDetections(output: Float32Array, box: Letterbox): NudeNetDetection[] {
  const anchors = output.length / OUTPUT_ROWS;
  if (!Number.isInteger(anchors)) {
    throw new RangeError(`output0 has ${output.length} values, not a multiple of ${OUTPUT_ROWS}`);
  }
  const candidates: NudeNetDetection[] = [];
  for (let a = 0; a < anchors; a++) {
    let best = -1;
    let score = -Infinity;
    for (let c = 0; c < NUDENET_CLASSES.length; c++) {
      const s = output[(4 + c) * anchors + a]!;
      if (s > score) {
        score = s; // strict > keeps the first of equal maxima, like np.argmax
        best = c;
      }
    }
    if (!(score >= KEEP_THRESHOLD)) continue;
    const cx = output[a]!;
    const cy = output[anchors + a]!;
    const w = output[2 * anchors + a]!;
    const h = output[3 * anchors + a]!;
    const f = box.resizeFactor;
    candidates.push({
      class: NUDENET_CLASSES[best]!,
      score,
      box: [
        roundHalfEven((cx - w * 0.5 - box.padX) * f),
        roundHalfEven((cy - h * 0.5 - box.padY) * f),
        roundHalfEven(w * f),
        roundHalfEven(h * f),
      ],
    });
  }
  return nmsBoxes(candidates);
}

/**
 * cv2.dnn.NMSBoxes over all classes at once, with OpenCV's float32 arithmetic:
 * keep scores > 0.25, visit them by descending score (ties in input order), and
 * keep a box unless its IoU with an already kept box exceeds 0.45.
 */
export function nmsBoxes<T extends { score: number; box: readonly number[] }>(
  items: readonly T[],
  scoreThreshold = NMS_SCORE_THRESHOLD,
  iouThreshold = NMS_IOU_THRESHOLD,
): T[] {
  const minScore = Math.fround(scoreThreshold);
  const maxOverlap = Math.fround(iouThreshold);
  const order = items
    .map((item, index) => ({ item, index, score: Math.fround(item.score) }))
    .filter((entry) => entry.score > minScore)
    .sort((a, b) => b.score - a.score || a.index - b.index);
  const kept: T[] = [];
  for (const { item } of order) {
    if (kept.every((k) => overlap(item.box, k.box) <= maxOverlap)) kept.push(item);
  }
  return kept;
}

/** OpenCV's rectOverlap on integer rectangles: 1 - jaccardDistance, in float32. */
function overlap(a: readonly number[], b: readonly number[]): number {
  const [ax, ay, aw, ah] = a as [number, number, number, number];
  const [bx, by, bw, bh] = b as [number, number, number, number];
  const areaA = aw * ah;
  const areaB = bw * bh;
  if (areaA + areaB <= 0) return 1; // OpenCV: jaccard distance 0 for two empty rectangles
  const iw = Math.min(ax + aw, bx + bw) - Math.max(ax, bx);
  const ih = Math.min(ay + ah, by + bh) - Math.max(ay, by);
  const inter = iw > 0 && ih > 0 ? iw * ih : 0;
  const distance = 1 - inter / (areaA + areaB - inter);
  return Math.fround(1 - Math.fround(distance));
}
