/**
 * The WebGPU provider, on Chromium's SwiftShader software adapter (correct but
 * slow: it is tested here, never timed), must give what WASM gives.
 */
import { CHROMIUM, CHROMIUM_ARGS, WEBGPU_ARGS } from '../../playwright.config.js';
import { compareDetections, FIXTURE_IMAGES, imageUrl, modelUrl, type ReferenceDetection } from '../support/fixture-data.js';
import { expect, test } from './fixtures.js';

test.use({ launchOptions: { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...WEBGPU_ARGS] } });

test('WebGPU is chosen first and agrees with WASM on every fixture photo', async ({ harness, page }) => {
  test.setTimeout(300_000);
  await harness.open();
  const urls = FIXTURE_IMAGES.map((i) => imageUrl(i.name));
  const r = await page.evaluate(
    async ({ model, urls }) => {
      const { createDetector } = (window as any).veil;
      const adapter = await (navigator as any).gpu?.requestAdapter();
      const gpu = await createDetector({ model });
      const cpu = await createDetector({ model, providers: ['wasm'] });
      const out: Record<string, { gpu: unknown; cpu: unknown; provider: string }> = {};
      for (const url of urls) {
        const [g, c] = [await gpu.detect(url), await cpu.detect(url)];
        out[url] = { gpu: g.raw.nudenet, cpu: c.raw.nudenet, provider: g.runtime.provider };
      }
      const info = gpu.info;
      gpu.dispose();
      cpu.dispose();
      return { out, info, adapter: adapter ? { fallback: adapter.isFallbackAdapter ?? adapter.info?.isFallbackAdapter } : null };
    },
    { model: modelUrl(320), urls },
  );
  expect(r.adapter, 'SwiftShader gives a WebGPU adapter').not.toBeNull();
  expect(r.info).toMatchObject({ provider: 'webgpu', threads: 0, notes: [] });
  let detections = 0;
  for (const [url, { gpu, cpu, provider }] of Object.entries(r.out)) {
    expect(provider).toBe('webgpu');
    const diff = compareDetections(gpu as ReferenceDetection[], cpu as ReferenceDetection[]);
    expect.soft(diff.sameClasses, url).toBe(true);
    expect.soft(diff.boxPx, url).toBeLessThanOrEqual(2);
    expect.soft(diff.score, url).toBeLessThanOrEqual(0.02);
    detections += (cpu as unknown[]).length;
  }
  expect(detections).toBeGreaterThan(15);
});

test('WebGPU runs on the JSPI build where the browser has JSPI, on the Asyncify build where it has not, and both agree with WASM', async ({ harness, page, server }) => {
  test.setTimeout(300_000);
  const start = server.requests.length;
  await harness.open();
  const urls = FIXTURE_IMAGES.slice(0, 3).map((i) => imageUrl(i.name));
  const r = await page.evaluate(
    async ({ model, urls }) => {
      const { createDetector } = (window as any).veil;
      const out: Record<string, unknown[]> = {};
      const infos: Record<string, unknown> = {};
      for (const [name, options] of [
        ['jspi', { model }],
        ['asyncify', { model, workerUrl: '/test/browser/no-jspi-worker.js' }],
        ['wasm', { model, providers: ['wasm'] }],
      ] as const) {
        const detector = await createDetector({ ...options, cache: false });
        out[name] = [];
        for (const url of urls) out[name]!.push((await detector.detect(url)).raw.nudenet);
        infos[name] = { ...detector.info };
        detector.dispose();
      }
      return { out, infos, jspi: 'Suspending' in WebAssembly };
    },
    { model: modelUrl(320), urls },
  );
  expect(r.jspi, 'Chromium has JSPI').toBe(true);
  expect(r.infos.jspi).toMatchObject({ provider: 'webgpu', runtimeBuild: 'jspi' });
  expect(r.infos.asyncify).toMatchObject({ provider: 'webgpu', runtimeBuild: 'asyncify' });
  expect(r.infos.wasm).toMatchObject({ provider: 'wasm', runtimeBuild: 'wasm' });
  // Each build fetched its own .wasm, and only that one.
  const wasm = server.requests.slice(start).filter((p) => p.endsWith('.wasm'));
  expect(new Set(wasm)).toEqual(new Set(['/dist/ort-wasm-simd-threaded.jspi.wasm', '/dist/ort-wasm-simd-threaded.asyncify.wasm', '/dist/ort-wasm-simd-threaded.wasm']));
  let detections = 0;
  for (const build of ['jspi', 'asyncify']) {
    urls.forEach((url, i) => {
      const diff = compareDetections(r.out[build]![i] as ReferenceDetection[], r.out.wasm![i] as ReferenceDetection[]);
      expect.soft(diff.sameClasses, `${build} ${url}`).toBe(true);
      expect.soft(diff.boxPx, `${build} ${url}`).toBeLessThanOrEqual(2);
      expect.soft(diff.score, `${build} ${url}`).toBeLessThanOrEqual(0.02);
      detections += (r.out.wasm![i] as unknown[]).length;
    });
  }
  expect(detections).toBeGreaterThan(2);
});

test('the YOLOv8n-shaped twin (every op of the real 320n) builds and runs on WebGPU', async ({ harness, page }) => {
  test.setTimeout(300_000);
  await harness.open();
  const r = await page.evaluate(async (url) => {
    const { createDetector } = (window as any).veil;
    const detector = await createDetector({ model: '/public/models/yolov8n-twin-320.onnx' });
    const result = await detector.detect(url);
    detector.dispose();
    return { provider: result.runtime.provider, detections: result.detections, decision: result.decision };
  }, imageUrl('landscape-640x480.jpg'));
  expect(r).toEqual({ provider: 'webgpu', detections: [], decision: 'pass' });
});

test('a lost GPU device: the session is rebuilt on WASM and the call completes', async ({ harness, page }) => {
  test.setTimeout(300_000);
  await harness.open();
  // Keep a handle on the GPUDevice the worker creates, so the test can destroy it.
  page.on('worker', (worker) => {
    if (!/\/dist\/worker\.js$/.test(worker.url())) return;
    void worker
      .evaluate(() => {
        const devices: GPUDevice[] = ((self as any).__testDevices = []);
        const requestDevice = GPUAdapter.prototype.requestDevice;
        GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, ...args: Parameters<GPUAdapter['requestDevice']>) {
          const device = await requestDevice.apply(this, args);
          devices.push(device);
          return device;
        };
      })
      .catch(() => undefined);
  });
  const before = await page.evaluate(async (model) => {
    (window as any).detector = await (window as any).veil.createDetector({ model, cache: false });
    const r = await (window as any).detector.detect('/test/.cache/images/landscape-640x480.jpg');
    return r.runtime.provider;
  }, modelUrl(320));
  expect(before).toBe('webgpu');
  const worker = page.workers().find((w) => /\/dist\/worker\.js$/.test(w.url()))!;
  expect(await worker.evaluate(() => (self as any).__testDevices.map((d: GPUDevice) => (d.destroy(), 1)).length)).toBeGreaterThan(0);

  const after = await page.evaluate(async () => {
    const results = [];
    for (const name of ['portrait-480x640.png', 'landscape-640x480.jpg']) results.push(await (window as any).detector.detect(`/test/.cache/images/${name}`));
    return results.map((r: any) => ({ provider: r.runtime.provider, decision: r.decision, notes: r.notes }));
  });
  expect(after.map((r) => [r.provider, r.decision])).toEqual([['wasm', 'block'], ['wasm', 'block']]);
  expect(after[0]!.notes).toContain('WebGPU failed during inference (the GPU device was lost); the model was rebuilt on WASM.');
});
