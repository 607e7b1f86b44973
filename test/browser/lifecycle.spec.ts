/**
 * The detector's life: where it runs, what it downloads and caches, how it fails
 * (every failure a VeilError whose code survives the trip from the worker), and
 * how abort and dispose end calls.
 */
import { imageUrl, modelUrl } from '../support/fixture-data.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

/** Runs `body` in the page and returns the VeilError it rejects with, as plain data. */
async function failure(page: import('@playwright/test').Page, body: string, arg?: unknown) {
  return page.evaluate(
    async ({ body, arg }) => {
      const veil = (window as any).veil;
      try {
        await new Function('veil', 'arg', `return (async () => { ${body} })()`)(veil, arg);
        return { resolved: true };
      } catch (e: any) {
        return { name: e.name, code: e.code, message: e.message, isVeilError: veil.isVeilError(e), instance: e instanceof veil.VeilError };
      }
    },
    { body, arg },
  );
}

test.describe('where it runs', () => {
  test('WASM uses one thread per core on a cross-origin isolated page', async ({ harness, page }) => {
    await harness.open();
    const r = await page.evaluate(async (model) => {
      const detector = await (window as any).veil.createDetector({ model, providers: ['wasm'] });
      const info = detector.info;
      detector.dispose();
      return { info, cores: navigator.hardwareConcurrency, isolated: crossOriginIsolated };
    }, modelUrl(320));
    expect(r.isolated).toBe(true);
    expect(r.info).toMatchObject({ provider: 'wasm', threads: r.cores, inputSize: 320 });
  });

  test('WASM uses one thread without isolation, and threads > 1 is refused there', async ({ harness, page }) => {
    await harness.open({ isolated: false });
    const r = await page.evaluate(async (model) => {
      const detector = await (window as any).veil.createDetector({ model, providers: ['wasm'] });
      const info = detector.info;
      const result = await detector.detect('/test/.cache/images/landscape-640x480.jpg');
      detector.dispose();
      return { info, isolated: crossOriginIsolated, runtime: result.runtime };
    }, modelUrl(320));
    expect(r.isolated).toBe(false);
    expect(r.info.threads).toBe(1);
    expect(r.runtime).toMatchObject({ location: 'local', provider: 'wasm', threads: 1, input_size: 320 });
    const error = await failure(page, `await veil.createDetector({ model: arg, threads: 2 })`, modelUrl(320));
    expect(error).toMatchObject({ code: '4001', isVeilError: true });
    expect(error.message).toContain('cross-origin isolated');
  });

  test('without WebGPU the default providers fall back to WASM and say why', async ({ harness, page }) => {
    await harness.open();
    const r = await page.evaluate(async ({ model, url }) => {
      const detector = await (window as any).veil.createDetector({ model });
      const result = await detector.detect(url);
      detector.dispose();
      return { info: detector.info, notes: result.notes };
    }, { model: modelUrl(320), url: imageUrl('landscape-640x480.jpg') });
    expect(r.info.provider).toBe('wasm');
    expect(r.info.notes).toHaveLength(1);
    expect(r.info.notes[0]).toMatch(/^WebGPU skipped: /);
    expect(r.notes).toEqual(r.info.notes);
  });

  test('the input size is read from the model: the 640 fixture runs unchanged', async ({ harness, page }) => {
    await harness.open();
    const r = await page.evaluate(async (model) => {
      const detector = await (window as any).veil.createDetector({ model, providers: ['wasm'] });
      const result = await detector.detect('/test/.cache/images/large-1920x1080.jpg');
      detector.dispose();
      return result;
    }, modelUrl(640));
    expect(r.runtime.input_size).toBe(640);
    expect(r.detections.map((d: any) => d.cls)).toEqual(['MALE_GENITALIA_EXPOSED', 'FEMALE_GENITALIA_EXPOSED']);
  });
});

test.describe('model loading', () => {
  test('nothing heavy loads until createDetector; the model is downloaded once, then served from Cache Storage', async ({ harness, page, server }) => {
    const start = server.requests.length;
    await harness.open();
    await page.waitForTimeout(200);
    const requests = () => server.requests.slice(start);
    expect(requests()).toContain('/dist/index.js');
    expect(requests().filter((p) => /ort|wasm|onnx|worker/.test(p))).toEqual([]);

    const runs = await page.evaluate(async (model) => {
      await caches.delete('veil-models-v1');
      const runs = [];
      for (let i = 0; i < 2; i++) {
        const progress: any[] = [];
        const detector = await (window as any).veil.createDetector({ model, providers: ['wasm'], onProgress: (p: any) => progress.push(p) });
        runs.push({ cached: detector.info.modelCached, progress });
        detector.dispose();
      }
      return runs;
    }, modelUrl(320));
    expect(requests().filter((p) => p.endsWith('veil-fixture-320.onnx'))).toHaveLength(1);
    expect(runs[0]!.cached).toBe(false);
    expect(runs[1]!.cached).toBe(true);
    const first = runs[0]!.progress;
    expect(first.length).toBeGreaterThan(0);
    expect(first.at(-1)).toMatchObject({ cached: false });
    expect(first.at(-1).loaded).toBe(first.at(-1).total);
    expect(first.at(-1).total).toBeGreaterThan(1000);
    expect(runs[1]!.progress).toEqual([expect.objectContaining({ cached: true, loaded: first.at(-1).total })]);
  });

  test('a model passed as bytes works like one fetched', async ({ harness, page }) => {
    await harness.open();
    const classes = await page.evaluate(async ({ model, url }) => {
      const bytes = await (await fetch(model)).arrayBuffer();
      const detector = await (window as any).veil.createDetector({ model: new Uint8Array(bytes), providers: ['wasm'] });
      const r = await detector.detect(url);
      detector.dispose();
      return { classes: r.detections.map((d: any) => d.cls), model: r.runtime.model };
    }, { model: modelUrl(320), url: imageUrl('landscape-640x480.jpg') });
    expect(classes).toEqual({ classes: ['FEMALE_BREAST_EXPOSED', 'FACE_FEMALE', 'ANUS_EXPOSED'], model: 'buffer' });
  });
});

test.describe('failures are VeilErrors with the gateway codes, across the worker', () => {
  test.beforeEach(async ({ harness }) => harness.open());

  test('a model URL that 404s: 5010 naming the status and what to do', async ({ page }) => {
    const e = await failure(page, `await veil.createDetector({ model: '/public/models/320n-missing.onnx' })`);
    expect(e).toMatchObject({ name: 'VeilError', code: '5010', isVeilError: true, instance: true });
    expect(e.message).toContain('HTTP 404');
    expect(e.message).toContain('npx veil-nsfw models 320n');
  });

  test('a model that is not NudeNet: 5010 saying what it takes and gives', async ({ page }) => {
    const e = await failure(page, `await veil.createDetector({ model: '/public/models/bad-inputs.onnx', providers: ['wasm'] })`);
    expect(e).toMatchObject({ code: '5010' });
    expect(e.message).toMatch(/takes pixels \[1,3,64,64\].*where NudeNet takes images \[1,3,S,S\]/);
  });

  test('a corrupt model file: 5010', async ({ page }) => {
    const e = await failure(page, `await veil.createDetector({ model: new Uint8Array(5000).fill(7), providers: ['wasm'] })`);
    expect(e).toMatchObject({ code: '5010' });
    expect(e.message).toContain('could not be read as ONNX');
  });

  test('bad options are refused before any worker starts: 4001', async ({ page }) => {
    for (const [options, text] of [
      [`{ model: arg, providers: ['webgl'] }`, 'Unsupported provider "webgl"'],
      [`{ providers: ['wasm'] }`, 'Pass `model`'],
      [`{ model: arg, policy: 'medium' }`, 'Unknown policy preset'],
      [`{ model: arg, threads: 0 }`, '`threads` must be a whole number'],
      [`{ model: arg, warmUp: 'yes' }`, '`warmUp` must be true or false'],
    ] as const) {
      const e = await failure(page, `await veil.createDetector(${options})`, modelUrl(320));
      expect(e, options).toMatchObject({ code: '4001' });
      expect(e.message).toContain(text);
    }
  });

  test('inputs that are not images, each with its code, and the detector keeps serving', async ({ page }) => {
    const r = await page.evaluate(async ({ model, url }) => {
      const veil = (window as any).veil;
      const detector = await veil.createDetector({ model, providers: ['wasm'] });
      const jpeg = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const cases: Record<string, unknown> = {
        empty: new Uint8Array(0),
        html: new File(['<!doctype html><p>hello'], 'photo.jpg', { type: 'image/jpeg' }),
        svg: new Blob(['<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'], { type: 'image/svg+xml' }),
        truncated: jpeg.slice(0, 600),
        notBase64: 'data:image/png;base64,@@@@',
        url404: '/__status/404',
        number: 42,
        emptyString: '',
      };
      const out: Record<string, unknown> = {};
      for (const [name, input] of Object.entries(cases)) {
        try {
          await detector.detect(input);
          out[name] = 'resolved';
        } catch (e: any) {
          out[name] = { code: e.code, message: e.message, isVeilError: veil.isVeilError(e) };
        }
      }
      out.after = (await detector.detect(url)).decision;
      detector.dispose();
      return out;
    }, { model: modelUrl(320), url: imageUrl('landscape-640x480.jpg') });
    expect(r).toMatchObject({
      empty: { code: '4000', isVeilError: true },
      html: { code: '4002' },
      svg: { code: '4002', message: expect.stringContaining('SVG images can carry script and are refused: set limits.allowSvg') },
      truncated: { code: '4003', message: expect.stringContaining('truncated or corrupt') },
      notBase64: { code: '4000' },
      url404: { code: '4005', message: expect.stringContaining('HTTP 404') },
      number: { code: '4000', message: expect.stringContaining('cannot read a number') },
      emptyString: { code: '4000' },
      after: 'block',
    });
  });
});

test.describe('warm-up', () => {
  test('warmUp() runs the model until its times settle, then has nothing left to do; an image waiting stops it', async ({ harness, page }) => {
    await harness.open();
    // An image that takes a while to arrive keeps the worker busy for as long.
    await page.route('**/slow/landscape.jpg', async (route) => {
      await new Promise((later) => setTimeout(later, 1500));
      await route.fulfill({ path: `test/.cache/images/landscape-640x480.jpg`, contentType: 'image/jpeg' });
    });
    const r = await page.evaluate(async (model) => {
      const { createDetector } = (window as any).veil;
      const a = await createDetector({ model, providers: ['wasm'], warmUp: false });
      const first = await a.warmUp();
      const again = await a.warmUp();
      a.dispose();
      const b = await createDetector({ model, providers: ['wasm'], warmUp: false });
      const screening = b.detect('/slow/landscape.jpg');
      await new Promise((posted) => setTimeout(posted, 200)); // the image's call has reached the worker
      const interrupted = await b.warmUp();
      const result = await screening;
      b.dispose();
      return { first: first.inference_ms, again: again.inference_ms, interrupted: interrupted.inference_ms, width: result.input.width, notes: result.notes };
    }, modelUrl(320));
    expect(r.first.length).toBeGreaterThanOrEqual(2);
    expect(r.first.length).toBeLessThanOrEqual(8);
    expect(r.again).toEqual([]);
    expect(r.interrupted).toEqual([]);
    expect(r.width).toBe(640);
  });

  test('a detector warms itself up once the page is idle, unless warmUp: false', async ({ harness, page }) => {
    await harness.open();
    // Comlink's calls to the worker, by method name.
    await page.evaluate(() => {
      const w = window as any;
      w.calls = [];
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (this: Worker, message: any, ...rest: any[]) {
        if (message?.type === 'APPLY') w.calls.push(message.path.join('.'));
        return (post as any).call(this, message, ...rest);
      };
    });
    const calls = () => page.evaluate(() => (window as any).calls as string[]);
    await page.evaluate((model) => (window as any).veil.createDetector({ model, providers: ['wasm'], warmUp: false }).then((d: any) => ((window as any).off = d)), modelUrl(320));
    await page.waitForTimeout(2500); // idle all along: requestIdleCallback's deadline is 2 s
    // `hold`: the worker takes its life lock before it loads anything.
    expect(await calls()).toEqual(['hold', 'init']);
    await page.evaluate((model) => (window as any).veil.createDetector({ model, providers: ['wasm'] }).then((d: any) => ((window as any).on = d)), modelUrl(320));
    await expect.poll(calls).toEqual(['hold', 'init', 'hold', 'init', 'warmUp']);
  });
});

test.describe('abort and dispose', () => {
  test.beforeEach(async ({ harness }) => harness.open());

  test('an aborted signal rejects with 4099, drops queued calls, and the rest complete', async ({ page }) => {
    const r = await page.evaluate(async ({ model, url }) => {
      const veil = (window as any).veil;
      const detector = await veil.createDetector({ model, providers: ['wasm'] });
      const blob = await (await fetch(url)).blob();
      const settle = (p: Promise<any>) => p.then((x) => x.decision, (e) => e.code);
      const already = settle(detector.detect(blob, { signal: AbortSignal.abort() }));
      const controller = new AbortController();
      const calls = [
        settle(detector.detect(blob)),
        settle(detector.detect(blob, { signal: controller.signal })),
        settle(detector.detect(blob, { signal: controller.signal })),
        settle(detector.detect(blob)),
      ];
      controller.abort();
      const out = { already: await already, calls: await Promise.all(calls) };
      detector.dispose();
      return out;
    }, { model: modelUrl(320), url: imageUrl('landscape-640x480.jpg') });
    expect(r).toEqual({ already: '4099', calls: ['block', '4099', '4099', 'block'] });
  });

  test('dispose rejects pending calls with 4100, later calls too, and is safe twice', async ({ page }) => {
    const r = await page.evaluate(async ({ model, url }) => {
      const detector = await (window as any).veil.createDetector({ model, providers: ['wasm'] });
      const pending = [detector.detect(url), detector.detect(url)].map((p: Promise<any>) => p.then(() => 'resolved', (e: any) => e.code));
      detector.dispose();
      detector.dispose();
      const after = await detector.detect(url).then(() => 'resolved', (e: any) => [e.code, e.message]);
      return { pending: await Promise.all(pending), after };
    }, { model: modelUrl(320), url: imageUrl('landscape-640x480.jpg') });
    expect(r.pending).toEqual(['4100', '4100']);
    expect(r.after).toEqual(['4100', 'This detector was disposed: create a new one with createDetector().']);
  });

  test('setPolicy changes the decision of later calls', async ({ page }) => {
    const decisions = await page.evaluate(async ({ model, url }) => {
      const detector = await (window as any).veil.createDetector({ model, providers: ['wasm'], policy: 'lenient' });
      const out = [(await detector.detect(url)).decision];
      detector.setPolicy({ classes: { FEMALE_BREAST_EXPOSED: { category: 'ignore' } } });
      out.push((await detector.detect(url)).decision);
      detector.dispose();
      return out;
    }, { model: modelUrl(320), url: imageUrl('landscape-640x480.jpg') });
    // red (0.90 exposed breast) blocks; ignoring it leaves the 0.30 anus, which balanced passes
    expect(decisions).toEqual(['block', 'pass']);
  });
});

test.describe('results remembered by SHA-256', () => {
  test('the same image is not scanned twice; the policy still applies to a remembered answer', async ({ harness, page }) => {
    await harness.open();
    const r = await page.evaluate(async ({ model, url }) => {
      const detector = await (window as any).veil.createDetector({ model, providers: ['wasm'] });
      const first = await detector.detect(url);
      const bytes = await (await fetch(url)).arrayBuffer();
      const again = await detector.detect(bytes);
      detector.setPolicy({ classes: { FEMALE_BREAST_EXPOSED: { category: 'ignore' } } });
      const relaxed = await detector.detect(bytes);
      detector.dispose();
      return { first, again, relaxed };
    }, { model: modelUrl(320), url: imageUrl('landscape-640x480.jpg') });
    expect(r.first.timings).toBeDefined();
    expect(r.again.notes).toContain('Answered from the cache: this image was screened before with the same model.');
    expect(r.again.timings).toBeUndefined();
    expect(r.again.detections).toEqual(r.first.detections);
    expect(r.again.input).toMatchObject({ type: 'bytes', sha256: r.first.input.sha256, width: 640, height: 480 });
    expect([r.first.decision, r.relaxed.decision]).toEqual(['block', 'pass']);
  });

  test("with cache: 'indexeddb' a result survives a page load", async ({ harness, page }) => {
    await harness.open();
    const run = () =>
      page.evaluate(async ({ model, url }) => {
        const detector = await (window as any).veil.createDetector({ model, providers: ['wasm'], cache: 'indexeddb' });
        const result = await detector.detect(url);
        detector.dispose();
        return result.notes;
      }, { model: modelUrl(320), url: imageUrl('portrait-480x640.png') });
    await page.evaluate(() => new Promise((resolve) => { const r = indexedDB.deleteDatabase('veil-cache'); r.onsuccess = r.onerror = resolve; }));
    expect(await run()).toEqual([]);
    await page.reload();
    await page.waitForFunction(() => 'veil' in window);
    expect(await run()).toContain('Answered from the cache: this image was screened before with the same model.');
  });
});
