/**
 * The gateway's decoding on its own: sharp against OpenCV on the fixture photos
 * (Chromium gives OpenCV's pixels, see docs/nudenet.md), the BMP reader on every
 * variant it claims, and the canvas alpha round trip the browser applies.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBmp } from '../../../src/node/bmp.js';
import { browserAlpha, decodeImage } from '../../../src/node/decode.js';
import { isSupportedMime, sniffMime } from '../../../src/image/sniff.js';
import { BMP_VARIANTS, paletteOf, testPattern, writeBmp } from '../../support/bmp-writer.js';
import { FIXTURE_IMAGES, imagePath } from '../../support/fixture-data.js';
import { imageBytes } from '../../support/gateway.js';
import { pythonWithOpenCv } from '../../support/python.js';

describe('sharp and the BMP reader against OpenCV', () => {
  it('decodes every fixture photo OpenCV reads to exactly its pixels', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veil-decode-'));
    try {
      const rows = [];
      for (const image of FIXTURE_IMAGES.filter((i) => i.reference !== false)) {
        const bytes = new Uint8Array(imageBytes(image.name));
        const mime = sniffMime(bytes);
        if (!isSupportedMime(mime)) throw new Error(`${image.name}: ${mime}`);
        const decoded = await decodeImage(bytes, mime);
        writeFileSync(join(dir, `${image.name}.rgba`), decoded.data);
        rows.push([imagePath(image.name), join(dir, `${image.name}.rgba`), decoded.width, decoded.height]);
      }
      const script = `
import cv2, numpy as np, sys, json
out = []
for path, raw, w, h in json.loads(sys.argv[1]):
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    px = np.fromfile(raw, np.uint8).reshape(int(h), int(w), 4)[:, :, :3]
    same_shape = bgr.shape[:2] == (int(h), int(w))
    diff = int(np.abs(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(int) - px.astype(int)).max()) if same_shape else -1
    out.append(diff)
print(json.dumps(out))`;
      const diffs = JSON.parse(execFileSync(pythonWithOpenCv(), ['-c', script, JSON.stringify(rows)], { encoding: 'utf8' }));
      expect(Object.fromEntries(rows.map((r, i) => [r[0], diffs[i]]))).toEqual(Object.fromEntries(rows.map((r) => [r[0], 0])));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('BMP variants', () => {
  const width = 13;
  const height = 7;
  const pattern = testPattern(width, height);

  it.each(BMP_VARIANTS)('reads %s', (variant) => {
    const decoded = decodeBmp(writeBmp(variant, width, height, pattern), 1e6);
    expect([decoded.width, decoded.height]).toEqual([width, height]);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        const got = [...decoded.data.subarray(i, i + 4)];
        let want = [...pattern.subarray(i, i + 3), 255];
        if (variant.startsWith('pal')) want = [...paletteOf(Number(variant.slice(3)))[(x + y) % (1 << Number(variant.slice(3)))]!, 255];
        if (variant === 'rgb565') {
          const [r, g, b] = pattern.subarray(i, i + 3);
          want = [Math.round(((r! >> 3) * 255) / 31), Math.round(((g! >> 2) * 255) / 63), Math.round(((b! >> 3) * 255) / 31), 255];
        }
        if (variant === 'argb32-bitfields') want[3] = pattern[i + 3]!;
        expect(got, `${variant} at ${x},${y}`).toEqual(want);
      }
    }
  });

  it('refuses RLE with 4002, truncation with 4003 and too many pixels with 4004', () => {
    const bmp = writeBmp('pal8', width, height, pattern);
    const rle = bmp.slice();
    new DataView(rle.buffer).setUint32(30, 1, true);
    expect(() => decodeBmp(rle, 1e6)).toThrow(expect.objectContaining({ code: '4002' }));
    expect(() => decodeBmp(bmp.subarray(0, bmp.length - 10), 1e6)).toThrow(expect.objectContaining({ code: '4003' }));
    expect(() => decodeBmp(bmp, 50)).toThrow(expect.objectContaining({ code: '4004' }));
  });
});

describe('browserAlpha', () => {
  it('turns fully transparent pixels black, keeps opaque ones, and round-trips partial alpha like a canvas', () => {
    const data = new Uint8Array([200, 100, 50, 0, 200, 100, 50, 255, 5, 212, 255, 6, 0, 0, 0, 128]);
    browserAlpha(data);
    // (5, a=6): premultiplied round(5*6/255) = 0 -> 0; 212 at a=6 -> premultiplied 5 -> 212.5, half to even: 212.
    expect([...data]).toEqual([0, 0, 0, 0, 200, 100, 50, 255, 0, 212, 255, 6, 0, 0, 0, 128]);
  });

  it('is applied by decodeImage: the alpha fixture reads black where fully transparent', async () => {
    const decoded = await decodeImage(new Uint8Array(imageBytes('alpha-400x300.png')), 'image/png');
    const at = (x: number, y: number) => [...decoded.data.subarray((y * 400 + x) * 4, (y * 400 + x) * 4 + 4)];
    expect(at(300, 150)).toEqual([0, 0, 0, 0]); // the hidden green patch
    expect(at(100, 100)[3]).toBe(255);
  });
});
