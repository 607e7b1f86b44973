/**
 * Remote and auto modes in Chromium against a loopback gateway that replays the
 * image-nsfw gateway API's protocol, and privacy checked on the browser's own
 * network log.
 */
import { readFileSync } from 'node:fs';
import type { Page, Request } from '@playwright/test';
import { GATEWAY_OK } from '../fixtures/documented-bodies.js';
import { imagePath, imageUrl, modelUrl } from '../support/fixture-data.js';
import { startReplayServer, type ReplayServer } from '../support/replay-server.js';
import { startServer, type TestServer } from '../support/server.js';
import { killDetectorWorker } from '../support/workers.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

let gateway: ReplayServer;
let cdn: TestServer;
test.beforeAll(async () => {
  gateway = await startReplayServer();
  cdn = await startServer({ cors: false });
});
test.afterAll(async () => {
  await gateway.close();
  await cdn.close();
});
test.beforeEach(() => {
  gateway.requests.length = 0;
  gateway.reply({ body: GATEWAY_OK });
});

const PHOTO = 'landscape-640x480.jpg';
const photoBase64 = () => readFileSync(imagePath(PHOTO)).toString('base64');

/** Every request the page and its workers make, with what they carried. */
function networkLog(page: Page) {
  const requests: { url: string; body: string }[] = [];
  page.on('request', (request: Request) => requests.push({ url: request.url(), body: request.postDataBuffer()?.toString('latin1') ?? '' }));
  return requests;
}

test('remote mode sends the image to the gateway as the image-nsfw gateway API specifies and returns the result schema', async ({ harness, page }) => {
  await harness.open();
  const result = await page.evaluate(
    async ({ endpoint, url }) => {
      const detector = await (window as any).veil.createDetector({ mode: 'remote', remote: { url: endpoint, apiKey: 'sk_secret_key', timeoutMs: 9000 } });
      const blob = await (await fetch(url)).blob();
      const r = await detector.detect(new File([blob], 'holiday.jpg', { type: 'image/jpeg' }));
      return { r, info: detector.info };
    },
    { endpoint: `${gateway.url}/api/image-nsfw`, url: imageUrl(PHOTO) },
  );
  expect(gateway.requests).toHaveLength(1);
  const sent = gateway.requests[0]!;
  expect(sent.headers['x-api-key']).toBe('sk_secret_key');
  expect(JSON.parse(sent.body.toString())).toEqual({ backend: 'auto', timeout: 9, image_b64: `data:image/jpeg;base64,${photoBase64()}` });
  expect(result.info).toMatchObject({ location: 'remote', mode: 'remote', dialect: 'gateway' });
  expect(result.r).toMatchObject({
    code: 200,
    backend: 'nudenet',
    decision: 'pass',
    label: 'normal',
    input: { type: 'file', source: 'holiday.jpg', mime: 'image/jpeg', width: 640, height: 480, size_bytes: readFileSync(imagePath(PHOTO)).length },
    runtime: { location: 'remote', dialect: 'gateway', reason: 'The detector is in remote mode.' },
  });
  expect(result.r.notes[0]).toBe('The detector is in remote mode.');
  expect(JSON.stringify(result.r)).not.toContain('sk_secret_key');
});

test('the same image is sent once: concurrent and later calls are answered from one request', async ({ harness, page }) => {
  await harness.open();
  const notes = await page.evaluate(
    async ({ endpoint, url }) => {
      const detector = await (window as any).veil.createDetector({ mode: 'remote', remote: { url: endpoint } });
      const [a, b] = await Promise.all([detector.detect(url), detector.detect(url)]);
      const c = await detector.detect(url);
      return [a.notes, b.notes, c.notes];
    },
    { endpoint: `${gateway.url}/api/image-nsfw`, url: imageUrl(PHOTO) },
  );
  expect(gateway.requests).toHaveLength(1);
  expect(notes[2]).toContain('Answered from the cache: this image was screened before by the same service.');
});

test('an image the page cannot read (cross-origin, no CORS) goes by URL', async ({ harness, page }) => {
  await harness.open();
  const src = `${cdn.url}${imageUrl(PHOTO)}`;
  const r = await page.evaluate(
    async ({ endpoint, src }) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      const detector = await (window as any).veil.createDetector({ mode: 'remote', remote: { url: endpoint } });
      return detector.detect(img);
    },
    { endpoint: `${gateway.url}/api/image-nsfw`, src },
  );
  expect(JSON.parse(gateway.requests[0]!.body.toString())).toMatchObject({ image_url: src });
  // The page never saw the bytes: what only the gateway could see (here its canned answer) fills in.
  expect(r.input).toMatchObject({ type: 'image', source: src, sha256: GATEWAY_OK.input.sha256, width: 1080, height: 1920 });
  expect(r.notes).toContain('The page cannot read this image (cross-origin without CORS), so the service was given its URL.');
});

test('gateway errors arrive as VeilErrors with the gateway code, a slow gateway times out with 5021', async ({ harness, page }) => {
  await harness.open();
  gateway.reply({ status: 401, body: { code: 4015, desc: 'API Key 缺失或非法' } }, 'hang');
  const errors = await page.evaluate(
    async ({ endpoint, url }) => {
      const detector = await (window as any).veil.createDetector({ mode: 'remote', remote: { url: endpoint, apiKey: 'wrong', timeoutMs: 1500 } });
      const out = [];
      for (const input of [url, `${url}?again`]) {
        out.push(await detector.detect(input).then(() => null, (e: any) => ({ code: e.code, message: e.message, isVeil: (window as any).veil.isVeilError(e) })));
      }
      return out;
    },
    { endpoint: `${gateway.url}/api/image-nsfw`, url: imageUrl(PHOTO) },
  );
  expect(errors[0]).toEqual({ code: '4015', message: 'The gateway answered code 4015: API Key 缺失或非法. Check remote.apiKey.', isVeil: true });
  // The second URL is a different request but the same bytes: it is the same image, not in the cache (the first failed).
  expect(errors[1]).toMatchObject({ code: '5021', message: 'The remote service did not answer within 1500 ms (remote.timeoutMs).' });
});

test('local mode: no request carries image bytes, for any input kind (Chromium network log)', async ({ harness, page }) => {
  const log = networkLog(page);
  await harness.open();
  const outcome = await page.evaluate(
    async ({ model, url }) => {
      const { createDetector } = (window as any).veil;
      const detector = await createDetector({ model, providers: ['wasm'], remote: { url: 'http://127.0.0.1:9/never' } });
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const blob = new Blob([bytes], { type: 'image/jpeg' });
      const bitmap = await createImageBitmap(blob);
      const canvas = document.createElement('canvas');
      [canvas.width, canvas.height] = [bitmap.width, bitmap.height];
      canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
      const img = new Image();
      img.src = url;
      await img.decode();
      const base64 = btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
      const inputs = [new File([bytes], 'a.jpg'), blob, bytes, bytes.buffer, base64, `data:image/jpeg;base64,${base64}`, img, canvas, bitmap, canvas.getContext('2d')!.getImageData(0, 0, 10, 10)];
      const decisions = [];
      for (const input of inputs) decisions.push((await detector.detect(input)).runtime.location);
      return decisions;
    },
    { model: modelUrl(320), url: imageUrl(PHOTO) },
  );
  expect(outcome.every((location) => location === 'local')).toBe(true);
  expect(log.some((r) => r.url.endsWith('veil-fixture-320.onnx')), 'the log sees worker requests').toBe(true);
  const photo = readFileSync(imagePath(PHOTO));
  const markers = [photo.subarray(1000, 1064).toString('latin1'), photo.toString('base64').slice(2000, 2064)];
  for (const request of log) {
    for (const marker of markers) expect(request.body.includes(marker), request.url).toBe(false);
    expect(request.url).not.toContain('127.0.0.1:9');
  }
  expect(log.filter((r) => r.body.length > 0)).toEqual([]);
  expect(gateway.requests).toEqual([]);
});

test('limits hold in remote and auto modes: refused with the codes of local mode, and the service receives nothing', async ({ harness, page }) => {
  await harness.open();
  const r = await page.evaluate(
    async ({ endpoint, model, photo, bomb, bmp }) => {
      const veil = (window as any).veil;
      const bytesOf = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());
      const big = new Uint8Array(300_000);
      big.set(await bytesOf(photo));
      const svg = new Blob(['<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'], { type: 'image/svg+xml' });
      const modes: Record<string, object> = {
        local: { model, providers: ['wasm'] },
        remote: { mode: 'remote' },
        // The model cannot load, so auto mode goes remote for every image.
        auto: { mode: 'auto', model: '/public/models/missing.onnx' },
      };
      const out: Record<string, Record<string, unknown>> = {};
      for (const [mode, options] of Object.entries(modes)) {
        const detector = await veil.createDetector({ ...options, remote: { url: endpoint }, limits: { maxBytes: 200_000, formats: ['jpeg', 'png'] } });
        const cases: Record<string, () => Promise<any>> = {
          bytes: () => detector.detect(new Blob([big], { type: 'image/jpeg' })),
          pixels: () => detector.detect(bomb),
          format: () => detector.detect(bmp),
          svg: () => detector.detect(svg),
        };
        out[mode] = {};
        for (const [name, run] of Object.entries(cases)) {
          out[mode]![name] = await run().then(
            (result) => ({ decision: result.decision }),
            (error) => ({ code: error.code, message: error.message }),
          );
        }
        out[mode]!.ok = (await detector.detect(photo)).runtime.location;
        detector.dispose();
      }
      return out;
    },
    {
      endpoint: `${gateway.url}/api/image-nsfw`,
      model: modelUrl(320),
      photo: imageUrl(PHOTO),
      bomb: '/test/.cache/hostile/bomb.png',
      bmp: imageUrl('bitmap-300x200.bmp'),
    },
  );
  const refused = {
    bytes: { code: '4004', message: 'The image is 300000 bytes, over the 200000-byte limit (limits.maxBytes).' },
    pixels: { code: '4004', message: 'The image is 10000 x 5000 (50.0 megapixels): decoding a PNG that large takes 200 MB, over the 40.0 megapixels decoded at once (limits.maxDecodePixels); only a JPEG is decoded at a reduced scale, so send it as a JPEG or smaller.' },
    format: { code: '4002', message: 'BMP images are not accepted here (limits.formats allows jpeg, png).' },
    svg: { code: '4002', message: expect.stringMatching(/^SVG images can carry script and are refused/) },
  };
  expect(r.local).toEqual({ ...refused, ok: 'local' });
  expect(r.remote).toEqual({ ...refused, ok: 'remote' });
  expect(r.auto).toEqual({ ...refused, ok: 'remote' });
  // Only the two good photos reached the service: the refused files never left the page.
  expect(gateway.requests).toHaveLength(2);
  for (const request of gateway.requests) expect(JSON.parse(request.body.toString()).image_b64).toBe(`data:image/jpeg;base64,${photoBase64()}`);
});

test('an API key in the service URL never reaches IndexedDB through the result cache', async ({ harness, page }) => {
  await harness.open();
  const stored = await page.evaluate(
    async ({ endpoint, url }) => {
      const detector = await (window as any).veil.createDetector({ mode: 'remote', cache: 'indexeddb', remote: { url: `${endpoint}?apikey=sk_in_the_url` } });
      await detector.detect(url);
      detector.dispose();
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const request = indexedDB.open('veil-cache');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const all = (method: 'getAllKeys' | 'getAll') =>
        new Promise<unknown[]>((resolve) => {
          const request = db.transaction('results').objectStore('results')[method]();
          request.onsuccess = () => resolve(request.result);
        });
      return JSON.stringify({ keys: await all('getAllKeys'), values: await all('getAll') });
    },
    { endpoint: `${gateway.url}/api/image-nsfw`, url: imageUrl(PHOTO) },
  );
  expect(gateway.requests).toHaveLength(1);
  expect(stored).not.toContain('sk_in_the_url');
  expect(stored).toContain('/api/image-nsfw#gateway#'); // the result was cached, by origin and path
});

test.describe('auto mode', () => {
  test('a capable device screens locally and sends nothing', async ({ harness, page }) => {
    await harness.open();
    const r = await page.evaluate(
      async ({ model, endpoint, url }) => {
        const detector = await (window as any).veil.createDetector({ mode: 'auto', model, providers: ['wasm'], remote: { url: endpoint } });
        const result = await detector.detect(url);
        return { info: detector.info, runtime: result.runtime };
      },
      { model: modelUrl(320), endpoint: `${gateway.url}/api/image-nsfw`, url: imageUrl(PHOTO) },
    );
    expect(r.info).toMatchObject({ location: 'local', mode: 'auto' });
    expect(r.info.notes.at(-1)).toMatch(/^Screening locally: 2 CPU cores, a warm inference of \d+ ms within the 1000 ms budget\.$/);
    expect(r.runtime.location).toBe('local');
    expect(gateway.requests).toEqual([]);
  });

  test('a device made to look weak (one core, 1 GB) goes remote without downloading the model, and says why', async ({ harness, page, server }) => {
    await page.addInitScript(() => {
      Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => 1 });
      Object.defineProperty(navigator, 'deviceMemory', { get: () => 1 });
    });
    const start = server.requests.length;
    await harness.open();
    const r = await page.evaluate(
      async ({ model, endpoint, url }) => {
        const detector = await (window as any).veil.createDetector({ mode: 'auto', model, remote: { url: endpoint } });
        const result = await detector.detect(url);
        return { info: detector.info, result };
      },
      { model: modelUrl(320), endpoint: `${gateway.url}/api/image-nsfw`, url: imageUrl(PHOTO) },
    );
    const why = 'The device reports 1 GB of memory, under the 2 GB local screening needs.';
    expect(r.info).toMatchObject({ location: 'remote', mode: 'auto' });
    expect(r.result.notes[0]).toBe(`Sent to the remote service: ${why}`);
    expect(r.result.runtime).toMatchObject({ location: 'remote', reason: `Sent to the remote service: ${why}` });
    expect(gateway.requests).toHaveLength(1);
    expect(server.requests.slice(start).filter((p) => p.endsWith('.onnx'))).toEqual([]);
  });

  test('a model that cannot load sends images remote with the reason', async ({ harness, page }) => {
    await harness.open();
    const r = await page.evaluate(
      async ({ endpoint, url }) => {
        const detector = await (window as any).veil.createDetector({ mode: 'auto', model: '/public/models/missing.onnx', remote: { url: endpoint } });
        return (await detector.detect(url)).notes[0];
      },
      { endpoint: `${gateway.url}/api/image-nsfw`, url: imageUrl(PHOTO) },
    );
    expect(r).toMatch(/^Sent to the remote service: Local screening failed: The model could not be downloaded from .*missing\.onnx: the server answered HTTP 404/);
  });

  test('an input that breaks the worker fails its own call; the device stays local and nothing is sent', async ({ harness, page, server }) => {
    await harness.open();
    const stalled = '/__slow/20000/test/.cache/images/landscape-640x480.jpg';
    await page.evaluate(
      async ({ model, endpoint, stalled }) => {
        const w = window as any;
        w.detector = await w.veil.createDetector({ mode: 'auto', model, providers: ['wasm'], remote: { url: endpoint } });
        w.hostile = w.detector.detect(stalled).then(
          (r: any) => r.runtime.location,
          (e: any) => e.code,
        );
      },
      { model: modelUrl(320), endpoint: `${gateway.url}/api/image-nsfw`, stalled },
    );
    // The worker dies while it reads that one input, on its first worker and on the next,
    // as a file that runs it out of memory would end it.
    for (let attempt = 1; attempt <= 2; attempt++) {
      await expect.poll(() => server.requests.filter((p) => p === stalled).length, { timeout: 20_000 }).toBe(attempt);
      expect(await killDetectorWorker(page)).toBe(1);
    }
    expect(await page.evaluate(() => (window as any).hostile)).toBe('5031');
    const next = await page.evaluate(async (url) => {
      const w = window as any;
      const result = await w.detector.detect(url);
      return { ran: result.runtime.location, info: w.detector.info.location };
    }, imageUrl(PHOTO));
    expect(next).toEqual({ ran: 'local', info: 'local' });
    expect(gateway.requests).toEqual([]);
    await page.evaluate(() => (window as any).detector.dispose());
  });

  test('allowClassifierOnly: a device too slow for both models measures the classifier alone before going remote', async ({ harness, page }) => {
    await harness.open();
    const r = await page.evaluate(
      async ({ model, endpoint, url }) => {
        const options = { mode: 'auto', model, classifier: { name: 'nsfwjs-mobilenet-v2', model: '/public/models/nsfwjs-mobilenet-v2.onnx' }, providers: ['wasm'], remote: { url: endpoint } };
        // A budget nothing can meet, so both measurements are taken and both figures given.
        const detector = await (window as any).veil.createDetector({ ...options, maxLocalLatencyMs: 0.001, allowClassifierOnly: true });
        const result = await detector.detect(url);
        const within = await (window as any).veil.createDetector({ ...options, allowClassifierOnly: true });
        const local = await within.detect(url);
        detector.dispose();
        within.dispose();
        return { notes: result.notes, ran: result.runtime.location, local: { backend: local.backend, ran: local.runtime.location } };
      },
      { model: modelUrl(320), endpoint: `${gateway.url}/api/image-nsfw`, url: imageUrl(PHOTO) },
    );
    expect(r.ran).toBe('remote');
    expect(r.notes[0]).toMatch(/^Sent to the remote service: A warm local inference took \d+ ms, over the 0.001 ms budget \(maxLocalLatencyMs\), and the whole-image classifier alone took \d+ ms\.$/);
    expect(r.local).toEqual({ backend: 'nudenet+nsfwjs-mobilenet-v2', ran: 'local' });
  });

  test('onBeforeRemote can refuse: the call fails with 4020 and nothing is sent', async ({ harness, page }) => {
    await page.addInitScript(() => Object.defineProperty(navigator, 'deviceMemory', { get: () => 0.5 }));
    await harness.open();
    const r = await page.evaluate(
      async ({ model, endpoint, url }) => {
        const asked: any[] = [];
        const detector = await (window as any).veil.createDetector({
          mode: 'auto',
          model,
          remote: { url: endpoint },
          onBeforeRemote: (request: any) => {
            asked.push(request);
            return false;
          },
        });
        const error = await detector.detect(url).then(() => null, (e: any) => ({ code: e.code, message: e.message }));
        return { error, asked };
      },
      { model: modelUrl(320), endpoint: `${gateway.url}/api/image-nsfw`, url: imageUrl(PHOTO) },
    );
    expect(r.error).toEqual({
      code: '4020',
      message: 'The page declined to send this image to the remote service (onBeforeRemote said no), so it was not screened.',
    });
    expect(r.asked).toHaveLength(1);
    expect(r.asked[0]).toMatchObject({ endpoint: `${gateway.url}/api/image-nsfw`, input: { mime: 'image/jpeg', width: 640 } });
    expect(gateway.requests).toEqual([]);
  });
});

test('a gateway that is briefly down is asked again with backoff; garbage fails at once; nothing stays pending', async ({ harness, page }) => {
  await harness.open();
  gateway.reply({ status: 503, body: 'Service Unavailable' }, { status: 503, body: 'Service Unavailable' }, { body: GATEWAY_OK });
  const recovered = await page.evaluate(
    async ({ endpoint, url }) => {
      const detector = await (window as any).veil.createDetector({ mode: 'remote', remote: { url: endpoint } });
      return (await detector.detect(url)).decision;
    },
    { endpoint: `${gateway.url}/api/image-nsfw`, url: imageUrl(PHOTO) },
  );
  expect(recovered).toBe('pass');
  expect(gateway.requests).toHaveLength(3);

  gateway.requests.length = 0;
  gateway.reply({ body: '<html>oops</html>' });
  const outcomes = await page.evaluate(
    async ({ endpoint, url }) => {
      const settle = (p: Promise<any>) => p.then(() => 'resolved', (e: any) => e.code);
      const garbage = await (window as any).veil.createDetector({ mode: 'remote', remote: { url: endpoint } });
      const down = await (window as any).veil.createDetector({ mode: 'remote', remote: { url: 'http://127.0.0.1:9/api', timeoutMs: 4000 } });
      return Promise.all([settle(garbage.detect(url)), settle(down.detect(url))]);
    },
    { endpoint: `${gateway.url}/api/image-nsfw`, url: imageUrl('portrait-480x640.png') },
  );
  expect(outcomes).toEqual(['5022', '5021']);
  expect(gateway.requests).toHaveLength(1);
});

test("a caller's own dialect object is used as given", async ({ harness, page }) => {
  await harness.open();
  const r = await page.evaluate(async (url) => {
    const seen: any[] = [];
    const dialect = {
      name: 'in-house',
      async screen(image: any, context: any) {
        seen.push({ bytes: image.bytes.length, sha256: image.info.sha256, endpoint: context.endpoint, key: context.apiKey });
        return { backend: 'in-house-v2', categories: { porn: 0.1, sexy: 0.75, normal: 0.15 }, raw: { 'in-house': { ok: true } } };
      },
    };
    const detector = await (window as any).veil.createDetector({ mode: 'remote', policy: 'strict', remote: { url: 'https://moderation.internal/v2', apiKey: 'k', dialect } });
    const result = await detector.detect(url);
    return { result, seen };
  }, imageUrl(PHOTO));
  expect(r.seen).toEqual([{ bytes: readFileSync(imagePath(PHOTO)).length, sha256: r.result.input.sha256, endpoint: 'https://moderation.internal/v2', key: 'k' }]);
  // Its categories go through the caller's policy: strict reviews sexy 0.75 (it blocks from 0.8).
  expect(r.result).toMatchObject({ backend: 'in-house-v2', label: 'sexy', decision: 'review', raw: { 'in-house': { ok: true } }, runtime: { dialect: 'in-house' } });
});
