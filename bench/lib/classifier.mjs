// @ts-check
/**
 * The whole-image classifier in the benchmark, two questions on the same images
 * in the same page, every contender taken in turns (one run each, image after
 * image) so that all meet the same load:
 *   - what the classifier costs in detect(): NudeNet alone, the classifier alone,
 *     both (one decode shared), per image;
 *   - one network on two runtimes: nsfwjs's MobileNetV2 as Veil runs it
 *     (converted to ONNX, onnxruntime-web) against nsfwjs itself (TensorFlow.js,
 *     WASM backend), the same weights. TF.js uses one thread whatever it is asked
 *     (tensorflow/tfjs#8513), so Veil's classifier is also timed on one thread.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { MODELS_DIR } from './prepare.mjs';
import { ROOT } from './server.mjs';
import { median, round, summary } from './stats.mjs';

export const CLASSIFIER = 'nsfwjs-mobilenet-v2';
/** The contenders, in the order each turn runs them; `nsfwjs` is nsfwjs itself, the rest Veil's detect(). */
export const VARIANTS = ['nudenet', 'classifier', 'classifier_one_thread', 'both'];

/** Converts the classifier from the installed nsfwjs package (offline; skipped when the file is already valid). */
export function prepareClassifier() {
  const file = `${CLASSIFIER}.onnx`;
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/cli/main.ts'), 'models', CLASSIFIER, '--out', MODELS_DIR], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const path = join(MODELS_DIR, file);
  return { name: CLASSIFIER, file, path, url: `/public/models/${file}`, bytes: statSync(path).size };
}

/**
 * @typedef {(page: import('@playwright/test').Page, fn: string, arg?: unknown) => Promise<any>} InPage
 * @param {import('@playwright/test').Page} page a bench page where nsfwjs is loaded (initNsfwjs)
 * @param {InPage} inPage
 * @param {{ model: { url: string, name: string }, classifier: ReturnType<typeof prepareClassifier>, threads: number, names: string[], headline: string, rounds: number, headlineTurns: number, log: (m: string) => void }} o
 */
export async function measureClassifier(page, inPage, o) {
  const info = await inPage(page, 'initVariants', { model: o.model.url, classifier: o.classifier, threads: o.threads, images: o.names });
  /** @type {Record<string, Record<string, { times: number[], inference: number[] }>>} */
  const samples = Object.fromEntries(o.names.map((n) => [n, Object.fromEntries([...VARIANTS, 'nsfwjs'].map((v) => [v, { times: [], inference: [] }]))]));
  /** @type {Record<string, { veil: string | null, nsfwjs: string | null }>} */
  const top = Object.fromEntries(o.names.map((n) => [n, { veil: null, nsfwjs: null }]));

  /** One run of every contender on `name`, in turns. @param {string} name @param {boolean} keep */
  async function turn(name, keep) {
    for (const variant of VARIANTS) {
      const { times, stages, top: best } = await inPage(page, 'variantBatch', { variant, name, reps: 1 });
      if (!keep) continue;
      samples[name][variant].times.push(...times);
      samples[name][variant].inference.push(...stages.map((/** @type {any} */ s) => s.inference_ms));
      if (variant === 'classifier') top[name].veil = best?.className ?? null;
    }
    const { times, classifyTimes, top: theirs } = await inPage(page, 'nsfwBatch', { name, reps: 1 });
    if (!keep) return;
    samples[name].nsfwjs.times.push(...times);
    samples[name].nsfwjs.inference.push(...classifyTimes);
    top[name].nsfwjs = theirs?.className ?? null;
  }

  // Warm-up: WASM tier-up, arenas, TF.js's kernels, on every image size.
  for (const name of o.names) await turn(name, false);
  for (let r = 0; r < o.rounds; r++) {
    for (let t = 0; t < o.headlineTurns; t++) await turn(o.headline, true);
    for (const name of o.names) if (name !== o.headline) await turn(name, true);
    const h = samples[o.headline];
    o.log(`classifier round ${r + 1}/${o.rounds}: NudeNet ${round(median(h.nudenet.times))} ms, classifier ${round(median(h.classifier.times))} ms, both ${round(median(h.both.times))} ms, nsfwjs ${round(median(h.nsfwjs.times))} ms`);
  }

  const byImage = Object.fromEntries(
    o.names.map((name) => {
      const s = samples[name];
      const row = Object.fromEntries([...VARIANTS, 'nsfwjs'].map((v) => [v, summary(s[v].times)]));
      return [name, { ...row, classifier_inference: summary(s.classifier.inference), classifier_one_thread_inference: summary(s.classifier_one_thread.inference), nsfwjs_classify: summary(s.nsfwjs.inference), top_class: top[name] }];
    }),
  );
  return { model: o.model.name, classifier: { name: o.classifier.name, bytes: o.classifier.bytes }, info, headline: o.headline, rounds: o.rounds, by_image: byImage };
}

/** The figures the results carry at their top level, and the ratios, all from the same turns. @param {Awaited<ReturnType<typeof measureClassifier>>} c */
export function classifierFigures(c) {
  const h = /** @type {any} */ (c.by_image[c.headline]);
  const keys = {
    classifier_p50_ms: h.classifier.p50,
    classifier_p95_ms: h.classifier.p95,
    classifier_one_thread_p50_ms: h.classifier_one_thread.p50,
    classifier_inference_p50_ms: h.classifier_inference.p50,
    both_p50_ms: h.both.p50,
  };
  const ratios = {
    classifier_over_nsfwjs: round(h.classifier.p50 / h.nsfwjs.p50),
    classifier_one_thread_over_nsfwjs: round(h.classifier_one_thread.p50 / h.nsfwjs.p50),
    classifier_inference_over_nsfwjs_classify: round(h.classifier_inference.p50 / h.nsfwjs_classify.p50),
    both_over_nudenet: round(h.both.p50 / h.nudenet.p50),
    // Under 1 where the shared decode saves what a second detector would spend.
    both_over_nudenet_plus_classifier: round(h.both.p50 / (h.nudenet.p50 + h.classifier.p50)),
  };
  return { keys, ratios };
}

const pad = (/** @type {unknown} */ v, /** @type {number} */ n) => String(v).padEnd(n);
const padStart = (/** @type {unknown} */ v, /** @type {number} */ n) => String(v).padStart(n);

/** The report's classifier lines: one summary line, then the per-image table. @param {Awaited<ReturnType<typeof measureClassifier>>} c */
export function classifierLines(c) {
  const { ratios } = classifierFigures(c);
  const h = /** @type {any} */ (c.by_image[c.headline]);
  const lines = [
    `Classifier (${c.classifier.name}, ${c.headline}, p50): alone ${h.classifier.p50} ms (1 thread ${h.classifier_one_thread.p50} ms), NudeNet (${c.model}) alone ${h.nudenet.p50} ms, both ${h.both.p50} ms (${ratios.both_over_nudenet} x NudeNet alone); ` +
      `onnxruntime-web ${h.classifier.p50} ms vs nsfwjs on TF.js ${h.nsfwjs.p50} ms = ${ratios.classifier_over_nsfwjs} x (1 thread ${ratios.classifier_one_thread_over_nsfwjs} x; inference ${h.classifier_inference.p50} vs classify ${h.nsfwjs_classify.p50} ms = ${ratios.classifier_inference_over_nsfwjs_classify} x)`,
    '',
    `${pad('image', 24)}${padStart('NudeNet', 9)}${padStart('classifier', 12)}${padStart('1 thread', 10)}${padStart('both', 8)}${padStart('nsfwjs', 9)}${padStart('infer', 8)}${padStart('classify', 10)}  top class (Veil / nsfwjs)`,
  ];
  for (const [name, row] of Object.entries(c.by_image)) {
    const r = /** @type {any} */ (row);
    lines.push(
      `${pad(name, 24)}${padStart(r.nudenet.p50, 9)}${padStart(r.classifier.p50, 12)}${padStart(r.classifier_one_thread.p50, 10)}${padStart(r.both.p50, 8)}${padStart(r.nsfwjs.p50, 9)}${padStart(r.classifier_inference.p50, 8)}${padStart(r.nsfwjs_classify.p50, 10)}  ${r.top_class.veil} / ${r.top_class.nsfwjs}`,
    );
  }
  return lines;
}
