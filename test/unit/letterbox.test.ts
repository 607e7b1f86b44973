import { describe, expect, it } from 'vitest';
import { letterbox, toInputTensor } from '../../src/nudenet/letterbox.js';

describe('letterbox (NudeNet _read_image geometry)', () => {
  it.each([
    // width, height -> resized w, h, padX, padY, factor
    [640, 480, 320, 240, 0, 40, 2],
    [480, 640, 240, 320, 40, 0, 2],
    [500, 500, 320, 320, 0, 0, 500 / 320],
    [1920, 1080, 320, 180, 0, 70, 6],
  ])('%i x %i -> %i x %i, pads %i/%i', (w, h, rw, rh, px, py, factor) => {
    const box = letterbox(w, h, 320);
    expect([box.width, box.height, box.padX, box.padY]).toEqual([rw, rh, px, py]);
    expect(box.resizeFactor).toBeCloseTo(factor, 12);
  });

  it('rounds a half-way short side to even: 201 x 640 gives 100.5 -> 100, 203 x 640 gives 101.5 -> 102', () => {
    expect(letterbox(201, 640, 320).width).toBe(100);
    expect(letterbox(203, 640, 320).width).toBe(102);
  });

  it('splits an odd pad evenly, leaving the image one pixel short of S', () => {
    // 333 x 500: 213 wide, pad 107 -> 53 each side, 319 px in all
    const box = letterbox(333, 500, 320);
    expect([box.width, box.padX, box.width + 2 * box.padX]).toEqual([213, 53, 319]);
    // 641 x 427: 213 high, pad 107 -> 53
    expect(letterbox(641, 427, 320).padY).toBe(53);
  });

  it('uses one factor for both axes: sqrt of the diagonal ratio', () => {
    const box = letterbox(333, 500, 320);
    expect(box.resizeFactor).toBeCloseTo(Math.sqrt((333 ** 2 + 500 ** 2) / (213 ** 2 + 320 ** 2)), 14);
  });

  it('reads the input side from its argument: 640 works unchanged', () => {
    expect(letterbox(640, 480, 640)).toMatchObject({ width: 640, height: 480, padX: 0, padY: 80, resizeFactor: 1 });
  });

  it('never makes a zero side for extreme strips', () => {
    expect(letterbox(1, 2000, 320).width).toBe(1);
  });
});

describe('toInputTensor', () => {
  it('puts RGB planes scaled to [0, 1] inside black padding', () => {
    // A 4 x 2 image, all (255, 128, 0), at S = 32: 32 x 16, 8 px black above and below.
    const data = new Uint8Array(4 * 2 * 4);
    for (let i = 0; i < 8; i++) data.set([255, 128, 0, 255], i * 4);
    const { tensor, box } = toInputTensor({ data, width: 4, height: 2, channels: 4 }, 32);
    expect(box).toMatchObject({ width: 32, height: 16, padX: 0, padY: 8 });
    const plane = 32 * 32;
    const at = (c: number, x: number, y: number) => tensor[c * plane + y * 32 + x];
    expect([at(0, 5, 3), at(1, 5, 3), at(2, 5, 3)]).toEqual([0, 0, 0]); // padding
    expect([at(0, 5, 12), at(1, 5, 12), at(2, 5, 12)]).toEqual([1, Math.fround(128 / 255), 0]);
  });

  it('fills a caller-supplied buffer instead of allocating', () => {
    const out = new Float32Array(3 * 32 * 32);
    const { tensor } = toInputTensor({ data: new Uint8Array(16 * 4).fill(255), width: 4, height: 4, channels: 4 }, 32, out);
    expect(tensor).toBe(out);
  });
});
