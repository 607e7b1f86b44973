/**
 * Hostile input: every case resolves to a result or a VeilError with the right
 * code and a sentence, and the detector keeps serving the next call.
 */
import { imageUrl, modelUrl } from '../support/fixture-data.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const hostile = (name: string) => `/test/.cache/hostile/${name}`;

/** Runs each named case in the page on one detector; returns decision or {code, message}. */
async function battery(page: import('@playwright/test').Page, options: object, script: string) {
  return page.evaluate(
    async ({ options, script }) => {
      const veil = (window as any).veil;
      const detector = await veil.createDetector(options);
      const cases: Record<string, () => Promise<unknown>> = await new Function('detector', 'fetchBytes', `return (async () => { ${script} })()`)(
        detector,
        async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer()),
      );
      const out: Record<string, unknown> = {};
      for (const [name, run] of Object.entries(cases)) {
        try {
          const r: any = await run();
          out[name] = { decision: r.decision, animation: r.animation, notes: r.notes, input: r.input, classes: r.detections.map((d: any) => d.cls) };
        } catch (e: any) {
          out[name] = { code: e.code, message: e.message, veil: veil.isVeilError(e) };
        }
      }
      out.stillServing = (await detector.detect('/test/.cache/images/landscape-640x480.jpg')).decision;
      detector.dispose();
      return out;
    },
    { options, script },
  );
}

test.beforeEach(async ({ harness }) => harness.open());

test('animated GIF and WebP: frames sampled in the worker, the first blocking frame decides', async ({ page }) => {
  const r: any = await battery(
    page,
    { model: modelUrl(320), providers: ['wasm'], cache: false },
    `return {
      gif: () => detector.detect('${hostile('animated.gif')}'),
      webp: () => detector.detect('${hostile('animated.webp')}'),
    };`,
  );
  // 10 frames, budget 8: frames 0, 1, 3, 4, 5, 6, 8, 9; red (block) first shows in frame 5.
  for (const kind of ['gif', 'webp']) {
    expect(r[kind], kind).toMatchObject({ decision: 'block', animation: { frames: 10, scanned: 5, decided_by: 5 } });
    expect(r[kind].classes).toContain('FEMALE_BREAST_EXPOSED');
  }
  const small: any = await battery(
    page,
    { model: modelUrl(320), providers: ['wasm'], cache: false, limits: { maxFrames: 2 } },
    `return { gif: () => detector.detect('${hostile('animated.gif')}') };`,
  );
  // Two frames: the first and the last, neither shows red.
  expect(small.gif).toMatchObject({ decision: 'pass', animation: { frames: 10, scanned: 2, decided_by: 0 } });
});

test('CMYK JPEG and 16-bit PNG are read, not refused', async ({ page }) => {
  const r: any = await battery(
    page,
    { model: modelUrl(320), providers: ['wasm'] },
    `return { cmyk: () => detector.detect('${hostile('cmyk.jpg')}'), deep: () => detector.detect('${hostile('deep.png')}') };`,
  );
  expect(r.cmyk).toMatchObject({ decision: 'block', input: { mime: 'image/jpeg', width: 400, height: 300 } });
  expect(r.deep).toMatchObject({ decision: 'block', input: { mime: 'image/png', width: 400, height: 300 } });
});

test('limits: bytes, pixels from the header before decoding, formats', async ({ page }) => {
  const r: any = await battery(
    page,
    { model: modelUrl(320), providers: ['wasm'], limits: { maxBytes: 200_000, formats: ['jpeg', 'png'] } },
    `const big = new Uint8Array(300_000); big.set(await fetchBytes('/test/.cache/images/landscape-640x480.jpg'));
     return {
      bomb: () => detector.detect('${hostile('bomb.png')}'),
      bytes: () => detector.detect(new Blob([big], { type: 'image/jpeg' })),
      bmp: () => detector.detect('/test/.cache/images/bitmap-300x200.bmp'),
    };`,
  );
  expect(r.bomb).toEqual({
    code: '4004',
    message: 'The image is 10000 x 5000 (50.0 megapixels): decoding a PNG that large takes 200 MB, over the 40.0 megapixels decoded at once (limits.maxDecodePixels); only a JPEG is decoded at a reduced scale, so send it as a JPEG or smaller.',
    veil: true,
  });
  expect(r.bytes).toMatchObject({ code: '4004', message: 'The image is 300000 bytes, over the 200000-byte limit (limits.maxBytes).' });
  expect(r.bmp).toMatchObject({ code: '4002', message: 'BMP images are not accepted here (limits.formats allows jpeg, png).' });
  expect(r.stillServing).toBe('block');
});

test('crafted headers: the size the browser decodes is checked, not a decoy in the header', async ({ page }) => {
  // Each file decodes to 1500 x 1000 (test/fixtures/make_crafted.py) while its header tells a naive parser less.
  const files = { straybyte: 'stray-byte.jpg', rst: 'rst-fake-sof.jpg', tem: 'tem-fake-sof.jpg', gif: 'big-first-frame.gif' };
  const script = `return { ${Object.entries(files).map(([k, f]) => `${k}: () => detector.detect('${hostile(f)}')`).join(', ')} };`;
  const refused: any = await battery(page, { model: modelUrl(320), providers: ['wasm'], cache: false, limits: { maxPixels: 1_000_000 } }, script);
  for (const kind of Object.keys(files)) {
    expect(refused[kind], kind).toEqual({
      code: '4004',
      message: 'The image is 1500 x 1000 (1.5 megapixels), over the 1.0 megapixels limit (limits.maxPixels): send a smaller image.',
      veil: true,
    });
  }
  expect(refused.stillServing).toBe('block');
  // Under the default limits the same files are read, at the size the check used: real images, not refused as unreadable.
  const read: any = await battery(page, { model: modelUrl(320), providers: ['wasm'], cache: false }, script);
  for (const kind of Object.keys(files)) {
    expect(read[kind], kind).toMatchObject({ decision: 'block', input: { width: 1500, height: 1000 } });
  }
});

test('refused with a code and a sentence, and the next call still works', async ({ page }) => {
  const r: any = await battery(
    page,
    { model: modelUrl(320), providers: ['wasm'], limits: { fetchTimeoutMs: 1500 } },
    `const jpeg = await fetchBytes('/test/.cache/images/landscape-640x480.jpg');
     const png = await fetchBytes('/test/.cache/images/portrait-480x640.png');
     const heic = new Uint8Array([0, 0, 0, 24, ...new TextEncoder().encode('ftypheic'), 0, 0, 0, 0, ...new TextEncoder().encode('mif1heic')]);
     const b64 = (bytes) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
     return {
      empty: () => detector.detect(new Uint8Array(0)),
      truncatedJpeg: () => detector.detect(jpeg.slice(0, jpeg.length / 3)),
      truncatedPng: () => detector.detect(png.slice(0, 100)),
      textAsJpg: () => detector.detect(new File(['just some text'], 'photo.jpg', { type: 'image/jpeg' })),
      htmlAsJpg: () => detector.detect(new File(['<!doctype html><script>alert(1)</script>'], 'photo.jpg', { type: 'image/jpeg' })),
      svg: () => detector.detect(new Blob(['<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'])),
      heic: () => detector.detect(heic),
      notBase64: () => detector.detect('data:image/jpeg;base64,%%%not base64%%%'),
      lyingDataUri: () => detector.detect('data:image/png;base64,' + b64(jpeg)),
      url404: () => detector.detect('/__status/404'),
      redirectLoop: () => detector.detect('/__redirect-loop'),
      slow: () => detector.detect('/__slow/10000/photo.jpg'),
    };`,
  );
  expect(r).toMatchObject({
    empty: { code: '4000', veil: true },
    truncatedJpeg: { code: '4003', message: 'This image/jpeg image could not be decoded: the file is truncated or corrupt.' },
    truncatedPng: { code: '4003' },
    textAsJpg: { code: '4002' },
    htmlAsJpg: { code: '4002' },
    svg: { code: '4002', message: expect.stringContaining('SVG images can carry script and are refused') },
    heic: { code: '4002', message: 'image/heic images are not supported: convert it to JPEG, PNG, WebP, GIF, BMP or AVIF.' },
    notBase64: { code: '4000' },
    lyingDataUri: { decision: 'block', notes: ['The input says it is image/png but its bytes are image/jpeg; it was read as image/jpeg.'] },
    url404: { code: '4005', message: expect.stringContaining('HTTP 404') },
    redirectLoop: { code: '4005', message: expect.stringContaining('redirected too many times') },
    slow: { code: '4005', message: expect.stringContaining('did not arrive within 1500 ms (limits.fetchTimeoutMs)') },
    stillServing: 'block',
  });
});

test('SVG is rasterised like an <img> when allowed: its content is screened', async ({ page }) => {
  const r: any = await battery(
    page,
    { model: modelUrl(320), providers: ['wasm'], limits: { allowSvg: true } },
    `const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><rect width="400" height="300" fill="rgb(110,115,125)"/><rect x="50" y="60" width="150" height="120" fill="rgb(255,0,0)"/><script>parent.pwned = 1</script></svg>';
     const img = new Image(); img.src = 'data:image/svg+xml,' + encodeURIComponent(svg); await img.decode();
     return {
      blob: () => detector.detect(new Blob([svg], { type: 'image/svg+xml' })),
      dataUri: () => detector.detect('data:image/svg+xml,' + encodeURIComponent(svg)),
      element: () => detector.detect(img),
    };`,
  );
  for (const kind of ['blob', 'dataUri', 'element']) {
    expect(r[kind], kind).toMatchObject({ decision: 'block', input: { width: 400, height: 300 }, classes: ['FEMALE_BREAST_EXPOSED'] });
  }
  expect(await page.evaluate(() => (window as any).pwned)).toBeUndefined();
});
