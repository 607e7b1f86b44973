// @ts-check
/**
 * onnxruntime-node on the same model file: the native CPU reference. Its own
 * defaults otherwise (all graph optimisations, which on x86 include the NCHWc
 * layout with AVX2/AVX-512 kernels), with as many intra-op threads as cores,
 * like the browser's WASM runs.
 */
import { readFileSync } from 'node:fs';

/** @param {string} modelPath @param {number} threads */
export async function openNative(modelPath, threads) {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(readFileSync(modelPath), {
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
  });
  const dims = /** @type {number[]} */ (session.inputMetadata[0].isTensor ? session.inputMetadata[0].shape : []);
  const size = dims[2];
  const input = new ort.Tensor('float32', new Float32Array(3 * size * size).fill(0.5), [1, 3, size, size]);
  const feeds = { [session.inputNames[0]]: input };
  return {
    /** @param {number} runs */
    async batch(runs) {
      const times = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        await session.run(feeds);
        times.push(performance.now() - started);
      }
      // onnxruntime's pool spins a little after each run; let it settle before the browser is timed.
      await new Promise((resolve) => setTimeout(resolve, 30));
      return times;
    },
    /** @param {Float32Array} tensor */
    async output(tensor) {
      const outputs = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', tensor, [1, 3, size, size]) });
      return /** @type {Float32Array} */ (outputs[session.outputNames[0]].data);
    },
    release: () => session.release(),
  };
}
