// @ts-check
/** The issue's targets checked against one run's figures, and the table printed at the end. */
import { classifierLines } from './classifier.mjs';
import { videoLines } from './video.mjs';

/**
 * @typedef {{ target: string, figure: string, met: boolean }} TargetRow
 * @param {any} r the report
 * @returns {TargetRow[]}
 */
export function targets(r) {
  const x = (/** @type {number} */ v) => `${v.toFixed(2)} x`;
  return [
    {
      target: 'detect() p50 <= 1.10 x bare session.run p50',
      figure: `${x(r.ratios.detect_over_session)} (${r.detect_p50_ms} / ${r.session_run_p50_ms} ms)`,
      met: r.ratios.detect_over_session <= 1.1,
    },
    {
      target: 'detect() p50 <= 2.5 x onnxruntime-node p50',
      figure: `${x(r.ratios.detect_over_native)} (${r.detect_p50_ms} / ${r.native_p50_ms} ms)`,
      met: r.ratios.detect_over_native <= 2.5,
    },
    {
      target: 'detect() p50 <= 0.5 x nsfwjs p50',
      figure: `${x(r.ratios.detect_over_nsfwjs)} (${r.detect_p50_ms} / ${r.nsfwjs_p50_ms} ms)`,
      met: r.ratios.detect_over_nsfwjs <= 0.5,
    },
    {
      target: 'first decision <= 1000 ms, model in the HTTP cache (visit 2)',
      figure: `${r.warm_first_decision_ms} ms (fresh profile: ${r.cold_first_decision_ms} ms)`,
      met: r.warm_first_decision_ms <= 1000,
    },
    {
      target: 'repeat visits faster than the first (visits 2 and 3 < visit 1)',
      figure: `${r.cold_first_decision_ms} / ${r.warm_first_decision_ms} / ${r.third_visit_first_decision_ms} ms`,
      met: Math.max(r.warm_first_decision_ms, r.third_visit_first_decision_ms) < r.cold_first_decision_ms,
    },
    {
      target: 'feed: zero main-thread long tasks > 50 ms',
      figure: `${r.feed_long_tasks}`,
      met: r.feed_long_tasks === 0,
    },
    {
      target: 'feed: >= 0.9 x the bare session throughput',
      figure: `${x(r.ratios.feed_over_bare_session)} (${r.feed_images_per_s} / ${r.bare_session_images_per_s} images/s)`,
      met: r.ratios.feed_over_bare_session >= 0.9,
    },
    {
      target: 'memory: growth <= 10 % after warm-up',
      figure: `${r.memory_growth_pct} % renderer RSS (worker JS heap ${r.worker_heap_growth_pct} %)`,
      met: r.memory_growth_pct <= 10,
    },
    {
      target: 'main entry <= 15 KB gzipped',
      figure: `${(r.main_entry_gzip_bytes / 1024).toFixed(1)} KB`,
      met: r.main_entry_gzip_bytes <= 15 * 1024,
    },
  ];
}

const pad = (/** @type {unknown} */ v, /** @type {number} */ n) => String(v).padEnd(n);
const padStart = (/** @type {unknown} */ v, /** @type {number} */ n) => String(v).padStart(n);

/** @param {any} r */
export function printReport(r) {
  const lines = [];
  lines.push('', `Veil benchmark: model ${r.model}, ${r.threads} threads, headline image ${r.headline_image}`, '');
  lines.push(`${pad('image', 24)}${padStart('bytes', 10)}${padStart('detect p50', 12)}${padStart('p95', 9)}${padStart('decode', 9)}${padStart('prep', 7)}${padStart('infer', 8)}${padStart('nsfwjs p50', 12)}`);
  for (const [name, row] of Object.entries(r.details.images.by_image)) {
    const s = /** @type {any} */ (row);
    lines.push(
      `${pad(name, 24)}${padStart(s.bytes, 10)}${padStart(s.detect.p50, 12)}${padStart(s.detect.p95, 9)}${padStart(s.stages_p50.decode_ms, 9)}${padStart(s.stages_p50.preprocess_ms, 7)}${padStart(s.stages_p50.inference_ms, 8)}${padStart(s.nsfwjs.p50, 12)}`,
    );
  }
  if (r.details.classifier) lines.push('', ...classifierLines(r.details.classifier));
  if (r.details.video) lines.push('', ...videoLines(r.details.video));
  lines.push('');
  for (const key of Object.keys(r)) {
    if (typeof r[key] === 'number' || typeof r[key] === 'string') lines.push(`${pad(key, 34)}${r[key]}`);
  }
  lines.push('', `WebGPU: ${r.details.webgpu.measured ? `detect p50 ${r.details.webgpu.detect.p50} ms` : r.details.webgpu.reason}`);
  lines.push(`WebNN: ${Object.entries(r.details.webnn).map(([flags, found]) => `${flags}: ${Object.entries(/** @type {any} */ (found)).map(([k, v]) => `${k} ${v}`).join(', ')}`).join('; ')}`, '');
  lines.push(`${pad("target", 68)}${pad("met", 5)}figure`);
  for (const t of r.targets) lines.push(`${pad(t.target, 68)}${pad(t.met ? 'yes' : 'NO', 5)}${t.figure}`);
  console.log(lines.join('\n'));
}
