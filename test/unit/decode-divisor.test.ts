/**
 * The memory ceiling's rule (image/input-info.ts `decodeDivisor`): within
 * limits.maxDecodePixels an image is decoded whole; a JPEG over it at the largest
 * of 1/2, 1/4, 1/8 that fits; any other format over it refused 4004 saying which
 * limit, by how much, before anything is decoded.
 */
import { describe, expect, it } from 'vitest';
import { decodeDivisor } from '../../src/image/input-info.js';
import { DEFAULT_LIMITS } from '../../src/options.js';

const limits = { maxDecodePixels: DEFAULT_LIMITS.maxDecodePixels };

describe('decodeDivisor', () => {
  it('decodes everything within 40 megapixels whole, as before', () => {
    expect(DEFAULT_LIMITS.maxDecodePixels).toBe(40_000_000);
    for (const mime of ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif', 'image/bmp']) {
      expect(decodeDivisor(mime, 8000, 5000, limits)).toBe(1);
      expect(decodeDivisor(mime, 4032, 3024, limits)).toBe(1);
    }
  });

  it('decodes the phone sizes over it at 1/2 (48, 50 and 108 MP) and 1/4 (200 MP)', () => {
    expect(decodeDivisor('image/jpeg', 8064, 6048, limits)).toBe(2);
    expect(decodeDivisor('image/jpeg', 6048, 8064, limits)).toBe(2);
    expect(decodeDivisor('image/jpeg', 8160, 6144, limits)).toBe(2);
    expect(decodeDivisor('image/jpeg', 12000, 9000, limits)).toBe(2);
    expect(decodeDivisor('image/jpeg', 16320, 12240, limits)).toBe(4);
    // Rounded up as libjpeg rounds the scaled size: 12649 x 12649 at 1/2 is 6325 x 6325 (40.006 MP), over.
    expect(decodeDivisor('image/jpeg', 12648, 12648, limits)).toBe(2);
    expect(decodeDivisor('image/jpeg', 12649, 12649, limits)).toBe(4);
    expect(decodeDivisor('image/jpeg', 50_000, 50_000, limits)).toBe(8);
    expect(() => decodeDivisor('image/jpeg', 60_000, 60_000, limits)).toThrow(/limits\.maxDecodePixels/);
  });

  it('refuses any other format over it, saying the memory it would take', () => {
    for (const [mime, name] of [['image/png', 'PNG'], ['image/webp', 'WEBP'], ['image/avif', 'AVIF'], ['image/gif', 'GIF'], ['image/bmp', 'BMP']]) {
      let error: any;
      try {
        decodeDivisor(mime!, 8064, 6048, limits);
      } catch (e) {
        error = e;
      }
      expect(error?.code).toBe('4004');
      expect(error.message).toBe(
        `The image is 8064 x 6048 (48.8 megapixels): decoding a ${name} that large takes 195 MB, over the 40.0 megapixels decoded at once (limits.maxDecodePixels); only a JPEG is decoded at a reduced scale, so send it as a JPEG or smaller.`,
      );
      expect(error.limit).toEqual({ limit: 'maxDecodePixels', value: 8064 * 6048, max: 40_000_000, mime });
    }
  });
});
