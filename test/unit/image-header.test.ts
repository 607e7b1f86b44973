import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readHeader } from '../../src/image/header.js';
import { checkImageBytes } from '../../src/image/input-info.js';
import { sniffMime } from '../../src/image/sniff.js';
import { DEFAULT_LIMITS } from '../../src/options.js';
import { readInput } from '../../src/worker/read-input.js';
import { FIXTURE_IMAGES, GIF_IMAGE, PLANE_IMAGES, ROOT, imagePath } from '../support/fixture-data.js';

// Byte builders for crafted files: each test states the bytes a decoder sees.
type Bytes = number[];
const ascii = (s: string): Bytes => [...s].map((c) => c.charCodeAt(0));
const u16 = (n: number): Bytes => [(n >>> 8) & 255, n & 255];
const u32 = (n: number): Bytes => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const le16 = (n: number): Bytes => [n & 255, (n >>> 8) & 255];
const le24 = (n: number): Bytes => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255];
const le32 = (n: number): Bytes => [...le16(n & 0xffff), ...le16(n >>> 16)];
const bytes = (...parts: Bytes[]) => new Uint8Array(parts.flat());

// JPEG: SOI, a JFIF APP0, an 8-bit three-component SOF0, then a scan.
const SOI = [0xff, 0xd8];
const APP0 = [0xff, 0xe0, 0, 16, ...ascii('JFIF'), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
const sof = (w: number, h: number) => [0xff, 0xc0, 0, 17, 8, ...u16(h), ...u16(w), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
const SCAN = [0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0, 0x12, 0x34, 0xff, 0xd9];

/**
 * A standalone marker (RSTn or TEM) has no length: libjpeg reads the next marker
 * right after it, skipping the two bytes before FF FE as garbage. Its COM segment
 * then runs 0xFFC0 bytes and hides a 1 x 1 SOF, which a parser that takes a
 * length after the standalone marker lands on.
 */
function standaloneThenFakeSof(marker: number) {
  const comment = [...sof(1, 1), ...new Array(0xffc0 - sof(1, 1).length).fill(0)];
  return bytes(SOI, [0xff, marker, 0, 4, 0xff, 0xfe], comment, sof(1500, 1000), SCAN);
}

// ISO-BMFF boxes for AVIF.
const box = (type: string, ...payload: Bytes[]): Bytes => [...u32(8 + payload.flat().length), ...ascii(type), ...payload.flat()];
const full = (version: number, flags = 0): Bytes => [version, 0, 0, flags];
const FTYP = box('ftyp', ascii('avif'), u32(0), ascii('mif1avif'));
const ispe = (w: number, h: number) => box('ispe', full(0), u32(w), u32(h));
const HDLR = box('hdlr', full(0), u32(0), ascii('pict'), u32(0), u32(0), u32(0), [0]);

// GIF: header with no global colour table, an image descriptor with a 2-colour local table.
const gifScreen = (w: number, h: number) => [...ascii('GIF89a'), ...le16(w), ...le16(h), 0, 0, 0];
const GCE = [0x21, 0xf9, 4, 0, 10, 0, 0, 0];
const gifFrame = (x: number, y: number, w: number, h: number) => [0x2c, ...le16(x), ...le16(y), ...le16(w), ...le16(h), 0x80, 0, 0, 0, 255, 255, 255, 2, 2, 0x4c, 0x01, 0];

// WebP: RIFF chunks, padded to even length.
const chunk = (type: string, payload: Bytes): Bytes => [...ascii(type), ...le32(payload.length), ...payload, ...(payload.length & 1 ? [0] : [])];
const riff = (...chunks: Bytes[]) => bytes(ascii('RIFF'), le32(4 + chunks.flat().length), ascii('WEBP'), ...chunks);
const vp8x = (w: number, h: number, flags = 0) => chunk('VP8X', [flags, 0, 0, 0, ...le24(w - 1), ...le24(h - 1)]);
const vp8l = (w: number, h: number) => chunk('VP8L', [0x2f, ...le32((w - 1) | ((h - 1) << 14)), 0, 0, 0]);

describe('readHeader reads displayed dimensions without decoding', () => {
  it.each([...FIXTURE_IMAGES, ...PLANE_IMAGES, GIF_IMAGE].map((i) => [i.name, i.width, i.height] as const))('%s is %i x %i', (name, width, height) => {
    const data = new Uint8Array(readFileSync(imagePath(name)));
    expect(readHeader(data, sniffMime(data))).toEqual({ width, height });
  });

  // Every hostile fixture has a size to check, so none is refused as unmeasurable.
  const hostile = join(ROOT, 'test/.cache/hostile');
  const sizes: Record<string, [number, number]> = {
    'animated.gif': [200, 150], 'animated.webp': [200, 150], 'cmyk.jpg': [400, 300], 'deep.png': [400, 300], 'bomb.png': [10000, 5000],
    ...Object.fromEntries(['stray-byte.jpg', 'rst-fake-sof.jpg', 'tem-fake-sof.jpg', 'big-first-frame.gif'].map((n) => [n, [1500, 1000]])),
  };
  it.each(existsSync(hostile) ? readdirSync(hostile) : [])('hostile/%s has the size it decodes to', (name) => {
    const data = new Uint8Array(readFileSync(join(hostile, name)));
    const header = readHeader(data, sniffMime(data));
    expect(header).not.toBeNull();
    const size = sizes[name];
    if (size) expect(header).toEqual({ width: size[0], height: size[1] });
  });

  it('swaps width and height for an EXIF orientation of 6 (stored 640 x 480)', () => {
    const data = new Uint8Array(readFileSync(imagePath('exif-rotated-480x640.jpg')));
    expect(readHeader(data, 'image/jpeg')).toEqual({ width: 480, height: 640 });
  });

  it('gives null for truncated headers and unknown formats', () => {
    const data = new Uint8Array(readFileSync(imagePath('landscape-640x480.jpg')));
    expect(readHeader(data.subarray(0, 20), 'image/jpeg')).toBeNull();
    expect(readHeader(data.subarray(0, 10), 'image/png')).toBeNull();
    expect(readHeader(data, 'image/x-icon')).toBeNull();
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

describe('readHeader reads the size the browser decodes, not a decoy', () => {
  it('JPEG: skips a stray byte and FF 00 between markers, as libjpeg does', () => {
    expect(readHeader(bytes(SOI, APP0, [0x00], sof(1500, 1000), SCAN), 'image/jpeg')).toEqual({ width: 1500, height: 1000 });
    expect(readHeader(bytes(SOI, APP0, [0xff, 0x00, 0x7f], sof(1500, 1000), SCAN), 'image/jpeg')).toEqual({ width: 1500, height: 1000 });
  });

  it.each([['RST0', 0xd0], ['RST7', 0xd7], ['TEM', 0x01]])('JPEG: %s has no length, so a SOF hidden in a comment after it is no size', (_name, marker) => {
    expect(readHeader(standaloneThenFakeSof(marker), 'image/jpeg')).toEqual({ width: 1500, height: 1000 });
  });

  it('JPEG: the first SOF counts, and none before the scan is no size', () => {
    expect(readHeader(bytes(SOI, sof(1500, 1000), sof(1, 1), SCAN), 'image/jpeg')).toEqual({ width: 1500, height: 1000 });
    expect(readHeader(bytes(SOI, APP0, SCAN, sof(1, 1)), 'image/jpeg')).toBeNull();
  });

  it("AVIF: the primary item's ispe, not a decoy ispe of another item before it", () => {
    const ipco = box('ipco', ispe(1, 1), ispe(8000, 6000));
    // item 2 (a thumbnail) -> property 1; item 1 (primary) -> property 2
    const ipma = box('ipma', full(0), u32(2), u16(2), [1, 0x81], u16(1), [1, 0x82]);
    const avif = bytes(FTYP, box('meta', full(0), HDLR, box('pitm', full(0), u16(1)), box('iprp', ipco, ipma)));
    expect(readHeader(avif, 'image/avif')).toEqual({ width: 8000, height: 6000 });
    // 32-bit item IDs and 15-bit property indices
    const wide = box('ipma', full(1, 1), u32(2), u32(7), [1, 0x80, 1], u32(9), [1, 0x80, 2]);
    const avif32 = bytes(FTYP, box('meta', full(0), HDLR, box('pitm', full(1), u32(9)), box('iprp', ipco, wide)));
    expect(readHeader(avif32, 'image/avif')).toEqual({ width: 8000, height: 6000 });
  });

  it("AVIF: an image sequence's track size; no primary item and no track is no size", () => {
    const tkhd = box('tkhd', full(0), new Array(72).fill(0), u32(640 << 16), u32(480 << 16));
    const avis = bytes(box('ftyp', ascii('avis'), u32(0), ascii('avis')), box('moov', box('trak', tkhd)));
    expect(readHeader(avis, 'image/avif')).toEqual({ width: 640, height: 480 });
    const orphan = bytes(FTYP, box('meta', full(0), HDLR, box('iprp', box('ipco', ispe(64, 64)))));
    expect(readHeader(orphan, 'image/avif')).toBeNull();
  });

  it('GIF: the largest frame, where a frame reaches past the logical screen', () => {
    const gif = (...blocks: Bytes[]) => bytes(gifScreen(16, 16), ...blocks, [0x3b]);
    expect(readHeader(gif(GCE, gifFrame(0, 0, 1500, 1000)), 'image/gif')).toEqual({ width: 1500, height: 1000 });
    expect(readHeader(gif(gifFrame(0, 0, 16, 16), GCE, gifFrame(100, 50, 1500, 1000)), 'image/gif')).toEqual({ width: 1600, height: 1050 });
    expect(readHeader(gif(gifFrame(2, 2, 8, 8)), 'image/gif')).toEqual({ width: 16, height: 16 });
    expect(readHeader(bytes(gifScreen(16, 16), GCE), 'image/gif')).toBeNull(); // no frame
  });

  it('WebP: a VP8X canvas, or a frame reaching past it', () => {
    const anmf = chunk('ANMF', [...le24(0), ...le24(0), ...le24(299), ...le24(199), ...le24(100), 0, ...vp8l(300, 200)]);
    expect(readHeader(riff(vp8x(100, 100, 0x02), chunk('ANIM', new Array(6).fill(0)), anmf), 'image/webp')).toEqual({ width: 300, height: 200 });
    expect(readHeader(riff(vp8x(100, 100), vp8l(1500, 1000)), 'image/webp')).toEqual({ width: 1500, height: 1000 });
    expect(readHeader(riff(vp8l(1500, 1000)), 'image/webp')).toEqual({ width: 1500, height: 1000 });
  });

  it('PNG needs IHDR first; BMP core headers are 16-bit; an empty size is no size', () => {
    const png = (type: string, w: number, h: number) => bytes([0x89], ascii('PNG\r\n\x1a\n'), u32(13), ascii(type), u32(w), u32(h), [8, 2, 0, 0, 0]);
    expect(readHeader(png('IHDR', 300, 200), 'image/png')).toEqual({ width: 300, height: 200 });
    expect(readHeader(png('iCCP', 300, 200), 'image/png')).toBeNull();
    expect(readHeader(png('IHDR', 0, 200), 'image/png')).toBeNull();
    const core = bytes(ascii('BM'), le32(0), le32(0), le32(26), le32(12), le16(300), le16(200), le16(1), le16(24));
    expect(readHeader(core, 'image/bmp')).toEqual({ width: 300, height: 200 });
  });
});

describe('checkImageBytes refuses what it cannot measure', () => {
  const from = { type: 'bytes' as const, source: 'bytes', declared: null };

  it('a supported format whose header gives no size: 4003, with a sentence', async () => {
    await expect(checkImageBytes(bytes(SOI, APP0, SCAN), from, DEFAULT_LIMITS)).rejects.toMatchObject({
      code: '4003',
      message: 'This image/jpeg image could not be decoded: its header gives no size, so the file is truncated or corrupt.',
    });
  });

  it('a standalone marker pointing at a fake 1 x 1 SOF: 4004 for the real size', async () => {
    await expect(checkImageBytes(standaloneThenFakeSof(0xd0), from, { ...DEFAULT_LIMITS, maxPixels: 1_000_000 })).rejects.toMatchObject({
      code: '4004',
      message: 'The image is 1500 x 1000 (1.5 megapixels), over the 1.0 megapixels limit (limits.maxPixels): send a smaller image.',
    });
  });
});

/**
 * The worker's decoding paths with WebCodecs and canvas stand-ins that decode to
 * 200 x 100 whatever the (honest, 50 x 50) header says: each path must check the
 * size it decoded, so a header that lies is caught before pixels are read out.
 */
describe('readInput checks the decoded size on every path', () => {
  const limits = { ...DEFAULT_LIMITS, maxPixels: 10_000 };
  const size = [200, 100] as const;
  const [w, h] = size;
  class Frame {
    codedWidth = w;
    codedHeight = h;
    displayWidth = w;
    displayHeight = h;
    visibleRect = { x: 0, y: 0, width: w, height: h };
    format = 'I420';
    colorSpace = { matrix: 'smpte170m', fullRange: true };
    get rotation() {
      return 0;
    }
    allocationSize = () => (w * h * 3) / 2;
    copyTo = async () => [{ offset: 0, stride: w }, { offset: w * h, stride: w / 2 }, { offset: (w * h * 5) / 4, stride: w / 2 }];
    close() {}
  }
  const stub = (frames: number) => {
    vi.stubGlobal('VideoFrame', Frame);
    vi.stubGlobal('ImageBitmap', class {});
    vi.stubGlobal('ImageDecoder', class {
      tracks = { ready: Promise.resolve(), selectedTrack: { animated: frames > 1, frameCount: frames } };
      completed = Promise.resolve();
      decode = async () => ({ image: new Frame(), complete: true });
      close() {}
    });
    vi.stubGlobal('createImageBitmap', async () => ({ width: w, height: h, close() {} }));
    vi.stubGlobal('OffscreenCanvas', class {
      constructor(public width: number, public height: number) {}
      getContext = () => ({ drawImage() {}, clearRect() {}, getImageData: (_x: number, _y: number, cw: number, ch: number) => ({ data: new Uint8ClampedArray(cw * ch * 4) }) });
    });
  };
  afterEach(() => vi.unstubAllGlobals());
  const firstFrame = async (data: Uint8Array) =>
    (await readInput({ kind: 'bytes', type: 'bytes', source: 'bytes', bytes: data }, limits)).frames().next();
  const refusal = { code: '4004', message: expect.stringContaining('The image is 200 x 100') };

  it('the ImageDecoder still path (JPEG)', async () => {
    stub(1);
    await expect(firstFrame(bytes(SOI, APP0, sof(50, 50), SCAN))).rejects.toMatchObject(refusal);
  });

  it('each frame of an animation (GIF)', async () => {
    stub(2);
    await expect(firstFrame(bytes(gifScreen(50, 50), gifFrame(0, 0, 50, 50), GCE, gifFrame(0, 0, 50, 50), [0x3b]))).rejects.toMatchObject(refusal);
  });

  it('the createImageBitmap path (AVIF)', async () => {
    stub(1);
    const ipma = box('ipma', full(0), u32(1), u16(1), [1, 0x81]);
    const avif = bytes(FTYP, box('meta', full(0), HDLR, box('pitm', full(0), u16(1)), box('iprp', box('ipco', ispe(50, 50)), ipma)));
    await expect(firstFrame(avif)).rejects.toMatchObject(refusal);
  });
});
