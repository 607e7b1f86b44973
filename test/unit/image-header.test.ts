import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readHeader } from '../../src/image/header.js';
import { sniffMime } from '../../src/image/sniff.js';
import { FIXTURE_IMAGES, GIF_IMAGE, imagePath } from '../support/fixture-data.js';

describe('readHeader reads displayed dimensions without decoding', () => {
  it.each([...FIXTURE_IMAGES, GIF_IMAGE].map((i) => [i.name, i.width, i.height] as const))('%s is %i x %i', (name, width, height) => {
    const bytes = new Uint8Array(readFileSync(imagePath(name)));
    expect(readHeader(bytes, sniffMime(bytes))).toEqual({ width, height });
  });

  it('swaps width and height for an EXIF orientation of 6 (stored 640 x 480)', () => {
    const bytes = new Uint8Array(readFileSync(imagePath('exif-rotated-480x640.jpg')));
    expect(readHeader(bytes, 'image/jpeg')).toEqual({ width: 480, height: 640 });
  });

  it('gives null for truncated headers and unknown formats', () => {
    const bytes = new Uint8Array(readFileSync(imagePath('landscape-640x480.jpg')));
    expect(readHeader(bytes.subarray(0, 20), 'image/jpeg')).toBeNull();
    expect(readHeader(bytes.subarray(0, 10), 'image/png')).toBeNull();
    expect(readHeader(bytes, 'image/x-icon')).toBeNull();
  });

  it('reads VP8 (lossy) and VP8X WebP headers too', () => {
    const vp8 = new Uint8Array(30);
    vp8.set([...'RIFF'].map((c) => c.charCodeAt(0)), 0);
    vp8.set([...'WEBPVP8 '].map((c) => c.charCodeAt(0)), 8);
    vp8.set([0x80, 0x02, 0xe0, 0x01], 26); // 640 x 480
    expect(readHeader(vp8, 'image/webp')).toEqual({ width: 640, height: 480 });
    const vp8x = new Uint8Array(30);
    vp8x.set([...'RIFF'].map((c) => c.charCodeAt(0)), 0);
    vp8x.set([...'WEBPVP8X'].map((c) => c.charCodeAt(0)), 8);
    vp8x.set([0x9f, 0x0f, 0x00, 0xb7, 0x0b, 0x00], 24); // 4000 x 3000, stored minus one
    expect(readHeader(vp8x, 'image/webp')).toEqual({ width: 4000, height: 3000 });
  });
});
