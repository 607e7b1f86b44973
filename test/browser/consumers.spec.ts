/**
 * Veil as its users get it: the packed tarball installed into fresh apps, one
 * for each common bundler and one without (test/consumers/, set up by
 * prepare.ts), each using it as the README's "Use it" shows. Each screens the fixture image and must give the library's own result
 * (the harness on /dist/index.js), with the worker, onnxruntime-web's files and
 * the model all fetched from the app's own origin, on as many WASM threads as
 * the library's tests get.
 */
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { createServer as viteDevServer, preview as vitePreview } from 'vite';
import { test } from '../consumers/fixture.js';
import { IMAGE_PATH, MODEL_PATH } from '../consumers/prepare.js';
import { nextStart } from '../consumers/next-start.js';
import { serveStatic } from '../consumers/static-server.js';

type Result = Record<string, any>;

interface Visit {
  origin: string;
  outcome: { result: Result; info: Result; cores: number; isolated: boolean } | { error: { code: string; message: string } };
  requests: string[];
  workers: string[];
  errors: string[];
}

/**
 * Opens an app and screens the fixture image, watching the network and the
 * console: with the app's own screenImage, or with `options` for createDetector
 * from a script of the test's (the app's page, its import map).
 */
async function visit(page: Page, url: string, options?: object): Promise<Visit> {
  const requests: string[] = [];
  const workers: string[] = [];
  const errors: string[] = [];
  page.context().on('request', (request) => requests.push(request.url()));
  page.on('worker', (worker) => workers.push(worker.url()));
  page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForFunction(() => 'screenImage' in window);
  // A string, so that the page's import map resolves `veil-nsfw` and nothing here rewrites the import.
  const screen = options
    ? `async (image) => { const { createDetector } = await import('veil-nsfw'); const detector = await createDetector({ model: '${MODEL_PATH}', ...${JSON.stringify(options)} }); try { return { result: await detector.detect(image), info: detector.info }; } finally { detector.dispose(); } }`
    : '(image) => window.screenImage(image)';
  const outcome: Visit['outcome'] = await page.evaluate(`(async () => {
    try {
      const { result, info } = await (${screen})('${IMAGE_PATH}');
      return { result, info, cores: navigator.hardwareConcurrency, isolated: crossOriginIsolated };
    } catch (error) {
      return { error: { code: String(error.code), message: String(error.message) } };
    }
  })()`);
  return { origin: new URL(url).origin, outcome, requests, workers, errors };
}

const comparable = (r: Result) => ({ decision: r.decision, label: r.label, score: r.score, categories: r.categories, detections: r.detections, raw: r.raw, sha256: r.input.sha256 });

function expectLikeTheLibrary(v: Visit, reference: Result): void {
  expect(v.errors).toEqual([]);
  if ('error' in v.outcome) throw new Error(`the app failed: ${v.outcome.error.code} ${v.outcome.error.message}`);
  const { result, info, cores, isolated } = v.outcome;
  expect(result.decision).toBe('block');
  expect(result.detections.map((d: Result) => d.cls)).toContain('FEMALE_BREAST_EXPOSED');
  expect(comparable(result)).toEqual(comparable(reference));
  expect(isolated).toBe(true);
  expect(info).toMatchObject({ provider: 'wasm', threads: cores });

  const paths = v.requests.map((u) => new URL(u).pathname);
  expect(v.requests.filter((u) => !/^(data|blob):/.test(u) && new URL(u).origin !== v.origin)).toEqual([]);
  expect(v.workers.length).toBeGreaterThan(0);
  expect(v.workers.filter((u) => new URL(u).origin !== v.origin)).toEqual([]);
  expect(paths.filter((p) => p.endsWith('.wasm')).length).toBeGreaterThan(0);
  expect(paths).toContain(MODEL_PATH);
}

/** The policy of csp.spec.ts, plus the hash of the page's inline import map (CSP treats it as a script). */
function strictPolicy(indexHtml: string): string {
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(indexHtml)![1]!;
  const hash = createHash('sha256').update(importMap).digest('base64');
  return `default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-${hash}'; worker-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; object-src 'none'; base-uri 'none'; require-trusted-types-for 'script'; trusted-types veil default`;
}

test.describe('consumer apps, installed from the packed tarball', () => {
  test('no bundler: an import map, the files served as they are', async ({ apps, reference, page }) => {
    const host = await serveStatic([apps.app['no-bundler']]);
    try {
      const v = await visit(page, `${host.url}/`);
      expectLikeTheLibrary(v, reference);
      expect(v.workers).toContain(`${host.url}/node_modules/veil-nsfw/dist/worker.js`);
    } finally {
      await host.close();
    }
  });

  test('no bundler under a strict Content Security Policy with Trusted Types', async ({ apps, reference, page }) => {
    const host = await serveStatic([apps.app['no-bundler']], { csp: strictPolicy(readFileSync(join(apps.app['no-bundler'], 'index.html'), 'utf8')) });
    try {
      expectLikeTheLibrary(await visit(page, `${host.url}/`), reference);
    } finally {
      await host.close();
    }
  });

  test('no bundler, Veil\'s files hosted elsewhere on the origin: workerUrl and wasmPaths', async ({ apps, reference, page }) => {
    // The worker with its chunks and runtimes under /static/veil/, the .wasm under /static/ort/; none where the import map points.
    const dist = join(apps.app['no-bundler'], 'node_modules/veil-nsfw/dist');
    const elsewhere = join(apps.dir, 'elsewhere');
    for (const file of readdirSync(dist, { withFileTypes: true })) {
      if (file.isFile()) cpSync(join(dist, file.name), join(elsewhere, file.name.endsWith('.wasm') ? 'static/ort' : 'static/veil', file.name));
    }
    const host = await serveStatic([apps.app['no-bundler'], elsewhere], { hide: /^\/node_modules\/veil-nsfw\/dist\/(worker\.js|ort)/ });
    try {
      const v = await visit(page, `${host.url}/`, { workerUrl: '/static/veil/worker.js', wasmPaths: '/static/ort/' });
      expectLikeTheLibrary(v, reference);
      expect(v.workers).toContain(`${host.url}/static/veil/worker.js`);
      expect(v.requests).toContain(`${host.url}/static/ort/ort-wasm-simd-threaded.wasm`);
    } finally {
      await host.close();
    }
  });

  test('Vite dev server', async ({ apps, reference, page }) => {
    const server = await viteDevServer({ root: apps.app.vite, logLevel: 'warn', server: { host: '127.0.0.1', port: 0 } });
    try {
      await server.listen();
      expectLikeTheLibrary(await visit(page, server.resolvedUrls!.local[0]!), reference);
    } finally {
      await server.close();
    }
  });

  test('Vite build, served by vite preview', async ({ apps, reference, page }) => {
    const server = await vitePreview({ root: apps.app.vite, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0 } });
    try {
      expectLikeTheLibrary(await visit(page, server.resolvedUrls!.local[0]!), reference);
    } finally {
      await server.close();
    }
  });

  test('webpack 5 build, served as static files', async ({ apps, reference, page }) => {
    const host = await serveStatic([join(apps.app.webpack, 'dist'), join(apps.app.webpack, 'public')]);
    try {
      expectLikeTheLibrary(await visit(page, `${host.url}/`), reference);
    } finally {
      await host.close();
    }
  });

  for (const [name, title] of [
    ['next-turbopack', 'Next.js App Router, built with Turbopack (next build), served by next start'],
    ['next-webpack', 'Next.js App Router, built with webpack (next build --webpack), served by next start'],
  ] as const) {
    test(title, async ({ apps, reference, page }) => {
      const server = await nextStart(apps.app[name]);
      try {
        expectLikeTheLibrary(await visit(page, `${server.url}/`), reference);
      } finally {
        await server.close();
      }
    });
  }

  for (const [name, title] of [
    ['esbuild', 'esbuild (--bundle --format=esm --splitting) with `veil-nsfw assets`, served as static files'],
    ['rollup', 'Rollup 4 with node-resolve and `veil-nsfw assets`, served as static files'],
    ['parcel', 'Parcel 2 build with Veil left out of the bundle (an import map, its files copied), served as static files'],
  ] as const) {
    test(title, async ({ apps, reference, page }) => {
      const host = await serveStatic([join(apps.app[name], 'dist'), join(apps.app[name], 'public')]);
      try {
        expectLikeTheLibrary(await visit(page, `${host.url}/`), reference);
      } finally {
        await host.close();
      }
    });
  }
});

test.describe('when an app is set up wrong, the error says what to change', () => {
  test("Vite's default classic-script workers: 5031 naming worker.format", async ({ apps, page }) => {
    const server = await vitePreview({ root: apps.app.vite, logLevel: 'warn', build: { outDir: 'dist-iife' }, preview: { host: '127.0.0.1', port: 0 } });
    try {
      const { outcome } = await visit(page, server.resolvedUrls!.local[0]!);
      expect(outcome).toEqual({ error: { code: '5031', message: expect.stringContaining("Vite: worker: { format: 'es' }") } });
    } finally {
      await server.close();
    }
  });

  test('the .wasm files not served: 5020 saying which files to serve', async ({ apps, page }) => {
    const host = await serveStatic([apps.app['no-bundler']], { hide: /\.wasm$/ });
    try {
      const { outcome } = await visit(page, `${host.url}/`);
      expect(outcome).toEqual({ error: { code: '5020', message: expect.stringContaining("onnxruntime-web's files did not load") } });
    } finally {
      await host.close();
    }
  });

  test('the worker loads but a file it imports does not: 5031 naming that file', async ({ apps, page }) => {
    const dist = join(apps.app.esbuild, 'dist');
    const chunk = /from\s*"\.\/([^"]+)"/.exec(readFileSync(join(dist, 'worker.js'), 'utf8'))![1]!;
    const host = await serveStatic([dist, join(apps.app.esbuild, 'public')], { hide: new RegExp(`^/${chunk.replace(/[.$-]/g, '\\$&')}$`) });
    try {
      const { outcome } = await visit(page, `${host.url}/`);
      expect(outcome).toEqual({
        error: { code: '5031', message: expect.stringContaining(`a file it imports did not (${host.url}/${chunk}: HTTP 404)`) },
      });
      expect((outcome as { error: { message: string } }).error.message).toContain('npx veil-nsfw assets --out DIR');
    } finally {
      await host.close();
    }
  });

  test("the worker's own script not served: 5031 naming it", async ({ apps, page }) => {
    const host = await serveStatic([join(apps.app.esbuild, 'dist'), join(apps.app.esbuild, 'public')], { hide: /^\/worker\.js$/ });
    try {
      const { outcome } = await visit(page, `${host.url}/`);
      expect(outcome).toEqual({
        error: { code: '5031', message: expect.stringContaining(`The detector worker's script did not load (${host.url}/worker.js: HTTP 404)`) },
      });
    } finally {
      await host.close();
    }
  });

  test('a plain `parcel build`, Parcel bundling Veil itself: the build fails naming the fix', async ({ apps }) => {
    // Parcel 2.16 mis-bundles Veil's worker (its shared and async bundles miss modules at run time), so
    // Veil's package.json points Parcel's resolver at a file whose name says what to do instead.
    expect(apps.parcelPlainError).toContain("Failed to resolve './worker.js'");
    expect(apps.parcelPlainError).toContain('parcel-cannot-bundle-this-worker.exclude-veil-nsfw-with-targets-includeNodeModules-see-README-bundler-table');
  });
});
