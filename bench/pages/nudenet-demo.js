// NudeNet's own in-browser demo (github.com/notAI-tech/NudeNet, folder in_browser:
// src/App.js and src/utils/detect.js), rebuilt without React for the benchmark:
// onnxruntime-web on the main thread, as the demo runs it; the image shown in an
// <img> from an object URL, then read by opencv.js (@techstark/opencv-js, the
// version the demo pins), turned to BGR, padded to a square with black, and
// cv.blobFromImage'd to 320x320 RGB in [0, 1]; the detector, then the demo's NMS
// model (bench/lib/nms-model.mjs rebuilds it node for node) with its settings
// (top 100 per class, IoU 0.45, score 0.25); the boxes scaled back. Left out: the
// React state and drawing the boxes on a canvas, which is display, not decision.
import * as ort from '/node_modules/onnxruntime-web/dist/ort.wasm.bundle.min.mjs';

const TOPK = 100;
const IOU_THRESHOLD = 0.45;
const SCORE_THRESHOLD = 0.25;
const INPUT_SHAPE = [1, 3, 320, 320];

let cv = null;
let session = null;

/**
 * opencv.js as the demo's bundle loads it: one script, ready at onRuntimeInitialized.
 * The module has a `then` of its own (Emscripten's), so it is handed over in a box:
 * resolving a promise with it would call that `then` for ever.
 */
function loadOpenCv() {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/node_modules/@techstark/opencv-js/dist/opencv.js';
    script.onerror = () => reject(new Error('opencv.js did not load'));
    script.onload = () => {
      const module = window.cv;
      if (module.Mat) resolve({ module });
      else module.onRuntimeInitialized = () => resolve({ module });
    };
    document.head.append(script);
  });
}

const download = async (url) => (await fetch(url)).arrayBuffer();

/**
 * The demo's start-up: opencv.js, both sessions with onnxruntime-web's defaults, a
 * warm-up run. `threads` is set as Veil's (the demo leaves onnxruntime's default,
 * which on 2 cores is 1 thread): the same threads for both.
 */
export async function initNudenetDemo({ model, nmsModel, threads }) {
  const started = performance.now();
  cv ??= (await loadOpenCv()).module;
  const cvMs = performance.now() - started;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  ort.env.logLevel = 'error';
  const net = await ort.InferenceSession.create(await download(model));
  const nms = await ort.InferenceSession.create(await download(nmsModel));
  await net.run({ images: new ort.Tensor('float32', new Float32Array(INPUT_SHAPE.reduce((a, b) => a * b)), INPUT_SHAPE) });
  session = { net, nms };
  return { opencvMs: cvMs, readyMs: performance.now() - started, threads, opencv: cv.getBuildInformation?.().match(/General configuration for OpenCV ([^\s=]+)/)?.[1] ?? null };
}

/** detect.js's preprocessing, line for line. */
function preprocessing(source, modelWidth, modelHeight) {
  const mat = cv.imread(source);
  const matC3 = new cv.Mat(mat.rows, mat.cols, cv.CV_8UC3);
  cv.cvtColor(mat, matC3, cv.COLOR_RGBA2BGR);
  const maxSize = Math.max(matC3.rows, matC3.cols);
  const xPad = maxSize - matC3.cols;
  const xRatio = maxSize / matC3.cols;
  const yPad = maxSize - matC3.rows;
  const yRatio = maxSize / matC3.rows;
  const matPad = new cv.Mat();
  cv.copyMakeBorder(matC3, matPad, 0, yPad, 0, xPad, cv.BORDER_CONSTANT);
  const input = cv.blobFromImage(matPad, 1 / 255.0, new cv.Size(modelWidth, modelHeight), new cv.Scalar(0, 0, 0), true, false);
  mat.delete();
  matC3.delete();
  matPad.delete();
  return [input, xRatio, yRatio];
}

/** The file input's change handler and the <img>'s load, as the demo has them. */
function show(blob) {
  const url = URL.createObjectURL(blob);
  const image = new Image();
  return new Promise((resolve, reject) => {
    image.onload = () => resolve({ image, url });
    image.onerror = () => reject(new Error('the <img> could not show the file'));
    image.src = url;
  });
}

/** One image from its bytes to the boxes, with where the time went. */
export async function nudenetDemoDetect(blob) {
  const t0 = performance.now();
  const { image, url } = await show(blob);
  const t1 = performance.now();
  const [modelWidth, modelHeight] = INPUT_SHAPE.slice(2);
  const [input, xRatio, yRatio] = preprocessing(image, modelWidth, modelHeight);
  const tensor = new ort.Tensor('float32', input.data32F, INPUT_SHAPE);
  const config = new ort.Tensor('float32', new Float32Array([TOPK, IOU_THRESHOLD, SCORE_THRESHOLD]));
  const t2 = performance.now();
  const { output0 } = await session.net.run({ images: tensor });
  const t3 = performance.now();
  const { selected } = await session.nms.run({ detection: output0, config });
  const boxes = [];
  for (let idx = 0; idx < selected.dims[1]; idx++) {
    const data = selected.data.slice(idx * selected.dims[2], (idx + 1) * selected.dims[2]);
    const box = data.slice(0, 4);
    const scores = data.slice(4);
    const score = Math.max(...scores);
    const label = scores.indexOf(score);
    boxes.push({ label, probability: score, bounding: [(box[0] - 0.5 * box[2]) * xRatio, (box[1] - 0.5 * box[3]) * yRatio, box[2] * xRatio, box[3] * yRatio] });
  }
  input.delete();
  URL.revokeObjectURL(url);
  const t4 = performance.now();
  return { ms: t4 - t0, stages: { load_ms: t1 - t0, preprocess_ms: t2 - t1, inference_ms: t3 - t2, nms_ms: t4 - t3 }, boxes: boxes.length };
}
