import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anchorCount, NUDENET_CLASSES, OUTPUT_ROWS } from '../../src/nudenet/classes.js';
import { decodeDetections, nmsBoxes } from '../../src/nudenet/detections.js';
import { letterbox } from '../../src/nudenet/letterbox.js';
import { runReference } from '../support/python.js';

/** An output0 of `anchors` columns, all zero but the given ones. */
function output(anchors: number, columns: { at: number; box: [number, number, number, number]; cls: number; score: number }[]) {
  const data = new Float32Array(OUTPUT_ROWS * anchors);
  for (const { at, box, cls, score } of columns) {
    box.forEach((v, row) => (data[row * anchors + at] = v));
    data[(4 + cls) * anchors + at] = score;
  }
  return data;
}

describe('decodeDetections (NudeNet _postprocess)', () => {
  // 640 x 480 at S = 320: resized to 320 x 240, 40 px of padding above and below, factor 2.
  const box = letterbox(640, 480, 320);

  it('maps boxes from the letterboxed input back to source pixels', () => {
    const out = output(21, [{ at: 3, box: [100, 140, 50, 60], cls: 3, score: 0.9 }]);
    // left = (100 - 25 - 0) * 2 = 150, top = (140 - 30 - 40) * 2 = 140, 100 x 120
    expect(decodeDetections(out, box)).toEqual([{ class: 'FEMALE_BREAST_EXPOSED', score: Math.fround(0.9), box: [150, 140, 100, 120] }]);
  });

  it('rounds half-way coordinates to even, like Python round()', () => {
    const out = output(21, [
      { at: 0, box: [100.25, 140, 50, 60], cls: 1, score: 0.8 }, // left (100.25 - 25) * 2 = 150.5 -> 150
      { at: 1, box: [300.75, 140, 50, 60], cls: 1, score: 0.7 }, // left (300.75 - 25) * 2 = 551.5 -> 552
      { at: 2, box: [500, 140, 50.25, 60.75], cls: 1, score: 0.6 }, // w 100.5 -> 100, h 121.5 -> 122
    ]);
    const [a, b, c] = decodeDetections(out, box);
    expect(a!.box[0]).toBe(150);
    expect(b!.box[0]).toBe(552);
    expect(c!.box.slice(2)).toEqual([100, 122]);
  });

  it('keeps scores from 0.2 for the candidates but only above 0.25 through NMS', () => {
    const out = output(21, [
      { at: 0, box: [50, 100, 20, 20], cls: 12, score: 0.22 },
      { at: 1, box: [150, 100, 20, 20], cls: 6, score: 0.25 },
      { at: 2, box: [250, 100, 20, 20], cls: 6, score: 0.2501 },
      { at: 3, box: [100, 200, 20, 20], cls: 4, score: 0.19 },
    ]);
    expect(decodeDetections(out, box).map((d) => d.score)).toEqual([Math.fround(0.2501)]);
  });

  it('suppresses across classes: an overlapping box of another class goes', () => {
    const out = output(21, [
      { at: 0, box: [100, 140, 60, 60], cls: 16, score: 0.7 }, // FEMALE_BREAST_COVERED
      { at: 5, box: [104, 142, 60, 60], cls: 3, score: 0.9 }, // FEMALE_BREAST_EXPOSED, IoU about 0.83
      { at: 9, box: [250, 140, 60, 60], cls: 1, score: 0.5 }, // elsewhere: kept
    ]);
    expect(decodeDetections(out, box).map((d) => d.class)).toEqual(['FEMALE_BREAST_EXPOSED', 'FACE_FEMALE']);
  });

  it('takes the first class when two tie for the best score, like np.argmax', () => {
    const out = output(21, [{ at: 0, box: [100, 140, 60, 60], cls: 2, score: 0.6 }]);
    out[(4 + 9) * 21] = 0.6;
    expect(decodeDetections(out, box)[0]!.class).toBe(NUDENET_CLASSES[2]);
  });

  it('does not clip boxes to the image', () => {
    const out = output(21, [{ at: 0, box: [5, 45, 30, 30], cls: 7, score: 0.9 }]);
    expect(decodeDetections(out, box)[0]!.box).toEqual([-20, -20, 60, 60]);
  });
});

describe('nmsBoxes (cv2.dnn.NMSBoxes semantics)', () => {
  const b = (box: [number, number, number, number], score: number) => ({ box, score });

  it('keeps a box whose IoU is exactly the threshold, drops one just above', () => {
    // 29 x 1 boxes 11 px apart: IoU 18 / 40 = 0.45 exactly; 10 px apart: 19 / 39 > 0.45
    expect(nmsBoxes([b([0, 0, 29, 1], 0.9), b([11, 0, 29, 1], 0.8)])).toHaveLength(2);
    expect(nmsBoxes([b([0, 0, 29, 1], 0.9), b([10, 0, 29, 1], 0.8)])).toHaveLength(1);
  });

  it('visits equal scores in input order', () => {
    const items = [b([0, 0, 10, 10], 0.5), b([100, 0, 10, 10], 0.9), b([200, 0, 10, 10], 0.5)];
    expect(nmsBoxes(items)).toEqual([items[1], items[0], items[2]]);
  });

  it('compares a box with kept boxes only, not with suppressed ones', () => {
    // A suppresses B (IoU 0.54); C overlaps B (0.54) but hardly A (0.25), so C stays.
    const A = b([0, 0, 10, 10], 0.9);
    const B = b([3, 0, 10, 10], 0.8);
    const C = b([6, 0, 10, 10], 0.7);
    expect(nmsBoxes([A, B, C])).toEqual([A, C]);
  });
});

describe('decodeDetections equals NudeNet with cv2.dnn.NMSBoxes on random outputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veil-post-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Deterministic pseudo-random outputs with clusters of overlapping candidates.
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const cases = [
    { size: 320, width: 640, height: 480 },
    { size: 320, width: 333, height: 500 },
    { size: 320, width: 201, height: 640 },
    { size: 640, width: 1920, height: 1080 },
    { size: 320, width: 500, height: 500 },
  ];

  it.each(cases)('$width x $height at $size', ({ size, width, height }) => {
    const anchors = anchorCount(size);
    const data = new Float32Array(OUTPUT_ROWS * anchors);
    for (let cluster = 0; cluster < 12; cluster++) {
      const cx = random() * size;
      const cy = random() * size;
      for (let k = 0; k < 20; k++) {
        const at = Math.floor(random() * anchors);
        data[at] = cx + (random() - 0.5) * 30;
        data[anchors + at] = cy + (random() - 0.5) * 30;
        data[2 * anchors + at] = 10 + random() * 80;
        data[3 * anchors + at] = 10 + random() * 80;
        const cls = Math.floor(random() * 18);
        data[(4 + cls) * anchors + at] = 0.15 + random() * 0.8;
        // Some exact ties, which NMS must order like OpenCV's stable sort.
        if (k % 7 === 0) data[(4 + cls) * anchors + at] = 0.5;
      }
    }
    const caseDir = join(dir, `${width}x${height}-${size}`);
    const box = letterbox(width, height, size);
    // The reference reads its geometry from meta.json, as its prepare step would write it.
    mkdirSync(caseDir);
    writeFileSync(
      join(caseDir, 'meta.json'),
      JSON.stringify({ size, width, height, resize_factor: box.resizeFactor, pad_left: box.padX, pad_top: box.padY }),
    );
    writeFileSync(join(caseDir, 'output.f32'), data);
    runReference('post', caseDir);
    const expected = JSON.parse(readFileSync(join(caseDir, 'detections.json'), 'utf8')) as unknown[];
    const actual = decodeDetections(data, box);
    expect(actual.length).toBeGreaterThan(5);
    expect(actual).toEqual(expected);
  });
});
