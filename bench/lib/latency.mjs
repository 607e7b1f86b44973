// @ts-check
/**
 * Latency over the photo set, every contender in turns, image after image, so that
 * all meet the same load: onnxruntime-node, the bare onnxruntime-web session.run,
 * Veil's detect(), NudeNet's in-browser demo pipeline and nsfwjs, then session.run
 * and detect() once more. Each peer is timed from the same bytes (a Blob), decoding
 * included. The headline is per image: detect() over the session.run samples taken
 * in that image's turns, then the median and the worst of those ratios over the set.
 */
import { median, percentile, round, summary } from './stats.mjs';

/**
 * @typedef {(page: import('@playwright/test').Page, fn: string, arg?: unknown) => Promise<any>} InPage
 * @typedef {{ session: number[], native: number[], detect: number[], stages: any[], demo: number[], demoStages: any[], demoBoxes: number, nsfwjs: number[], nsfwjsClassify: number[], nsfwjsTop: unknown }} Samples
 * @param {import('@playwright/test').Page} page a bench page with init, initNsfwjs and initNudenetDemo done
 * @param {InPage} inPage
 * @param {{ batch(runs: number): Promise<number[]> }} native
 * @param {{ names: string[], rounds: number, log: (m: string) => void }} o
 */
export async function measureLatency(page, inPage, native, o) {
  /** @type {Record<string, Samples>} */
  const samples = Object.fromEntries(
    o.names.map((n) => [n, { session: [], native: [], detect: [], stages: [], demo: [], demoStages: [], demoBoxes: 0, nsfwjs: [], nsfwjsClassify: [], nsfwjsTop: null }]),
  );

  /** @param {string} name @param {boolean} keep */
  async function turn(name, keep) {
    const s = samples[name];
    const native1 = await native.batch(1);
    const session1 = await inPage(page, 'sessionBatch', { runs: 1 });
    const detect1 = await inPage(page, 'detectBatch', { name, reps: 1 });
    const demo = await inPage(page, 'nudenetDemoBatch', { name, reps: 1 });
    const nsfwjs = await inPage(page, 'nsfwBatch', { name, reps: 1 });
    const session2 = await inPage(page, 'sessionBatch', { runs: 1 });
    const detect2 = await inPage(page, 'detectBatch', { name, reps: 1 });
    if (!keep) return;
    s.native.push(...native1);
    s.session.push(...session1, ...session2);
    s.detect.push(...detect1.times, ...detect2.times);
    s.stages.push(...detect1.stages, ...detect2.stages);
    s.demo.push(...demo.times);
    s.demoStages.push(...demo.stages);
    s.demoBoxes = demo.boxes;
    s.nsfwjs.push(...nsfwjs.times);
    s.nsfwjsClassify.push(...nsfwjs.classifyTimes);
    s.nsfwjsTop = nsfwjs.top;
  }

  // Warm-up: WASM tier-up, arenas, opencv.js and TF.js kernels, every image size once.
  await native.batch(5);
  await inPage(page, 'sessionBatch', { runs: 5 });
  for (const name of o.names) await turn(name, false);
  for (let r = 0; r < o.rounds; r++) {
    for (const name of o.names) await turn(name, true);
    const { figures } = latencyFigures(samples);
    o.log(`round ${r + 1}/${o.rounds}: detect/session median ${figures.detect_over_session} x, worst ${figures.detect_over_session_worst} x (${figures.worst_image}); detect p50 ${figures.detect_p50_ms} ms, NudeNet demo ${figures.nudenet_demo_p50_ms} ms, nsfwjs ${figures.nsfwjs_p50_ms} ms`);
  }
  return latencyFigures(samples);
}

/** @param {number[]} values */
const p50 = (values) => round(median(values));
/** @param {number[]} ratios */
const worstOf = (ratios) => Math.max(...ratios);

/** Per-image rows and the figures over the set. @param {Record<string, Samples>} samples */
export function latencyFigures(samples) {
  const names = Object.keys(samples);
  const byImage = Object.fromEntries(
    names.map((name) => {
      const s = samples[name];
      const stage = (/** @type {any[]} */ list, /** @type {string} */ key) => p50(list.map((x) => x[key]));
      const detect = median(s.detect);
      const row = {
        detect: summary(s.detect),
        session_run: summary(s.session),
        detect_over_session: round(detect / median(s.session)),
        // Where detect()'s time went, from the worker's stage timings: "of which decoding".
        stages_p50: { decode_ms: stage(s.stages, 'decode_ms'), preprocess_ms: stage(s.stages, 'preprocess_ms'), inference_ms: stage(s.stages, 'inference_ms'), postprocess_ms: stage(s.stages, 'postprocess_ms') },
        decode_share: round(median(s.stages.map((x) => x.decode_ms)) / detect),
        native: summary(s.native),
        nudenet_demo: summary(s.demo),
        nudenet_demo_stages_p50: { load_ms: stage(s.demoStages, 'load_ms'), preprocess_ms: stage(s.demoStages, 'preprocess_ms'), inference_ms: stage(s.demoStages, 'inference_ms'), nms_ms: stage(s.demoStages, 'nms_ms') },
        nudenet_demo_boxes: s.demoBoxes,
        nsfwjs: summary(s.nsfwjs),
        nsfwjs_classify: summary(s.nsfwjsClassify),
        nsfwjs_top: s.nsfwjsTop,
        detect_over_nudenet_demo: round(detect / median(s.demo)),
        detect_over_nsfwjs: round(detect / median(s.nsfwjs)),
      };
      return [name, row];
    }),
  );
  const rows = Object.values(byImage);
  const ratios = rows.map((r) => r.detect_over_session);
  const worst = worstOf(ratios);
  const all = (/** @type {keyof Samples} */ key) => names.flatMap((n) => /** @type {number[]} */ (samples[n][key]));
  const figures = {
    detect_over_session: round(median(ratios)),
    detect_over_session_worst: round(worst),
    worst_image: names[ratios.indexOf(worst)],
    detect_over_nudenet_demo: round(median(rows.map((r) => r.detect_over_nudenet_demo))),
    detect_over_nudenet_demo_worst: round(worstOf(rows.map((r) => r.detect_over_nudenet_demo))),
    detect_over_nsfwjs: round(median(rows.map((r) => r.detect_over_nsfwjs))),
    detect_over_nsfwjs_worst: round(worstOf(rows.map((r) => r.detect_over_nsfwjs))),
    /** Images where detect()'s median is below the peer's. */
    leads_nudenet_demo_on: rows.filter((r) => r.detect_over_nudenet_demo < 1).length,
    leads_nsfwjs_on: rows.filter((r) => r.detect_over_nsfwjs < 1).length,
    images: names.length,
    detect_p50_ms: p50(all('detect')),
    detect_p95_ms: round(percentile(all('detect'), 95)),
    session_run_p50_ms: p50(all('session')),
    native_p50_ms: p50(all('native')),
    nudenet_demo_p50_ms: p50(all('demo')),
    nsfwjs_p50_ms: p50(all('nsfwjs')),
    nsfwjs_classify_p50_ms: p50(all('nsfwjsClassify')),
    samples: { detect: all('detect').length, session: all('session').length, native: all('native').length, nudenet_demo: all('demo').length, nsfwjs: all('nsfwjs').length },
  };
  return { byImage, figures };
}
