/**
 * NudeNet v3's 18 detector classes, in the order of the model's output rows 4..21.
 * The index of a name here is its class id in `output0`.
 */
export const NUDENET_CLASSES = [
  'FEMALE_GENITALIA_COVERED',
  'FACE_FEMALE',
  'BUTTOCKS_EXPOSED',
  'FEMALE_BREAST_EXPOSED',
  'FEMALE_GENITALIA_EXPOSED',
  'MALE_BREAST_EXPOSED',
  'ANUS_EXPOSED',
  'FEET_EXPOSED',
  'BELLY_COVERED',
  'FEET_COVERED',
  'ARMPITS_COVERED',
  'ARMPITS_EXPOSED',
  'FACE_MALE',
  'BELLY_EXPOSED',
  'MALE_GENITALIA_EXPOSED',
  'ANUS_COVERED',
  'FEMALE_BREAST_COVERED',
  'BUTTOCKS_COVERED',
] as const;

export type NudeNetClass = (typeof NUDENET_CLASSES)[number];

/** Rows per anchor in `output0`: cx, cy, w, h, then one score per class. */
export const OUTPUT_ROWS = 4 + NUDENET_CLASSES.length;

/** YOLOv8 anchors for a square input of `size`: one per cell at strides 8, 16 and 32. */
export function anchorCount(size: number): number {
  return (size / 8) ** 2 + (size / 16) ** 2 + (size / 32) ** 2;
}
