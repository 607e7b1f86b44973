/**
 * Our preprocessing against NudeNet's own (OpenCV) on the fixture photos, given the
 * very pixels OpenCV decoded: the tensors must be identical, float for float.
 * Decoding itself (Chromium against OpenCV) is compared end to end in the browser tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toInputTensor } from '../../src/nudenet/letterbox.js';
// @ts-expect-error plain ES module without types
import { referenceDir, REFERENCE_MODELS } from '../fixtures/prepare.mjs';
// @ts-expect-error plain ES module without types
import { FIXTURE_IMAGES } from '../fixtures/images.mjs';

const images = (FIXTURE_IMAGES as { name: string; reference?: boolean }[]).filter((i) => i.reference !== false);
const cases = images.flatMap((image) =>
  (REFERENCE_MODELS as { size: number }[]).map((model) => ({ image: image.name, size: model.size })),
);

describe('toInputTensor equals NudeNet _read_image on OpenCV-decoded pixels', () => {
  it.each(cases)('$image at $size', ({ image, size }) => {
    const dir = referenceDir(image, size) as string;
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as {
      width: number;
      height: number;
      pad_left: number;
      pad_top: number;
      resize_factor: number;
    };
    const pixels = new Uint8Array(readFileSync(join(dir, 'pixels.rgb')));
    const expected = new Float32Array(readFileSync(join(dir, 'tensor.f32')).buffer.slice(0));

    const { tensor, box } = toInputTensor({ data: pixels, width: meta.width, height: meta.height, channels: 3 }, size);
    expect([box.padX, box.padY]).toEqual([meta.pad_left, meta.pad_top]);
    expect(box.resizeFactor).toBe(meta.resize_factor);
    let differing = 0;
    for (let i = 0; i < tensor.length; i++) if (tensor[i] !== expected[i]) differing++;
    expect(differing).toBe(0);
  });
});
