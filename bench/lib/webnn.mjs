// @ts-check
/**
 * WebNN would hand the model to the platform's own ML runtime (XNNPACK or
 * TFLite with FMA on a CPU), the one road past WebAssembly's speed on a CPU.
 * onnxruntime-web has a WebNN execution provider; this probe records whether the
 * browser offers WebNN at all, by default and with Chromium's feature flag.
 */
import { chromium } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.mjs';

/** @param {import('./server.mjs').BenchServer} server */
export async function probeWebNn(server) {
  /** @type {Record<string, Record<string, string>>} */
  const found = {};
  for (const [name, flags] of /** @type {const} */ ([
    ['default', []],
    ['--enable-features=WebMachineLearningNeuralNetwork', ['--enable-features=WebMachineLearningNeuralNetwork']],
  ])) {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...flags] });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/bench/pages/blank.html`);
      found[name] = await page.evaluate(async () => {
        const ml = /** @type {any} */ (navigator).ml;
        if (!ml) return { navigator_ml: 'absent' };
        /** @type {Record<string, string>} */
        const contexts = { navigator_ml: 'present' };
        for (const deviceType of ['cpu', 'gpu', 'npu']) {
          contexts[deviceType] = await ml.createContext({ deviceType }).then(
            () => 'context created',
            (/** @type {Error} */ error) => `${error.name}: ${error.message}`,
          );
        }
        return contexts;
      });
    } finally {
      await browser.close();
    }
  }
  return found;
}
