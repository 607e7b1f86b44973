// @ts-check
/**
 * WebGPU is timed only on an adapter that is not a software fallback: Chromium's
 * SwiftShader adapter is correct but far too slow to say anything about a GPU.
 * Chromium on Linux exposes WebGPU only with --enable-unsafe-webgpu; nothing forces
 * SwiftShader here, so a real GPU with working drivers would be found.
 */
import { chromium } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.mjs';
import { summary } from './stats.mjs';

/**
 * @param {import('./server.mjs').BenchServer} server
 * @param {{ model: string, image: string, reps: number }} run
 */
export async function probeWebGpu(server, run) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--enable-unsafe-webgpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/bench/pages/blank.html`);
    const probe = await page.evaluate(async () => {
      const gpu = /** @type {any} */ (navigator).gpu;
      if (!gpu) return { adapter: null, why: 'navigator.gpu is missing' };
      const adapter = await gpu.requestAdapter().catch(() => null);
      if (!adapter) return { adapter: null, why: 'requestAdapter() found no adapter' };
      const info = adapter.info ?? {};
      return { adapter: { vendor: info.vendor, architecture: info.architecture, description: info.description, fallback: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) }, why: '' };
    });
    const software = probe.adapter && (probe.adapter.fallback || /swiftshader|llvmpipe|software/i.test(`${probe.adapter.vendor} ${probe.adapter.architecture} ${probe.adapter.description}`));
    if (!probe.adapter || software) {
      return {
        measured: false,
        adapter: probe.adapter,
        reason: probe.adapter
          ? `Only a software adapter (${probe.adapter.vendor || probe.adapter.description || 'fallback'}) exists here: timing it would say nothing about WebGPU on a GPU.`
          : `No WebGPU adapter on this machine (${probe.why}); WebGPU was not timed.`,
      };
    }
    await page.goto(`${server.url}/bench/pages/bench.html`);
    await page.waitForFunction(() => 'bench' in window);
    const bench = (/** @type {string} */ fn, /** @type {unknown} */ arg) =>
      page.evaluate(({ fn, arg }) => /** @type {any} */ (window).bench[fn](arg), { fn, arg });
    const setup = await bench('init', { model: run.model, providers: ['webgpu'], images: [run.image], withBaseline: false });
    await bench('detectBatch', { name: run.image, reps: 3 });
    const { times } = await bench('detectBatch', { name: run.image, reps: run.reps });
    return { measured: true, adapter: probe.adapter, provider: setup.info.provider, detect: summary(times) };
  } finally {
    await browser.close();
  }
}
