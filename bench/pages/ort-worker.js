// The bare onnxruntime-web baseline: the WASM build Veil loads (same .wasm
// binary), one session on the same model with the same options, and nothing
// but session.run inside the timer.
import * as ort from '/node_modules/onnxruntime-web/dist/ort.wasm.bundle.min.mjs';

let session = null;
let input = null;

async function open({ model, threads, options }) {
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  ort.env.logLevel = 'error';
  if (session) await session.release();
  const started = performance.now();
  session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], ...options });
  const size = session.inputMetadata[0].shape[2];
  // Values do not change the cost of a dense convolutional network; a mid-grey tensor will do.
  input = new ort.Tensor('float32', new Float32Array(3 * size * size).fill(0.5), [1, 3, size, size]);
  return { createMs: performance.now() - started, size };
}

async function run({ runs, tensor }) {
  if (tensor) input = new ort.Tensor('float32', tensor, input.dims);
  const times = [];
  let values = null;
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const outputs = await session.run({ [session.inputNames[0]]: input });
    times.push(performance.now() - t0);
    const output = outputs[session.outputNames[0]];
    if (tensor && i === runs - 1) values = output.data.slice();
    output.dispose();
  }
  return { times, wallMs: performance.now() - started, values };
}

self.onmessage = async ({ data }) => {
  try {
    const result = data.type === 'open' ? await open(data) : await run(data);
    self.postMessage({ ok: true, ...result });
  } catch (error) {
    self.postMessage({ ok: false, error: String(error?.stack ?? error) });
  }
};
