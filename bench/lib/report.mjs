// @ts-check
/** The issue's targets checked against one run's figures, and the table printed at the end. */
import { classifierLines } from './classifier.mjs';
import { videoLines } from './video.mjs';
import { bigPhotoLines } from './big-photos.mjs';

/**
 * @typedef {{ target: string, figure: string, met: boolean }} TargetRow
 * @param {any} r the report
 * @returns {TargetRow[]}
 */
export function targets(r) {
  const x = (/** @type {number} */ v) => `${v.toFixed(2)} x`;
  const leads = (/** @type {string} */ peer, /** @type {number} */ on, /** @type {number} */ worst) =>
    `${on} of ${r.details.peers.images} images; worst detect() / ${peer} ${x(worst)}`;
  return [
    {
      target: 'detect() / session.run per image, median over the set <= 1.3 x',
      figure: `${x(r.ratios.detect_over_session)} (set p50 ${r.detect_p50_ms} / ${r.session_run_p50_ms} ms)`,
      met: r.ratios.detect_over_session <= 1.3,
    },
    {
      target: 'detect() / session.run on the worst image of the set <= 1.8 x',
      figure: `${x(r.ratios.detect_over_session_worst)} (${r.worst_image})`,
      met: r.ratios.detect_over_session_worst <= 1.8,
    },
    {
      target: "ahead of NudeNet's in-browser demo pipeline on every image",
      figure: leads('demo', r.details.peers.leads_nudenet_demo_on, r.ratios.detect_over_nudenet_demo_worst),
      met: r.details.peers.leads_nudenet_demo_on === r.details.peers.images,
    },
    {
      target: 'ahead of nsfwjs on every image',
      figure: leads('nsfwjs', r.details.peers.leads_nsfwjs_on, r.ratios.detect_over_nsfwjs_worst),
      met: r.details.peers.leads_nsfwjs_on === r.details.peers.images,
    },
    {
      target: 'detect() p50 <= 2.5 x onnxruntime-node p50 (over the set)',
      figure: `${x(r.ratios.detect_over_native)} (${r.detect_p50_ms} / ${r.native_p50_ms} ms)`,
      met: r.ratios.detect_over_native <= 2.5,
    },
    {
      target: 'detect() <= 0.5 x nsfwjs (per image, median over the set)',
      figure: `${x(r.ratios.detect_over_nsfwjs)} (set p50 ${r.detect_p50_ms} / ${r.nsfwjs_p50_ms} ms)`,
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
      target: 'file picked 3 s after load: pick to decision <= 1.2 x warm detect()',
      figure: `${x(r.ratios.pick_over_warm_detect)} on a repeat visit (${r.pick_to_decision_ms} / ${r.pick_warm_detect_ms} ms); fresh profile ${x(r.ratios.pick_over_warm_detect_fresh)} (${r.pick_to_decision_fresh_ms} ms)`,
      met: r.ratios.pick_over_warm_detect <= 1.2,
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
  lines.push('', `Veil benchmark: model ${r.model}, ${r.threads} threads, ${r.photo_set_images} images (p50 ms; ratio = detect() / session.run; demo = NudeNet's in-browser demo)`, '');
  lines.push(`${pad('image', 30)}${padStart('size', 10)}${padStart('bytes', 9)}${padStart('detect', 8)}${padStart('session', 9)}${padStart('ratio', 7)}${padStart('decode', 8)}${padStart('demo', 8)}${padStart('nsfwjs', 8)}  ahead of both`);
  for (const [name, row] of Object.entries(r.details.images.by_image)) {
    const s = /** @type {any} */ (row);
    lines.push(
      `${pad(name, 30)}${padStart(`${s.width}x${s.height}`, 10)}${padStart(s.bytes, 9)}${padStart(s.detect.p50, 8)}${padStart(s.session_run.p50, 9)}${padStart(s.detect_over_session, 7)}${padStart(s.stages_p50.decode_ms, 8)}${padStart(s.nudenet_demo.p50, 8)}${padStart(s.nsfwjs.p50, 8)}  ${s.detect_over_nudenet_demo < 1 && s.detect_over_nsfwjs < 1 ? 'yes' : 'NO'}`,
    );
  }
  if (r.details.classifier) lines.push('', ...classifierLines(r.details.classifier));
  if (r.details.video) lines.push('', ...videoLines(r.details.video));
  if (r.details.big_photos) lines.push('', ...bigPhotoLines(r.details.big_photos.timed, r.details.big_photos.drift));
  lines.push('');
  for (const key of Object.keys(r)) {
    if (typeof r[key] === 'number' || typeof r[key] === 'string') lines.push(`${pad(key, 34)}${r[key]}`);
  }
  lines.push('', `WebGPU: ${r.details.webgpu.measured ? `detect p50 ${r.details.webgpu.detect.p50} ms` : r.details.webgpu.reason}`);
  lines.push(`WebNN: ${Object.entries(r.details.webnn).map(([flags, found]) => `${flags}: ${Object.entries(/** @type {any} */ (found)).map(([k, v]) => `${k} ${v}`).join(', ')}`).join('; ')}`, '');
  const fd = r.details.first_decision.parts_p50;
  const pk = r.details.first_decision_as_users_feel_it.parts_p50;
  lines.push(`First decision on ${r.first_decision_image}, parts (p50 ms): fresh / repeat visit / picked 3 s after load (repeat)`);
  for (const key of Object.keys(fd.fresh)) lines.push(`  ${pad(key, 36)}${padStart(fd.fresh[key], 8)}${padStart(fd.repeat[key], 8)}${padStart(pk.repeat[key], 8)}`);
  lines.push('');
  lines.push(`${pad('target', 72)}${pad('met', 5)}figure`);
  for (const t of r.targets) lines.push(`${pad(t.target, 72)}${pad(t.met ? 'yes' : 'NO', 5)}${t.figure}`);
  console.log(lines.join('\n'));
}
