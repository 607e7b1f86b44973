// @ts-check
/**
 * npm run bench -- --only first-visit: the first-visit table of docs/performance.md
 * (bench/lib/first-visit.mjs says what is measured). Writes bench/results/first-visit.json.
 * About 10 minutes on 2 cores: the slow profile's visits take tens of seconds each.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRST_VISIT_COPIES, firstVisit, NETWORKS, writeWireCopies } from './lib/first-visit.mjs';
import { buildLibrary, bundleNsfwjs, prepareModels, prepareNmsModel } from './lib/prepare.mjs';
import { ROOT, startServer } from './lib/server.mjs';

const t0 = performance.now();
const log = (/** @type {string} */ m) => console.log(`[first-visit ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}`);
const rounds = process.argv.includes('--quick') ? 1 : 2;
// FIRST_VISIT_ONLY=regex keeps the visits whose "state network contender" matches (for trying a change).
const only = new RegExp(process.env.FIRST_VISIT_ONLY ?? '');
const otherLibs = (process.env.FIRST_VISIT_LIB ?? '').split(',').filter(Boolean);

log('building the library, the models and the nsfwjs bundle');
buildLibrary();
const models = await prepareModels();
const twin = /** @type {any} */ (models.find((m) => m.name === 'yolov8n-twin-320'));
const nms = prepareNmsModel();
if (!existsSync(join(ROOT, 'bench/.cache/nsfwjs/nsfwjs-entry.js'))) await bundleNsfwjs();
// The classifier as the converter wrote it before (float32) and now (nsfwjs's uint8 weights).
const { readTfjsFromPackage } = await import('../scripts/model-fetch/tfjs/artifacts.js').catch(() => ({ readTfjsFromPackage: null }));
const classifiers = { before: '/bench/.cache/first-visit/nsfwjs-mobilenet-v2-float32.onnx', after: '/public/models/nsfwjs-mobilenet-v2.onnx' };
if (!readTfjsFromPackage) throw new Error('run the first-visit benchmark with tsx (npm run bench -- --only first-visit does)');
{
  const { convertTfjsModel } = await import('../scripts/model-fetch/tfjs/convert.js');
  const { fetchClassifier } = await import('../scripts/model-fetch/classifier.js');
  const { loadManifest } = await import('../scripts/model-fetch/manifest.js');
  const entry = /** @type {any} */ (loadManifest().classifiers)['nsfwjs-mobilenet-v2'];
  await fetchClassifier({ id: 'nsfwjs-mobilenet-v2', entry, outDir: join(ROOT, 'public/models') });
  const a = readTfjsFromPackage(entry.source.package, entry.source.path);
  const float = convertTfjsModel(a, { inputName: 'input', outputName: 'probabilities', inputSize: 224, docString: '', keepQuantized: false });
  mkdirSync(join(ROOT, 'bench/.cache/first-visit'), { recursive: true });
  writeFileSync(join(ROOT, classifiers.before.slice(1)), float.bytes);
}
// NudeNet's stand-in with float16 weights, as `npx veil-nsfw models 320n-fp16` makes 320n's.
const twinFp16 = '/bench/.cache/first-visit/yolov8n-twin-320-fp16.onnx';
{
  const { withFloat16Weights } = await import('../scripts/model-fetch/fp16.js');
  writeFileSync(join(ROOT, twinFp16.slice(1)), withFloat16Weights(readFileSync(join(ROOT, twin.url.slice(1))), twin.url).bytes);
}
const image = '/test/.cache/photos/astronaut-512.jpg';
if (!existsSync(join(ROOT, image.slice(1)))) throw new Error('test/.cache/photos is missing: run node test/fixtures/prepare.mjs');

/** @param {'before' | 'after'} state */
const contenders = (state) => [
  { name: 'Veil, NudeNet (YOLOv8n twin)', query: `who=veil&model=${twin.url}` },
  { name: 'Veil, classifier alone', query: `who=veil&classifier=${classifiers[state]}` },
  { name: 'Veil, NudeNet and classifier', query: `who=veil&model=${twin.url}&classifier=${classifiers[state]}` },
  { name: 'nsfwjs 4.4 (MobileNetV2)', query: `who=nsfwjs&entry=/bench/.cache/nsfwjs/nsfwjs-entry.js` },
  { name: "NudeNet's demo pipeline (YOLOv8n twin)", query: `who=nudenet-demo&model=${twin.url}&nms=${nms.url}` },
  ...(state === 'after' ? [{ name: 'Veil, NudeNet fp16 (YOLOv8n twin)', query: `who=veil&model=${twinFp16}` }] : []),
  // FIRST_VISIT_LIB=/a/index.js,/b/index.js: the Veil contenders again with other builds of the library, in turns.
  ...(state === 'after'
    ? otherLibs.flatMap((lib) => [
        { name: `Veil, classifier alone, ${lib}`, query: `who=veil&classifier=${classifiers[state]}&lib=${lib}` },
        { name: `Veil, NudeNet and classifier, ${lib}`, query: `who=veil&model=${twin.url}&classifier=${classifiers[state]}&lib=${lib}` },
      ])
    : []),
].map((c) => ({ ...c, query: `${c.query}&image=${encodeURIComponent(image)}` }));

const server = await startServer({ precompressed: false, copies: FIRST_VISIT_COPIES });
/** @type {any[]} */
const rows = [];
try {
  /** @type {[ 'before' | 'after', keyof typeof NETWORKS, (name: string) => boolean ][]} */
  const plan = [
    ['before', '10 Mbit/s, 40 ms', () => true],
    ['after', '10 Mbit/s, 40 ms', () => true],
    // The slow profile for the comparison the targets name: the classifier alone against nsfwjs.
    ['after', '1.6 Mbit/s, 150 ms', (name) => name.includes('classifier alone') || name.startsWith('nsfwjs')],
  ];
  for (const [state, network, pick] of plan) {
    server.setPrecompressed(state === 'after');
    if (state === 'after') {
      const libFiles = (/** @type {string} */ dir) => (existsSync(join(ROOT, dir)) ? readdirSync(join(ROOT, dir), { recursive: true }).map((f) => `/${dir}/${f}`) : []);
      const other = otherLibs.flatMap((lib) => libFiles(lib.slice(1).replace(/\/[^/]*$/, '')));
      const paths = rows.flatMap((r) => r.paths).filter((p) => p !== classifiers.before).concat(classifiers.after, twinFp16, twin.url, nms.url, image, libFiles('dist'), libFiles('bench/.cache/nsfwjs'), other);
      log(`compressed copies written for ${writeWireCopies(paths)} files`);
    }
    for (let round = 0; round < rounds; round++) {
      for (const c of contenders(state).filter((c) => pick(c.name) && only.test(`${state} ${network} ${c.name}`))) {
        const r = await firstVisit(server, { query: c.query, network });
        rows.push({ state, network, contender: c.name, round, ...r });
        log(`${state} ${network} ${c.name}: ${(r.bytes / 1e6).toFixed(2)} MB, first decision ${r.ms} ms (${r.encodings.join('/')})`);
      }
    }
  }
} finally {
  await server.close();
}

const median = (/** @type {number[]} */ v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** @type {any[]} */
const table = [];
for (const state of ['before', 'after']) {
  for (const network of Object.keys(NETWORKS)) {
    for (const name of [...new Set(rows.map((r) => r.contender))]) {
      const mine = rows.filter((r) => r.state === state && r.network === network && r.contender === name);
      if (!mine.length) continue;
      const bytes = median(mine.map((r) => r.bytes));
      // The time the bytes alone take at this bandwidth: the floor a first decision can approach.
      const boundMs = (bytes / NETWORKS[/** @type {keyof typeof NETWORKS} */ (network)].downloadThroughput) * 1000;
      const ms = median(mine.map((r) => r.ms));
      // The target: first decision <= 1.15 x the bytes' time + one warm detect() (Veil's visits measure one).
      const warm = mine.every((r) => r.warm_detect_ms != null) ? median(mine.map((r) => r.warm_detect_ms)) : null;
      table.push({
        state, network, contender: name, bytes, ms, bandwidth_bound_ms: Math.round(boundMs), ratio_to_bound: +(ms / boundMs).toFixed(2),
        warm_detect_ms: warm, ratio_to_bound_less_warm: warm === null ? null : +((ms - warm) / boundMs).toFixed(2),
        ready_ms: median(mine.map((r) => r.ready_ms)), visits: mine.length, largest: mine[0].largest,
      });
    }
  }
}
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/first-visit.json'), `${JSON.stringify({ rounds, image, networks: NETWORKS, table, rows: rows.map(({ paths: _, ...r }) => r) }, null, 2)}\n`);
console.log('\n| state | network | contender | bytes sent | first decision | bytes / bandwidth | ratio | warm detect() | (decision - warm) / bound |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const t of table) {
  console.log(`| ${t.state} | ${t.network} | ${t.contender} | ${(t.bytes / 1e6).toFixed(2)} MB | ${(t.ms / 1000).toFixed(2)} s | ${(t.bandwidth_bound_ms / 1000).toFixed(2)} s | ${t.ratio_to_bound} | ${t.warm_detect_ms ?? '-'} ms | ${t.ratio_to_bound_less_warm ?? '-'} |`);
}
