/**
 * Decoding a large photo reads only the rows the resize uses (rowsToRead). The
 * tensor made from those rows must equal, float for float, the tensor made from
 * every pixel; anything else would move Veil away from NudeNet.
 */
import { describe, expect, it } from 'vitest';
import { rowsToRead, toInputTensor } from '../../src/nudenet/letterbox.js';
import type { Pixels } from '../../src/image/pixels.js';
import { resizeLinear, sourceRows } from '../../src/nudenet/resize.js';

/** Deterministic noisy RGBA: every pixel differs, so a wrong row shows. */
function noise(width: number, height: number): Uint8ClampedArray {
  const data = new Uint8ClampedArray(width * height * 4);
  let state = 0x9e3779b9;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    data[i] = i % 4 === 3 ? 255 : state >>> 24;
  }
  return data;
}

/** What decoding returns when it reads only `rows`: those rows packed in order, and where each went. */
function packRows(full: Pixels, rows: Int32Array): Pixels {
  const stride = full.width * full.channels;
  const data = new Uint8ClampedArray(rows.length * stride);
  const index = new Int32Array(full.height).fill(-1);
  rows.forEach((y, k) => {
    data.set(full.data.subarray(y * stride, (y + 1) * stride), k * stride);
    index[y] = k;
  });
  return { data, width: full.width, height: full.height, channels: full.channels, rows: index };
}

describe('reading only the rows the resize needs', () => {
  it.each([
    [4000, 3000],
    [3000, 4000],
    [1920, 1080],
    [1280, 960],
    [2001, 1333],
    [1000, 7000],
  ])('%i x %i: same tensor as from every pixel', (width, height) => {
    const full: Pixels = { data: noise(width, height), width, height, channels: 4 };
    const rows = rowsToRead(width, height, 320);
    expect(rows, 'a large shrink reads a subset').not.toBeNull();
    expect(rows!.length).toBeLessThanOrEqual(height / 2);
    const expected = toInputTensor(full, 320).tensor.slice();
    const actual = toInputTensor(packRows(full, rows!), 320).tensor;
    let differing = 0;
    for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) differing++;
    expect(differing).toBe(0);
  });

  it('reads every row for a copy, an exact 2x shrink, or a mild shrink', () => {
    expect(rowsToRead(320, 240, 320)).toBeNull(); // copy
    expect(rowsToRead(640, 480, 320)).toBeNull(); // OpenCV's 2x box filter
    expect(rowsToRead(500, 500, 320)).toBeNull(); // 1.56x: most rows are read anyway
    expect(sourceRows(640, 480, 320, 240)).toBeNull();
  });

  it('lists each row once, in order, inside the image', () => {
    const rows = sourceRows(4000, 3000, 320, 240)!;
    expect(rows.length).toBeGreaterThan(240);
    expect(rows.length).toBeLessThanOrEqual(480);
    expect(rows.every((y, k) => y >= 0 && y < 3000 && (k === 0 || y > rows[k - 1]!))).toBe(true);
  });

  it('fails loudly on a row that was not read, and on partial pixels for a path that needs them all', () => {
    const full: Pixels = { data: noise(1200, 900), width: 1200, height: 900, channels: 4 };
    const sparse = packRows(full, Int32Array.from([0, 1]));
    expect(() => resizeLinear(sparse, 300, 225, new Uint8Array(300 * 225 * 3), 300)).toThrow(/row \d+ was not read/);
    const half = packRows({ ...full, width: 600, height: 450, data: full.data.subarray(0, 600 * 450 * 4) }, Int32Array.from([0]));
    expect(() => resizeLinear(half, 300, 225, new Uint8Array(300 * 225 * 3), 300)).toThrow(/bilinear/);
  });
});
