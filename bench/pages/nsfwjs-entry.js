// nsfwjs as its README shows it, with its default model (MobileNetV2, bundled in
// the npm package, so nothing is downloaded from the internet) on TensorFlow.js's
// WASM backend. Bundled by bench/run.mjs with Vite into bench/.cache/nsfwjs/.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { load } from 'nsfwjs/core';
import { MobileNetV2Model } from 'nsfwjs/models/mobilenet_v2';

/**
 * Asks TensorFlow.js for `threads` WASM threads. tfjs-backend-wasm 4.22 reports
 * (getThreadsCount) how many it really uses: 1 here, whatever is asked, which is
 * tensorflow/tfjs issue 8513; the figure goes into the results as it is.
 */
export async function loadNsfwjs(threads) {
  setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  setThreadsCount(threads);
  await tf.setBackend('wasm');
  await tf.ready();
  const model = await load('MobileNetV2', { modelDefinitions: [MobileNetV2Model] });
  return { model, backend: tf.getBackend(), threads: getThreadsCount(), simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') };
}
