import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64, decodeImageText, isImageText } from '../../src/image/base64.js';
import { sha256Fallback, sha256Hex } from '../../src/image/sha256.js';
import { isSupportedMime, sniffMime } from '../../src/image/sniff.js';

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe('sniffMime', () => {
  it.each([
    ['image/jpeg', bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF')],
    ['image/png', bytes([0x89], 'PNG\r\n\x1a\n', [0, 0, 0, 13])],
    ['image/gif', bytes('GIF89a', [1, 0, 1, 0])],
    ['image/gif', bytes('GIF87a', [1, 0, 1, 0])],
    ['image/webp', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ')],
    ['image/bmp', bytes('BM', new Array(30).fill(0))],
    ['image/avif', bytes([0, 0, 0, 28], 'ftypavif', [0, 0, 0, 0])],
    ['image/heic', bytes([0, 0, 0, 24], 'ftypheic', [0, 0, 0, 0])],
    ['image/tiff', bytes('II*\0')],
    ['image/svg+xml', bytes('  <?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')],
    [null, bytes('<!doctype html><html>')],
    [null, bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt ')],
    [null, new Uint8Array()],
  ])('%s', (mime, data) => {
    expect(sniffMime(data)).toBe(mime);
  });

  it('supports exactly JPEG, PNG, GIF, WebP, BMP and AVIF', () => {
    expect(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/bmp', 'image/avif'].every(isSupportedMime)).toBe(true);
    expect(['image/heic', 'image/svg+xml', 'image/tiff', null].some(isSupportedMime)).toBe(false);
  });
});

describe('base64 and data URIs', () => {
  const png = bytes([0x89], 'PNG\r\n\x1a\n', [0, 0, 0, 13, 73, 72, 68, 82]);
  const b64 = Buffer.from(png).toString('base64');

  it('decodes standard, URL-safe and wrapped base64', () => {
    expect(decodeBase64(b64)).toEqual(png);
    expect(decodeBase64(b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))).toEqual(png);
    expect(decodeBase64(`${b64.slice(0, 8)}\n  ${b64.slice(8)}`)).toEqual(png);
  });

  it('refuses text that is not base64 with code 4000', () => {
    expect(() => decodeBase64('not base64 at all!')).toThrow(expect.objectContaining({ code: '4000' }));
    expect(() => decodeBase64('abcde')).toThrow(expect.objectContaining({ code: '4000' }));
  });

  it('reads a data URI and keeps its declared type for checking', () => {
    expect(decodeImageText(`data:image/jpeg;base64,${b64}`)).toEqual({ bytes: png, declaredMime: 'image/jpeg' });
    const svg = decodeImageText('data:image/svg+xml,%3Csvg%2F%3E');
    expect(new TextDecoder().decode(svg.bytes)).toBe('<svg/>');
  });

  it('tells image data from URLs', () => {
    expect(isImageText(b64)).toBe(true);
    expect(isImageText(`data:image/png;base64,${b64}`)).toBe(true);
    // a JPEG's base64 starts with "/9j/", like an absolute path
    expect(isImageText(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]).toString('base64'))).toBe(true);
    expect(isImageText('/9j/cat.jpg')).toBe(false);
    expect(isImageText('/images/photo')).toBe(false);
    expect(isImageText('https://example.com/a.png')).toBe(false);
    expect(isImageText('photo.jpg')).toBe(false);
  });
});

describe('sha256', () => {
  it.each([0, 1, 55, 56, 63, 64, 65, 1000, 100_000])('fallback equals node:crypto for %i bytes', (n) => {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255);
    const expected = createHash('sha256').update(data).digest('hex');
    expect(Buffer.from(sha256Fallback(data)).toString('hex')).toBe(expected);
  });

  it('hex digest of "abc"', async () => {
    expect(await sha256Hex(bytes('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
