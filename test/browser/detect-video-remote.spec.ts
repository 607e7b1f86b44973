/**
 * detectVideo() through the real gateway server: sampled frames go as JPEG, one
 * at a time, and none after the one that blocks; in auto mode a clip follows
 * the device rule, and onBeforeRemote is asked once, about the clip.
 */
import type { Request } from '@playwright/test';
import { modelUrl } from '../support/fixture-data.js';
import { KEY, startTestGateway } from '../support/gateway.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

let gateway: Awaited<ReturnType<typeof startTestGateway>>;
test.beforeAll(async () => {
  gateway = await startTestGateway(['--cors-origins', '*']);
});
test.afterAll(async () => gateway?.close());

const CLIP = '/test/.cache/clips/block-at-3s-vp8.webm';

test('remote mode screens the sampled frames through the gateway as JPEG and sends none after the blocking one', async ({ harness, page }) => {
  await harness.open();
  const sent: string[] = [];
  page.on('request', (request: Request) => {
    if (request.url().startsWith(gateway.endpoint) && request.method() === 'POST') sent.push(JSON.parse(request.postData() ?? '{}').image_b64?.slice(0, 23));
  });
  const r = await page.evaluate(
    async ({ endpoint, key, clip }) => {
      const detector = await (window as any).veil.createDetector({ mode: 'remote', remote: { url: endpoint, apiKey: key }, cache: false });
      const file = new File([await (await fetch(clip)).arrayBuffer()], 'clip.webm', { type: 'video/webm' });
      const early = await detector.detectVideo(file);
      const all = await detector.detectVideo(file, { stopAt: null, everySeconds: 2 });
      detector.dispose();
      return { early, all };
    },
    { endpoint: gateway.endpoint, key: KEY, clip: CLIP },
  );
  expect(r.early).toMatchObject({ decision: 'block', input: { mime: 'video/webm', type: 'file', width: 320, height: 240 }, runtime: { location: 'remote' } });
  expect(r.early.detections.map((d: any) => d.cls).sort()).toEqual(['FACE_FEMALE', 'FEMALE_BREAST_EXPOSED']);
  expect(r.early.video).toMatchObject({ frames_scanned: 4, mime: 'video/webm', codec: 'vp8' });
  expect(r.early.video.decided_at_s).toBeCloseTo(3, 0);
  // Every 2 s (0, 2, 4) and the last frame: none shows red.
  expect(r.all.decision).toBe('pass');
  expect(r.all.video.frames.map((f: any) => f.detections)).toEqual([1, 1, 1, 1]);
  // 4 frames for the first clip, stopping at the blocking one, then 4 for the second.
  expect(sent).toEqual(Array(8).fill('data:image/jpeg;base64,'));
});

test('auto mode on a weak device sends the clip remote, asking onBeforeRemote once about the clip; a refusal sends nothing', async ({ harness, page }) => {
  await page.addInitScript(() => Object.defineProperty(navigator, 'deviceMemory', { get: () => 1 }));
  await harness.open();
  const sent: string[] = [];
  page.on('request', (request: Request) => {
    if (request.url().startsWith(gateway.endpoint) && request.method() === 'POST') sent.push(request.url());
  });
  const r = await page.evaluate(
    async ({ model, endpoint, key, clip }) => {
      const asked: any[] = [];
      let allow = true;
      const detector = await (window as any).veil.createDetector({
        mode: 'auto',
        model,
        remote: { url: endpoint, apiKey: key },
        onBeforeRemote: (request: any) => (asked.push(request.input), allow),
      });
      const result = await detector.detectVideo(clip);
      allow = false;
      const refused = await detector.detectVideo(clip, { everySeconds: 0.5 }).catch((e: any) => e.code);
      detector.dispose();
      return { result, asked, refused };
    },
    { model: modelUrl(320), endpoint: gateway.endpoint, key: KEY, clip: CLIP },
  );
  expect(r.result).toMatchObject({ decision: 'block', runtime: { location: 'remote' }, video: { frames_scanned: 4 } });
  expect(r.result.notes.join(' ')).toContain('Sent to the remote service');
  expect(r.asked).toHaveLength(2);
  expect(r.asked[0]).toMatchObject({ type: 'url', mime: 'video/webm', width: 320, height: 240 });
  expect(r.refused).toBe('4020');
  // The frames at 0, 1 and 2 s are the same picture: the result cache answers for the second and third.
  expect(sent).toHaveLength(2);
});

test('aborting a remote clip part way rejects with 4099 and sends no further frame', async ({ harness, page }) => {
  await harness.open();
  const sent: string[] = [];
  page.on('request', (request: Request) => {
    if (request.url().startsWith(gateway.endpoint) && request.method() === 'POST') sent.push(request.url());
  });
  const r = await page.evaluate(
    async ({ endpoint, key, clip }) => {
      const detector = await (window as any).veil.createDetector({ mode: 'remote', remote: { url: endpoint, apiKey: key }, cache: false });
      const controller = new AbortController();
      let heard = 0;
      const code = await detector
        .detectVideo(clip, { stopAt: null, everySeconds: 0.25, signal: controller.signal, onFrame: () => ++heard === 2 && controller.abort() })
        .then(() => 'resolved', (e: any) => e.code);
      const after = await detector.detect('/test/.cache/images/landscape-640x480.jpg');
      detector.dispose();
      return { code, heard, after: after.decision };
    },
    { endpoint: gateway.endpoint, key: KEY, clip: CLIP },
  );
  expect(r).toEqual({ code: '4099', heard: 2, after: 'block' });
  // 25 frames were planned: two were sent, then the image.
  expect(sent).toHaveLength(3);
});
