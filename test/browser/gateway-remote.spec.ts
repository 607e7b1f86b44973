/**
 * The library's remote and auto modes against the real gateway server (not a
 * replay): the answers come from gateway/ running NudeNet on onnxruntime-node,
 * and the same image screened locally and remotely must agree.
 */
import { compareDetections, FIXTURE_IMAGES, imageUrl, modelUrl, type ReferenceDetection } from '../support/fixture-data.js';
import { KEY, startTestGateway } from '../support/gateway.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

let gateway: Awaited<ReturnType<typeof startTestGateway>>;
test.beforeAll(async () => {
  gateway = await startTestGateway(['--cors-origins', '*']);
});
test.afterAll(async () => gateway?.close());

const photos = FIXTURE_IMAGES.filter((i) => i.reference !== false).map((i) => imageUrl(i.name));

test('the same photos screened locally and through the gateway agree', async ({ harness, page }) => {
  await harness.open();
  const r = await page.evaluate(
    async ({ model, endpoint, key, photos }) => {
      const { createDetector } = (window as any).veil;
      const local = await createDetector({ model, providers: ['wasm'] });
      const remote = await createDetector({ mode: 'remote', remote: { url: endpoint, apiKey: key } });
      const out = [];
      for (const url of photos) {
        const [l, g] = [await local.detect(url), await remote.detect(url)];
        out.push({ url, local: l, remote: g });
      }
      local.dispose();
      remote.dispose();
      return out;
    },
    { model: modelUrl(320), endpoint: gateway.endpoint, key: KEY, photos },
  );
  let detections = 0;
  for (const { url, local, remote } of r) {
    expect(remote.runtime.location, url).toBe('remote');
    expect(remote.backend, url).toBe('nudenet');
    expect([remote.decision, remote.label], url).toEqual([local.decision, local.label]);
    expect(remote.input, url).toEqual(local.input);
    const diff = compareDetections(remote.raw.nudenet as ReferenceDetection[], local.raw.nudenet as ReferenceDetection[]);
    expect(diff.sameClasses, url).toBe(true);
    expect(diff.boxPx, url).toBeLessThanOrEqual(2);
    expect(diff.score, url).toBeLessThanOrEqual(0.02);
    detections += local.detections.length;
  }
  expect(detections).toBeGreaterThan(15);
});

test('auto mode on a device made to look weak gets its answer from the gateway, and says why', async ({ harness, page }) => {
  await page.addInitScript(() => Object.defineProperty(navigator, 'deviceMemory', { get: () => 1 }));
  await harness.open();
  const r = await page.evaluate(
    async ({ model, endpoint, key, url }) => {
      const detector = await (window as any).veil.createDetector({ mode: 'auto', model, remote: { url: endpoint, apiKey: key } });
      const result = await detector.detect(url);
      detector.dispose();
      return result;
    },
    { model: modelUrl(320), endpoint: gateway.endpoint, key: KEY, url: imageUrl('landscape-640x480.jpg') },
  );
  expect(r).toMatchObject({ code: 200, backend: 'nudenet', decision: 'block', runtime: { location: 'remote', dialect: 'gateway' } });
  expect(r.notes[0]).toBe('Sent to the remote service: The device reports 1 GB of memory, under the 2 GB local screening needs.');
  expect(r.detections.map((d: any) => d.cls)).toEqual(['FEMALE_BREAST_EXPOSED', 'FACE_FEMALE', 'ANUS_EXPOSED']);
});

test("the gateway's own errors reach the page with its codes", async ({ harness, page }) => {
  await harness.open();
  const errors = await page.evaluate(
    async ({ endpoint, url }) => {
      const { createDetector } = (window as any).veil;
      const wrongKey = await createDetector({ mode: 'remote', remote: { url: endpoint, apiKey: 'nope' } });
      const notImage = await createDetector({ mode: 'remote', remote: { url: endpoint, apiKey: 'test-key-1' } });
      const settle = (p: Promise<any>) => p.then(() => null, (e: any) => e.code);
      // The photo's first 2000 bytes: its header (and size) intact, its picture cut short.
      const truncated = new Uint8Array(await (await fetch(url)).arrayBuffer()).slice(0, 2000);
      return [await settle(wrongKey.detect(url)), await settle(notImage.detect(truncated))];
    },
    { endpoint: gateway.endpoint, url: imageUrl('landscape-640x480.jpg') },
  );
  // A wrong key is the gateway's 4015; a truncated JPEG passes the page's header check and fails to decode there: 4003.
  expect(errors).toEqual(['4015', '4003']);
});

/** A 2-frame animation, grey then red (the fixture model's "nudity"), as GIF and as lossless WebP. */
async function greyThenRed(): Promise<Record<'gif' | 'webp', string>> {
  const { default: sharp } = await import('sharp');
  const frame = (r: number, g: number, b: number) => sharp({ create: { width: 200, height: 150, channels: 3, background: { r, g, b } } }).png().toBuffer();
  const frames = [await frame(128, 128, 128), await frame(255, 0, 0)];
  const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
  const webp = await sharp(frames, { join: { animated: true } }).webp({ lossless: true }).toBuffer();
  return { gif: gif.toString('base64'), webp: webp.toString('base64') };
}

test('an animation whose explicit frame comes second is blocked remotely: the gateway samples its frames and says so', async ({ harness, page }) => {
  const animations = await greyThenRed();
  await harness.open();
  const posts: string[] = [];
  page.on('request', (request) => request.method() === 'POST' && request.url().startsWith(gateway.endpoint) && posts.push(request.url()));
  const r = await page.evaluate(
    async ({ endpoint, key, animations }) => {
      const detector = await (window as any).veil.createDetector({ mode: 'remote', remote: { url: endpoint, apiKey: key }, cache: false });
      const out: Record<string, unknown> = {};
      for (const [kind, b64] of Object.entries(animations)) out[kind] = await detector.detect(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
      detector.dispose();
      return out as Record<string, any>;
    },
    { endpoint: gateway.endpoint, key: KEY, animations },
  );
  for (const kind of ['gif', 'webp']) {
    expect(r[kind], kind).toMatchObject({ decision: 'block', animation: { frames: 2, scanned: 2, decided_by: 1 }, runtime: { location: 'remote' } });
  }
  // One request each: the gateway's answer says it judged the frames, so none is sent again.
  expect(posts.length).toBe(2);
});

test('a service that judges only the first frame: the page sends the sampled frames as stills, and the second blocks', async ({ harness, page }) => {
  const animations = await greyThenRed();
  await harness.open();
  const posts: string[] = [];
  page.on('request', (request) => request.method() === 'POST' && request.url().startsWith(gateway.endpoint) && posts.push(request.url()));
  const r = await page.evaluate(
    async ({ endpoint, key, gif }) => {
      // A service that decodes only the first frame of what it is sent, and says nothing of frames: the real gateway, given that frame.
      const firstFrameService = {
        name: 'first-frame-service',
        async screen(image: { bytes: Uint8Array }, context: { endpoint: string; apiKey: string }) {
          const bitmap = await createImageBitmap(new Blob([image.bytes as BlobPart]));
          const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
          canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
          const png = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
          const body = JSON.stringify({ image_b64: btoa(String.fromCharCode(...png)) });
          const answer = await (await fetch(context.endpoint, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': context.apiKey }, body })).json();
          const { backend, categories, decision, label, score, detections, raw } = answer;
          return { backend, categories, decision, label, score, detections, raw };
        },
      };
      const detector = await (window as any).veil.createDetector({ mode: 'remote', remote: { url: endpoint, apiKey: key, dialect: firstFrameService }, cache: false });
      const result = await detector.detect(Uint8Array.from(atob(gif), (c) => c.charCodeAt(0)));
      detector.dispose();
      return result;
    },
    { endpoint: gateway.endpoint, key: KEY, gif: animations.gif },
  );
  expect(r).toMatchObject({ decision: 'block', animation: { frames: 2, scanned: 2, decided_by: 1 }, input: { mime: 'image/gif', width: 200, height: 150 } });
  expect(r.notes.at(-1)).toMatch(/2 of its 2 frames were sent as stills \(PNG\); frame 1 decided/);
  // The file, then each sampled frame.
  expect(posts.length).toBe(3);
});
