/** The generated fixtures, as the browser tests see them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error plain ES module without types
import { FIXTURE_IMAGES as images, GIF_IMAGE as gif, PLANE_IMAGES as planes } from '../fixtures/images.mjs';
// @ts-expect-error plain ES module without types
import { FIXTURE_COLORS as colors } from '../models/fixture-spec.mjs';

export interface FixtureImage {
  name: string;
  width: number;
  height: number;
  format: string;
  patches: { color: string; rect: [number, number, number, number]; alpha?: number }[];
  reference?: boolean;
  /** WebP quality for OpenCV's encoder (lossless when absent). */
  quality?: number;
}

export interface ReferenceDetection {
  class: string;
  score: number;
  box: [number, number, number, number];
}

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURE_IMAGES = images as FixtureImage[];
export const GIF_IMAGE = gif as FixtureImage;
export const PLANE_IMAGES = planes as FixtureImage[];
export const FIXTURE_COLORS = colors as { name: string; rgb: number[]; classIndex: number; score: number }[];
export const REFERENCE_SIZES = [320, 640];

export const imageUrl = (name: string) => `/test/.cache/images/${name}`;
export const modelUrl = (size: number) => `/public/models/veil-fixture-${size}.onnx`;
export const imagePath = (name: string) => join(ROOT, 'test/.cache/images', name);

export function referenceDetections(name: string, size: number): ReferenceDetection[] {
  return JSON.parse(readFileSync(join(ROOT, 'test/.cache/reference', `${name}@${size}`, 'detections.json'), 'utf8'));
}

/** How far one detection list is from another: same classes in the same order, then the worst box and score gaps. */
export function compareDetections(actual: ReferenceDetection[], expected: ReferenceDetection[]) {
  const sameClasses =
    actual.length === expected.length && actual.every((d, i) => d.class === expected[i]!.class);
  let boxPx = 0;
  let score = 0;
  if (sameClasses) {
    actual.forEach((d, i) => {
      const e = expected[i]!;
      d.box.forEach((v, k) => (boxPx = Math.max(boxPx, Math.abs(v - e.box[k]!))));
      score = Math.max(score, Math.abs(d.score - e.score));
    });
  }
  return { sameClasses, boxPx, score };
}
