/**
 * The library's remote and auto modes against the real gateway server (not a
 * replay): the answers come from gateway/ running NudeNet on onnxruntime-node,
 * and the same image screened locally and remotely must agree.
 */
import { compareDetections, FIXTURE_IMAGES, imageUrl, modelUrl, type ReferenceDetection } from '../support/fixture-data.js';
import { KEY, startTestGateway } from '../support/gateway.js';
import { expect, test } from './fixtures.js';

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
