// nsfwjs as its README shows it, with its default model (MobileNetV2, bundled in
// the npm package, so nothing is downloaded from the internet) on TensorFlow.js's
// WASM backend. Bundled by bench/run.mjs with Vite into bench/.cache/nsfwjs/.
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { load } from 'nsfwjs/core';
import { MobileNetV2Model } from 'nsfwjs/models/mobilenet_v2';

export async function loadNsfwjs(threads) {
  setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  setThreadsCount(threads);
  await tf.setBackend('wasm');
  await tf.ready();
  const model = await load('MobileNetV2', { modelDefinitions: [MobileNetV2Model] });
  return { model, backend: tf.getBackend(), threads: tf.backend().wasm?.tfjs?.getThreadsCount?.() ?? threads };
}
