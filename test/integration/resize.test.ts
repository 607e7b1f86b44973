import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { roundHalfEven } from '../../src/image/pixels.js';
import { resizeLinear } from '../../src/nudenet/resize.js';
import { runReference } from '../support/python.js';

describe('roundHalfEven', () => {
  it('rounds halves to the even neighbour, like Python and OpenCV', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 100.5, 213.5].map(roundHalfEven)).toEqual([0, 2, 2, 0, -2, -2, 100, 214]);
    expect([0.49999, 0.50001, 2.4, 2.6, -2.6].map(roundHalfEven)).toEqual([0, 1, 2, 3, -3]);
  });
});

describe('resizeLinear equals cv2.resize(INTER_LINEAR) bit for bit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veil-resize-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  runReference('resize-cases', dir);
  const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as {
    id: number;
    src: [number, number];
    dst: [number, number];
  }[];

  it.each(cases)('case $id: $src -> $dst', ({ id, src, dst }) => {
    const data = new Uint8Array(readFileSync(join(dir, `${id}.src.rgb`)));
    const expected = new Uint8Array(readFileSync(join(dir, `${id}.dst.rgb`)));
    const out = new Uint8Array(dst[0] * dst[1] * 3);
    resizeLinear({ data, width: src[0], height: src[1], channels: 3 }, dst[0], dst[1], out, dst[0]);
    let mismatches = 0;
    for (let i = 0; i < out.length; i++) if (out[i] !== expected[i]) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('reads RGBA sources the same as RGB, ignoring alpha', () => {
    const rgb = new Uint8Array(readFileSync(join(dir, '2.src.rgb')));
    const [w, h] = [333, 500];
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) rgba.set([rgb[i]!, rgb[i + 1]!, rgb[i + 2]!, 17], j);
    const a = new Uint8Array(213 * 320 * 3);
    const b = new Uint8Array(213 * 320 * 3);
    resizeLinear({ data: rgb, width: w, height: h, channels: 3 }, 213, 320, a, 213);
    resizeLinear({ data: rgba, width: w, height: h, channels: 4 }, 213, 320, b, 213);
    expect(b).toEqual(a);
  });
});
