/**
 * Files crafted to slip an image past limits.maxPixels: a header that tells a
 * naive parser a small size while Chromium decodes a large one. Each must be
 * refused with its code and sentence under a 1-megapixel limit, read normally
 * under the default limits (so the check reads what the decoder reads, refusing
 * nothing real), and the detector must serve the next call.
 */
import type { Page } from '@playwright/test';
import { expect, test } from '../test/browser/fixtures.js';
import { modelUrl } from '../test/support/fixture-data.js';
import { recordGroup } from './record.js';

interface Case {
  name: string;
  /** Page-side code returning the promise to settle; `d` is the detector, `data` the crafted bytes below. */
  run: string;
  /** A decision, or an error code (whose message must be its sentence). */
  want: string;
  options?: object;
}

const H = '/test/.cache/hostile/';
/** The crafted files decode to 1500 x 1000 (test/fixtures/make_crafted.py). */
const SMALL = { limits: { maxPixels: 1_000_000 } };
const FILES = [
  ['a standalone RST0 then a fake 1 x 1 SOF hidden in a comment', 'rst-fake-sof.jpg'],
  ['a standalone TEM then a fake 1 x 1 SOF hidden in a comment', 'tem-fake-sof.jpg'],
  ['a stray byte between JPEG markers', 'stray-byte.jpg'],
  ['an animated GIF whose first frame is larger than its logical screen', 'big-first-frame.gif'],
];

// Byte builders for the cases built here rather than encoded: headers only, no pixels to decode.
type Bytes = number[];
const ascii = (s: string): Bytes => [...s].map((c) => c.charCodeAt(0));
const u16 = (n: number): Bytes => [(n >>> 8) & 255, n & 255];
const u32 = (n: number): Bytes => [...u16(n >>> 16), ...u16(n & 0xffff)];
const le16 = (n: number): Bytes => [n & 255, (n >>> 8) & 255];
const le24 = (n: number): Bytes => [...le16(n & 0xffff), n >>> 16];
const le32 = (n: number): Bytes => [...le16(n & 0xffff), ...le16(n >>> 16)];
const box = (type: string, ...payload: Bytes[]): Bytes => [...u32(8 + payload.flat().length), ...ascii(type), ...payload.flat()];
const ispe = (w: number, h: number) => box('ispe', [0, 0, 0, 0], u32(w), u32(h));
const chunk = (type: string, payload: Bytes): Bytes => [...ascii(type), ...le32(payload.length), ...payload, ...(payload.length & 1 ? [0] : [])];
const riff = (...chunks: Bytes[]) => [...ascii('RIFF'), ...le32(4 + chunks.flat().length), ...ascii('WEBP'), ...chunks.flat()];

const DATA: Record<string, Bytes> = {
  // Item 2 (a thumbnail) has a 1 x 1 ispe first; the primary item 1 is 8000 x 6000.
  avifDecoy: [
    ...box('ftyp', ascii('avif'), u32(0), ascii('mif1avif')),
    ...box('meta', [0, 0, 0, 0], box('hdlr', [0, 0, 0, 0], u32(0), ascii('pict'), u32(0), u32(0), u32(0), [0]), box('pitm', [0, 0, 0, 0], u16(1)),
      box('iprp', box('ipco', ispe(1, 1), ispe(8000, 6000)), box('ipma', [0, 0, 0, 0], u32(2), u16(2), [1, 0x81], u16(1), [1, 0x82]))),
  ],
  // A 100 x 100 VP8X canvas holding a 1500 x 1000 lossless frame.
  webpCanvas: riff(chunk('VP8X', [0, 0, 0, 0, ...le24(99), ...le24(99)]), chunk('VP8L', [0x2f, ...le32(1499 | (999 << 14)), 0, 0, 0])),
  // SOI, APP0, then a scan with no SOF before it: no size to check.
  jpegNoSof: [0xff, 0xd8, 0xff, 0xe0, 0, 16, ...ascii('JFIF'), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0, 0xff, 0xd9],
  // A logical screen, then the trailer: no frame.
  gifNoFrame: [...ascii('GIF89a'), ...le16(16), ...le16(16), 0, 0, 0, 0x3b],
};

const SENTENCE: Record<string, RegExp> = {
  '4004': /^The image is \d+ x \d+ \([\d.]+ megapixels\), over the 1\.0 megapixels limit \(limits\.maxPixels\): send a smaller image\.$/,
  '4003': /^This image\/\w+ image could not be decoded: its header gives no size, so the file is truncated or corrupt\.$/,
};

const CASES: Case[] = [
  ...FILES.map(([name, file]) => ({ name: `${name}: refused`, run: `d.detect('${H}${file}')`, want: '4004', options: SMALL })),
  ...FILES.map(([name, file]) => ({ name: `${name}: read under the default limits`, run: `d.detect('${H}${file}')`, want: 'block' })),
  { name: "an AVIF with a decoy ispe before the primary item's", run: `d.detect(data.avifDecoy)`, want: '4004', options: SMALL },
  { name: 'a WebP canvas smaller than its frame', run: `d.detect(data.webpCanvas)`, want: '4004', options: SMALL },
  { name: 'a JPEG with no SOF before its scan', run: `d.detect(data.jpegNoSof)`, want: '4003', options: SMALL },
  { name: 'a GIF with no frame', run: `d.detect(data.gifNoFrame)`, want: '4003', options: SMALL },
];

async function runCases(page: Page, cases: Case[]) {
  return page.evaluate(
    async ({ cases, model, raw, sentences }) => {
      const veil = (window as any).veil;
      const data = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, new Uint8Array(v)]));
      const out: { name: string; got: string; want: string }[] = [];
      for (const c of cases) {
        const d = await veil.createDetector({ model, providers: ['wasm'], cache: false, ...(c.options ?? {}) });
        const got = await Promise.race([
          new Function('d', 'data', `return ${c.run}`)(d, data).then(
            (r: any) => r?.decision ?? 'resolved',
            (e: any) => {
              if (!veil.isVeilError(e)) return `untyped: ${String(e)}`;
              const sentence = sentences[e.code];
              return !sentence || new RegExp(sentence).test(e.message) ? e.code : `${e.code} saying "${e.message}"`;
            },
          ),
          new Promise((resolve) => setTimeout(() => resolve('hang'), 40_000)),
        ]);
        // And the detector still serves.
        const after = await d.detect('/test/.cache/images/landscape-640x480.jpg?after').then((r: any) => r.decision, () => 'broken');
        d.dispose();
        out.push({ name: c.name, got: after === 'block' ? String(got) : `${got}, then ${after}`, want: c.want });
      }
      return out;
    },
    { cases, model: modelUrl(320), raw: DATA, sentences: Object.fromEntries(Object.entries(SENTENCE).map(([k, v]) => [k, v.source])) },
  );
}

test(`security-library: ${CASES.length} cases`, async ({ harness, page }) => {
  await harness.open();
  const results = await runCases(page, CASES);
  const failures = results.filter((r) => r.got !== r.want).map((r) => `${r.name}: got ${r.got}, want ${r.want}`);
  recordGroup('security-library', { tried: CASES.length, passed: CASES.length - failures.length, failures });
  expect(failures).toEqual([]);
});
