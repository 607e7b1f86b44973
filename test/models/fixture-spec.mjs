// @ts-check
/**
 * The contract shared by the generated test models (test/models/make-models.mjs)
 * and the tests that feed them synthetic images.
 *
 * NudeNet (YOLOv8) I/O contract:
 *   input  `images`  float32 [1, 3, S, S]  RGB, CHW, values 0..1
 *   output `output0` float32 [1, 22, A]    A = anchorsFor(S); rows 0..3 = cx, cy, w, h in
 *                                          SxS input pixels, rows 4..21 = 18 sigmoid class scores
 *
 * The semantic fixture model (`veil-fixture-S.onnx`) "detects" flat colour patches:
 * every pixel whose three channels are all strictly within COLOR_TOLERANCE of an entry's
 * colour belongs to that entry's mask, and the entry reports one box around the mask's
 * extent (pixel-edge coordinates: x0 = min x, x1 = max x + 1) plus two near-duplicate
 * "shadow" boxes (see SHADOWS) that class-agnostic NMS at IoU 0.45 must suppress.
 * Entry k owns anchor columns SHADOWS.length*k ... SHADOWS.length*k + SHADOWS.length-1;
 * an entry whose colour is absent has an all-zero column (box and scores); every
 * column after the last entry's is all zeros.
 */

export const INPUT_NAME = 'images';
export const OUTPUT_NAME = 'output0';

/** NudeNet's class labels, in output-row order (row 4 + index). */
export const CLASS_LABELS = Object.freeze(
  /** @type {const} */ ([
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
  ]),
);

export const NUM_CLASSES = CLASS_LABELS.length; // 18
/** Output rows per anchor: 4 box values + one score per class. */
export const OUTPUT_ROWS = 4 + NUM_CLASSES; // 22

/**
 * @typedef {object} FixtureColor
 * @property {string} name
 * @property {readonly [number, number, number]} rgb  0..255 per channel
 * @property {number} classIndex  index into CLASS_LABELS
 * @property {number} score  score of the entry's primary box (0..1)
 */

/**
 * @param {string} name
 * @param {[number, number, number]} rgb
 * @param {number} classIndex
 * @param {number} score
 * @returns {FixtureColor}
 */
const fixtureColor = (name, rgb, classIndex, score) =>
  Object.freeze({ name, rgb: Object.freeze(rgb), classIndex, score });

/** @type {readonly FixtureColor[]} */
export const FIXTURE_COLORS = Object.freeze([
  fixtureColor('red', [255, 0, 0], 3, 0.9), // FEMALE_BREAST_EXPOSED
  fixtureColor('green', [0, 255, 0], 1, 0.8), // FACE_FEMALE
  fixtureColor('blue', [0, 0, 255], 4, 0.85), // FEMALE_GENITALIA_EXPOSED
  fixtureColor('yellow', [255, 255, 0], 2, 0.7), // BUTTOCKS_EXPOSED
  fixtureColor('magenta', [255, 0, 255], 16, 0.75), // FEMALE_BREAST_COVERED
  fixtureColor('cyan', [0, 255, 255], 13, 0.6), // BELLY_EXPOSED
  fixtureColor('orange', [255, 128, 0], 14, 0.95), // MALE_GENITALIA_EXPOSED
  fixtureColor('purple', [128, 0, 255], 11, 0.55), // ARMPITS_EXPOSED
  // 0.22 is above NudeNet's 0.2 keep threshold but below its 0.25 NMS score threshold,
  // so a correct post-processor must drop it.
  fixtureColor('teal', [0, 128, 128], 12, 0.22), // FACE_MALE
  fixtureColor('olive', [128, 128, 0], 6, 0.3), // ANUS_EXPOSED
]);

/**
 * A pixel belongs to an entry's mask when |pixel_c - rgb_c/255| < COLOR_TOLERANCE for all
 * three channels (0..1 units). Wide enough for lossy encodes of flat colour, narrow enough
 * that no two entries (nor a 0.5 grey background) overlap.
 */
export const COLOR_TOLERANCE = 0.12;

/**
 * @typedef {object} Shadow
 * @property {number} sizeFactor  w and h are multiplied by this (centre unchanged)
 * @property {number} shiftX  cx moves right by shiftX * w (size unchanged)
 * @property {number} scoreFactor  score = entry score * scoreFactor
 */

/**
 * The boxes each entry emits, in column order. Column 0 is the real box; the others are
 * near-duplicates (IoU 0.81 and 0.6 with the real box) that NMS at IoU 0.45 must suppress.
 * @type {readonly Shadow[]}
 */
export const SHADOWS = Object.freeze([
  Object.freeze({ sizeFactor: 1, shiftX: 0, scoreFactor: 1 }),
  Object.freeze({ sizeFactor: 0.9, shiftX: 0, scoreFactor: 0.9 }),
  Object.freeze({ sizeFactor: 1, shiftX: 0.25, scoreFactor: 0.8 }),
]);

/**
 * Number of anchor columns YOLOv8 emits at input size S (strides 8, 16, 32).
 * @param {number} size  square input side S, a multiple of 32
 * @returns {number}  2100 for 320, 8400 for 640
 */
export function anchorsFor(size) {
  if (!Number.isInteger(size) || size <= 0 || size % 32 !== 0) {
    throw new Error(`input size must be a positive multiple of 32, got ${size}`);
  }
  return [8, 16, 32].reduce((sum, stride) => sum + (size / stride) ** 2, 0);
}

/**
 * @typedef {object} FixtureBox
 * @property {number} cx
 * @property {number} cy
 * @property {number} w
 * @property {number} h
 * @property {number} classIndex
 * @property {number} score
 */

/**
 * The columns the fixture model emits for one entry whose mask spans the pixel-edge
 * rectangle [x0, x1) x [y0, y1). Useful to state expectations in tests.
 * @param {FixtureColor} entry
 * @param {{ x0: number, y0: number, x1: number, y1: number }} extent
 * @returns {FixtureBox[]}  one box per SHADOWS entry, in column order
 */
export function expectedFixtureBoxes(entry, { x0, y0, x1, y1 }) {
  const w = x1 - x0;
  const h = y1 - y0;
  return SHADOWS.map((shadow) => ({
    cx: (x0 + x1) / 2 + shadow.shiftX * w,
    cy: (y0 + y1) / 2,
    w: w * shadow.sizeFactor,
    h: h * shadow.sizeFactor,
    classIndex: entry.classIndex,
    score: entry.score * shadow.scoreFactor,
  }));
}
