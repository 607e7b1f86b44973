// The benchmark page: Veil's built library, the bare onnxruntime-web session,
// nsfwjs and NudeNet's own in-browser demo side by side in one cross-origin
// isolated page. bench/run.mjs drives it through window.bench; every function
// returns raw samples.
import * as veil from '/dist/index.js';

const blobs = new Map();
let detector = null;
let baseline = null;
let nsfw = null;
let demo = null;
/** Detectors for the classifier's figures, by variant: NudeNet alone, the classifier alone (all threads, one thread), both. */
let variants = {};

function call(worker, message) {
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => (data.ok ? resolve(data) : reject(new Error(data.error)));
    worker.postMessage(message);
  });
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function loadImages(names) {
  for (const name of names) {
    if (blobs.has(name)) continue;
    const response = await fetch(`/bench/.cache/photo-set/${name}`);
    if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
    blobs.set(name, await response.blob());
  }
}

async function init({ model, threads, images, sessionOptions, providers = ['wasm'], withBaseline = true }) {
  await loadImages(images);
  detector?.dispose();
  // Every call must be scanned (the result cache would answer repeats), and no
  // large photo or screenshot may be refused by the default 20 MB input limit.
  detector = await veil.createDetector({ model, providers, threads, cache: false, limits: { maxBytes: 64 * 1024 * 1024 } });
  let baselineCreateMs = null;
  if (withBaseline) {
    baseline ??= new Worker('/bench/pages/ort-worker.js', { type: 'module' });
    baselineCreateMs = (await call(baseline, { type: 'open', model, threads, options: sessionOptions })).createMs;
  }
  return { info: { ...detector.info }, baselineCreateMs, cores: navigator.hardwareConcurrency, isolated: crossOriginIsolated };
}

async function initNsfwjs({ threads }) {
  const { loadNsfwjs } = await import('/bench/.cache/nsfwjs/nsfwjs-entry.js');
  const started = performance.now();
  nsfw = await loadNsfwjs(threads);
  return { loadMs: performance.now() - started, backend: nsfw.backend, threads_asked: threads, threads_used: nsfw.threads, simd: nsfw.simd, multithread_support: nsfw.multithread };
}

async function sessionBatch({ runs }) {
  const { times } = await call(baseline, { type: 'run', runs });
  await pause(30); // let onnxruntime's threads stop spinning before anything else is timed
  return times;
}

async function detectBatch({ name, reps }) {
  const blob = blobs.get(name);
  const times = [];
  const stages = [];
  for (let i = 0; i < reps; i++) {
    const started = performance.now();
    const result = await detector.detect(blob);
    times.push(performance.now() - started);
    stages.push(result.timings);
  }
  await pause(30);
  return { times, stages };
}

async function nsfwBatch({ name, reps }) {
  const blob = blobs.get(name);
  const times = [];
  const classifyTimes = [];
  let top = null;
  for (let i = 0; i < reps; i++) {
    const started = performance.now();
    // nsfwjs classifies decoded pixels; the browser's decoder gives it the same bytes Veil gets.
    const bitmap = await createImageBitmap(blob);
    const decoded = performance.now();
    const predictions = await nsfw.model.classify(bitmap);
    const done = performance.now();
    bitmap.close();
    times.push(done - started);
    classifyTimes.push(done - decoded);
    top = predictions[0];
  }
  await pause(30);
  return { times, classifyTimes, top };
}

/** NudeNet's in-browser demo pipeline (bench/pages/nudenet-demo.js), on the main thread as the demo runs it. */
async function initNudenetDemo({ model, nmsModel, threads }) {
  demo ??= await import('/bench/pages/nudenet-demo.js');
  return demo.initNudenetDemo({ model, nmsModel, threads });
}

async function nudenetDemoBatch({ name, reps }) {
  const blob = blobs.get(name);
  const times = [];
  const stages = [];
  let boxes = 0;
  for (let i = 0; i < reps; i++) {
    const run = await demo.nudenetDemoDetect(blob);
    times.push(run.ms);
    stages.push(run.stages);
    boxes = run.boxes;
  }
  await pause(30);
  return { times, stages, boxes };
}

/**
 * One detector per variant, all alive at once so that their runs can be taken in
 * turns. The classifier loads by its file here (the bench serves the repository
 * root, not the demo's public folder), with the same description as its built-in name.
 */
async function initVariants({ model, classifier, threads, images }) {
  await loadImages(images);
  for (const d of Object.values(variants)) d.dispose();
  const common = { providers: ['wasm'], cache: false, limits: { maxBytes: 64 * 1024 * 1024 } };
  const named = { name: classifier.name, model: classifier.url };
  const make = (options) => veil.createDetector({ ...common, threads, ...options });
  variants = {
    nudenet: await make({ model }),
    classifier: await make({ classifier: named }),
    // nsfwjs on TensorFlow.js runs on one thread (tensorflow/tfjs#8513): the same network on one thread too.
    classifier_one_thread: await make({ classifier: named, threads: 1 }),
    both: await make({ model, classifier: named }),
  };
  return Object.fromEntries(Object.entries(variants).map(([k, d]) => [k, { ...d.info }]));
}

async function variantBatch({ variant, name, reps }) {
  const blob = blobs.get(name);
  const times = [];
  const stages = [];
  let top = null;
  for (let i = 0; i < reps; i++) {
    const started = performance.now();
    const result = await variants[variant].detect(blob);
    times.push(performance.now() - started);
    stages.push(result.timings);
    const p = result.raw.classifier?.probabilities;
    if (p) top = Object.entries(p).sort((a, b) => b[1] - a[1])[0];
  }
  await pause(30);
  return { times, stages, top: top && { className: top[0], probability: top[1] } };
}

/** A second detector from another build of the library (`lib`: its index.js), for `feed({ other: true })`. */
let other = null;
async function initOther({ lib, model, threads }) {
  const { createDetector } = await import(lib);
  other?.dispose();
  other = await createDetector({ model, providers: ['wasm'], threads, cache: false, limits: { maxBytes: 64 * 1024 * 1024 } });
  return { info: { ...other.info } };
}

/** Screens `names` all at once, as a feed does, counting main-thread tasks over 50 ms meanwhile; `other`: with initOther's detector. */
async function feed({ names, other: useOther = false }) {
  const screening = useOther ? other : detector;
  const longTasks = [];
  const observer = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration)));
  observer.observe({ type: 'longtask' });
  const started = performance.now();
  const results = await Promise.all(names.map((name) => screening.detect(blobs.get(name))));
  const ms = performance.now() - started;
  await pause(100); // long-task entries are delivered asynchronously
  observer.disconnect();
  await pause(30);
  const total = (key) => results.reduce((sum, r) => sum + r.timings[key], 0);
  const stagesMs = Object.fromEntries(['decode_ms', 'preprocess_ms', 'inference_ms', 'postprocess_ms'].map((k) => [k, total(k)]));
  return { ms, count: results.length, longTasks, stagesMs };
}

/** The bare session run back to back `runs` times: what the session alone allows. */
async function bareFeed({ runs }) {
  const { wallMs } = await call(baseline, { type: 'run', runs });
  await pause(30);
  return { ms: wallMs, count: runs };
}

async function detectMany({ names, count }) {
  for (let i = 0; i < count; i++) await detector.detect(blobs.get(names[i % names.length]));
  await pause(30);
  return count;
}

/** Raw output0 of the bare session on one preprocessed image, for comparing two models' numbers. */
async function rawOutput({ tensor }) {
  const { values } = await call(baseline, { type: 'run', runs: 1, tensor });
  return Array.from(values);
}

window.bench = { initOther, init, initNsfwjs, initNudenetDemo, nudenetDemoBatch, initVariants, variantBatch, sessionBatch, detectBatch, nsfwBatch, feed, bareFeed, detectMany, rawOutput };
window.dispatchEvent(new Event('bench-ready'));
