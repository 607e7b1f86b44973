// @ts-check
/**
 * npm run bench: Veil against the bare onnxruntime-web session, onnxruntime-node,
 * NudeNet's own in-browser demo pipeline and nsfwjs, on a photo set like what users
 * send, all in one run on this machine, in Debian's headless Chromium.
 * Prints a table and writes bench/results/latest.json. Every figure is a median
 * (or p95) of samples taken in interleaved turns, so load from other processes
 * falls on every contender alike; ratios compare figures from the same run.
 *
 *   npm run bench                 everything (about 10 minutes on 2 cores)
 *   npm run bench -- --quick      fewer rounds, for trying changes
 *   npm run bench -- --only classifier
 *                                 only the classifier's figures (2 to 4 minutes), written
 *                                 to bench/results/classifier.json instead
 *   npm run bench -- --only first-visit
 *                                 the first visit on a phone's network (bench/first-visit.mjs),
 *                                 written to bench/results/first-visit.json instead
 *   npm run bench -- --only video
 *                                 only detectVideo's figures (a 60 s 720p clip at 1 frame a
 *                                 second, whole and with the early stop), written to
 *                                 bench/results/video.json instead
 *   npm run bench -- --only bigphotos
 *                                 only the phone photos' figures (24 to 200 MP JPEGs: time to
 *                                 decision and peak memory, scaled and full decode, and the
 *                                 scaled decode's drift), written to bench/results/big-photos.json
 *   npm run bench -- --only feed
 *                                 only the 100-image feed against the bare session, with all
 *                                 threads and with one, in turns (FEED_OTHER_LIB=/x/index.js adds
 *                                 another build's feed), to bench/results/feed.json
 *   npm run bench -- --only engines
 *                                 detect() on the photo set in Firefox ESR and WebKitGTK as a
 *                                 ratio to Chromium (bench/engines.ts), to bench/results/engines.json
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { launch } from './lib/browser.mjs';
import { classifierFigures, classifierLines, measureClassifier, prepareClassifier } from './lib/classifier.mjs';
import { firstDecisions, medianParts } from './lib/cold.mjs';
import { CLASSIFIER_HEADLINE, CLASSIFIER_IMAGES, IMAGE_URL, PHONE_IMAGE } from './lib/images.mjs';
import { measureLatency } from './lib/latency.mjs';
import { measureMemory } from './lib/memory.mjs';
import { bigPhotoLines, measureBigPhotos, measureDrift, prepareBigPhotos } from './lib/big-photos.mjs';
import { openNative } from './lib/native.mjs';
import { inPage, openBenchPage as openPage } from './lib/page.mjs';
import { buildLibrary, bundleNsfwjs, bundleSizes, prepareImages, prepareModels, prepareNmsModel } from './lib/prepare.mjs';
import { printReport, targets } from './lib/report.mjs';
import { ROOT, startServer } from './lib/server.mjs';
import { median, round } from './lib/stats.mjs';
import { probeWebGpu } from './lib/webgpu.mjs';
import { measureVideo, measureWatch, prepareVideoClip, videoLines } from './lib/video.mjs';
import { probeWebNn } from './lib/webnn.mjs';

const quick = process.argv.includes('--quick');
/** `--only classifier` or `--only video` (or `--only=...`): a subset, for when the rest has not changed. */
const only = process.argv.find((a, i) => process.argv[i - 1] === '--only' || a.startsWith('--only='))?.replace('--only=', '') ?? null;
const ONLY = ['classifier', 'video', 'engines', 'first-visit', 'bigphotos', 'feed'];
if (only !== null && !ONLY.includes(only)) throw new Error(`--only takes ${ONLY.map((o) => `"${o}"`).join(', ')}; got "${only}".`);
if (only === 'engines') {
  // detect() in Firefox ESR and WebKitGTK against Chromium (bench/engines.ts, through tsx: it shares the test suite's drivers).
  const run = spawnSync('npx', ['tsx', 'bench/engines.ts', ...(process.argv.includes('--quick') ? ['--quick'] : [])], { cwd: ROOT, stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
if (only === 'first-visit') {
  // It reads the converter's TypeScript (the classifier before and after), hence tsx.
  const { status } = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'first-visit.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(status ?? 1);
}
/** Rounds over the photo set: each gives every image two detect() and session.run samples, one of each peer. */
const ROUNDS = quick ? 1 : 4;
const CLASSIFIER_ROUNDS = quick ? 1 : 3;
/** Turns of each large photo with the 12 MP one. */
const BIG_PHOTO_ROUNDS = quick ? 1 : 3;
/** The classifier's headline turns per round. */
const CLASSIFIER_HEADLINE_TURNS = 3;
const FEED_REPEATS = quick ? 1 : 2;
const MEMORY_DETECTIONS = quick ? 100 : 500;
const PROFILES = quick ? 1 : 3;
/** How long each first-decision visit stays open after its decision, as a reader stays on a page. */
const VISIT_LINGER_MS = 5000;
/** When the user picks a file, after the page's load event, in the first decision as users feel it. */
const PICK_AFTER_MS = 3000;
const cores = availableParallelism();
/** The session options src/worker/session.ts creates its session with; the bare baseline uses the same. */
const SESSION_OPTIONS = { graphOptimizationLevel: 'all' };

const loadAtStart = loadavg();
const version = (/** @type {string} */ pkg) => JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
const log = (/** @type {string} */ message) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${message}`);
const t0 = performance.now();

log('building the library, models, the photo set and the nsfwjs bundle');
buildLibrary();
const models = await prepareModels();
const model = models[0];
const nmsModel = prepareNmsModel();
const clip = prepareVideoClip();
const VIDEO_ROUNDS = quick ? 1 : 2;
/** How long watchVideo watches the playing clip. */
const WATCH_SECONDS = quick ? 5 : 10;

if (only === 'video') {
  const server = await startServer();
  const browser = await launch();
  const page = await browser.newPage();
  await openPage(page, server.url);
  const section = await measureVideo(page, { model, threads: cores, clip, rounds: VIDEO_ROUNDS, log });
  section.watch = await measureWatch(page, { model, threads: cores, clip, seconds: WATCH_SECONDS, log });
  const environment = { cores, cpu: cpus()[0]?.model, load_average_1min: { start: round(loadAtStart[0] ?? 0), end: round(loadavg()[0] ?? 0) }, chromium: browser.version() };
  await browser.close();
  await server.close();
  const out = { video_all_p50_ms: section.stop_at_null.p50_ms, video_fixture_early_stop_p50_ms: section.fixture_stop_at_block.p50_ms, video_watch_fps: section.watch.sustained_fps, model: model.name, threads: cores, rounds: VIDEO_ROUNDS, generated_at: new Date().toISOString(), details: { environment, video: section } };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/video.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(['', ...videoLines(section), '', `load average (1 min): ${environment.load_average_1min.start} at start, ${environment.load_average_1min.end} at the end`].join('\n'));
  log('wrote bench/results/video.json');
  process.exit(0);
}
/** The phone photos' section (bench/lib/big-photos.mjs): each size in its own browser, then the drift. */
async function bigPhotoSection(/** @type {string} */ serverUrl, /** @type {ReturnType<typeof prepareClassifier>} */ classifier) {
  log('big photos: making the 12 to 200 MP JPEGs (once)');
  const photos = await prepareBigPhotos({ drift: !quick });
  log(`big photos: time to decision and peak memory, ${BIG_PHOTO_ROUNDS} turns each`);
  const timed = await measureBigPhotos({ serverUrl, model, threads: cores, rounds: BIG_PHOTO_ROUNDS, photos: photos.timed, log });
  const drift = quick ? null : await measureDrift({ serverUrl, model, classifier, threads: cores, photos: photos.drifting, log });
  return { timed, drift };
}

if (only === 'bigphotos') {
  const server = await startServer();
  const section = await bigPhotoSection(server.url, prepareClassifier());
  await server.close();
  const by = (/** @type {number} */ mp) => /** @type {any} */ (section.timed.sizes.find((s) => s.mp === mp));
  const out = {
    big_photo_108mp_decision_ms: by(108).scaled.decision_p50_ms,
    big_photo_200mp_decision_ms: by(200).scaled.decision_p50_ms,
    big_photo_peak_mb: Math.max(...section.timed.sizes.map((s) => /** @type {any} */ (s).scaled.peak_mb)),
    model: model.name,
    threads: cores,
    generated_at: new Date().toISOString(),
    details: { environment: { cores, cpu: cpus()[0]?.model, load_average_1min: { start: round(loadAtStart[0] ?? 0), end: round(loadavg()[0] ?? 0) } }, big_photos: section },
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/big-photos.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(['', ...bigPhotoLines(section.timed, section.drift)].join('\n'));
  log('wrote bench/results/big-photos.json');
  process.exit(0);
}
const images = prepareImages();
await bundleNsfwjs();
const classifier = prepareClassifier();
const names = images.map((i) => i.name);
/** A feed is what social sites serve: JPEG, WebP and AVIF up to 1920 px, cycled to 100 images. */
const feedImages = images.filter((i) => i.format !== 'png' && Math.max(i.width, i.height) <= 1920).map((i) => i.name);
const feedNames = Array.from({ length: 100 }, (_, k) => feedImages[k % feedImages.length]);

const server = await startServer();
const openBenchPage = (/** @type {import('@playwright/test').Page} */ page) => openPage(page, server.url);
const classifierOptions = { model, classifier, threads: cores, names: CLASSIFIER_IMAGES, headline: CLASSIFIER_HEADLINE, rounds: CLASSIFIER_ROUNDS, headlineTurns: CLASSIFIER_HEADLINE_TURNS, log };

if (only === 'classifier') {
  log(`classifier only: ${classifier.name} beside ${model.name}, ${cores} threads, ${CLASSIFIER_ROUNDS} rounds over ${CLASSIFIER_IMAGES.length} images`);
  const browser = await launch();
  const page = await browser.newPage();
  await openBenchPage(page);
  const nsfwSetup = await inPage(page, 'initNsfwjs', { threads: cores });
  const section = await measureClassifier(page, inPage, classifierOptions);
  const chromium = browser.version();
  await browser.close();
  await server.close();
  const { keys, ratios } = classifierFigures(section);
  const h = /** @type {any} */ (section.by_image[CLASSIFIER_HEADLINE]);
  const environment = { cores, cpu: cpus()[0]?.model, load_average_1min: { start: round(loadAtStart[0] ?? 0), end: round(loadavg()[0] ?? 0) }, chromium, nsfwjs: nsfwSetup };
  const out = { ...keys, detect_p50_ms: h.nudenet.p50, nsfwjs_p50_ms: h.nsfwjs.p50, nsfwjs_classify_p50_ms: h.nsfwjs_classify.p50, model: model.name, headline_image: CLASSIFIER_HEADLINE, threads: cores, rounds: CLASSIFIER_ROUNDS, generated_at: new Date().toISOString(), ratios, details: { environment, classifier: section } };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/classifier.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(['', ...classifierLines(section), '', `load average (1 min): ${environment.load_average_1min.start} at start, ${environment.load_average_1min.end} at the end`].join('\n'));
  log('wrote bench/results/classifier.json');
  process.exit(0);
}
if (only === 'feed') {
  // The feed alone, in turns with the bare session, with all threads and with one (a core left free for
  // decoding); FEED_OTHER_LIB=/path/index.js adds another build's feed to each turn (before/after a change).
  const turns = quick ? 2 : 5;
  const otherLib = process.env.FEED_OTHER_LIB;
  const browser = await launch();
  /** @type {any[]} */
  const turnsRun = [];
  for (const threads of [...new Set([cores, 1])]) {
    const page = await browser.newPage();
    await openBenchPage(page);
    await inPage(page, 'init', { model: model.url, threads, images: feedImages, sessionOptions: SESSION_OPTIONS });
    if (otherLib) await inPage(page, 'initOther', { lib: otherLib, model: model.url, threads });
    log(`feed: ${feedNames.length} images, ${threads} thread(s), ${turns} turns`);
    for (let t = 0; t < turns; t++) {
      const bare = await inPage(page, 'bareFeed', { runs: feedNames.length });
      const veil = await inPage(page, 'feed', { names: feedNames });
      const other = otherLib ? await inPage(page, 'feed', { names: feedNames, other: true }) : null;
      turnsRun.push({ threads, bare, veil, other });
    }
    await page.close();
  }
  const chromium = browser.version();
  await browser.close();
  await server.close();
  const rate = (/** @type {{ count: number, ms: number }} */ f) => (f.count / f.ms) * 1000;
  const byThreads = [...new Set(turnsRun.map((r) => r.threads))].map((threads) => {
    const mine = turnsRun.filter((r) => r.threads === threads);
    const stages = (/** @type {'veil' | 'other'} */ k) => Object.fromEntries(Object.keys(mine[0][k].stagesMs).map((s) => [s, round(median(mine.map((r) => r[k].stagesMs[s])))]));
    return {
      threads,
      bare_images_per_s: round(median(mine.map((r) => rate(r.bare)))),
      feed_images_per_s: round(median(mine.map((r) => rate(r.veil)))),
      feed_over_bare: round(median(mine.map((r) => rate(r.veil) / rate(r.bare)))),
      feed_stages_ms: stages('veil'),
      ...(otherLib && {
        other_feed_images_per_s: round(median(mine.map((r) => rate(r.other)))),
        other_feed_over_bare: round(median(mine.map((r) => rate(r.other) / rate(r.bare)))),
        other_stages_ms: stages('other'),
      }),
      long_tasks: mine.flatMap((r) => r.veil.longTasks).length,
    };
  });
  const environment = { cores, cpu: cpus()[0]?.model, load_average_1min: { start: round(loadAtStart[0] ?? 0), end: round(loadavg()[0] ?? 0) }, chromium };
  const out = { feed: byThreads, other_lib: otherLib ?? null, turns, model: model.name, generated_at: new Date().toISOString(), details: { environment, turns: turnsRun.map(({ veil, other, ...r }) => ({ ...r, veil: { ...veil, longTasks: undefined }, other: other && { ...other, longTasks: undefined } })) } };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/feed.json'), `${JSON.stringify(out, null, 2)}\n`);
  for (const b of byThreads) {
    console.log(`${b.threads} thread(s): bare ${b.bare_images_per_s} images/s; feed ${b.feed_images_per_s} (${b.feed_over_bare} x)${otherLib ? `; other build ${b.other_feed_images_per_s} (${b.other_feed_over_bare} x)` : ''}; stages ${JSON.stringify(b.feed_stages_ms)}`);
  }
  console.log(`load average (1 min): ${environment.load_average_1min.start} at start, ${environment.load_average_1min.end} at the end`);
  log('wrote bench/results/feed.json');
  process.exit(0);
}
const native = await openNative(model.path, cores);

// 1-4: latency over the photo set: detect(), the bare session, onnxruntime-node, NudeNet's demo pipeline and nsfwjs in turns.
log(`latency: ${model.name}, ${cores} threads, ${ROUNDS} rounds over ${names.length} images`);
const browser = await launch();
const chromiumVersion = browser.version();
const page = await browser.newPage();
await openBenchPage(page);
const setup = await inPage(page, 'init', { model: model.url, threads: cores, images: names, sessionOptions: SESSION_OPTIONS });
const nsfwSetup = await inPage(page, 'initNsfwjs', { threads: cores });
const demoSetup = await inPage(page, 'initNudenetDemo', { model: model.url, nmsModel: nmsModel.url, threads: cores });
const latency = await measureLatency(page, inPage, native, { names, rounds: ROUNDS, log });

// 6: a feed of 100 images, against the bare session run back to back as often.
log(`feed: ${feedNames.length} images at once, ${FEED_REPEATS} times`);
const feeds = [];
for (let r = 0; r < FEED_REPEATS; r++) {
  const bare = await inPage(page, 'bareFeed', { runs: feedNames.length });
  const veil = await inPage(page, 'feed', { names: feedNames });
  feeds.push({ bare, veil });
}
// 9: the whole-image classifier, alone and beside NudeNet, and against nsfwjs on the same network; last, so the figures above are as before.
log(`classifier: ${classifier.name} beside ${model.name}, ${CLASSIFIER_ROUNDS} rounds over ${CLASSIFIER_IMAGES.length} images`);
const classifierSection = await measureClassifier(page, inPage, classifierOptions);
// 10: detectVideo on a 60 s 720p clip, whole and with the early stop.
const videoSection = await measureVideo(page, { model, threads: cores, clip, rounds: VIDEO_ROUNDS, log });
videoSection.watch = await measureWatch(page, { model, threads: cores, clip, seconds: WATCH_SECONDS, log });
await browser.close();
await native.release();

// 7: memory, with Veil alone in its own browser so the renderer holds nothing else.
log(`memory: ${MEMORY_DETECTIONS} detections after a warm-up of 50`);
const memBrowser = await launch();
const memPage = await memBrowser.newPage();
await openBenchPage(memPage);
await inPage(memPage, 'init', { model: model.url, threads: cores, images: feedImages, withBaseline: false });
const isVeilWorker = (/** @type {string} */ url) => /\/dist\/worker\.js$/.test(url);
await inPage(memPage, 'detectMany', { names: feedImages, count: 50 });
const memoryBefore = await measureMemory(memBrowser, memPage, isVeilWorker);
await inPage(memPage, 'detectMany', { names: feedImages, count: MEMORY_DETECTIONS });
const memoryAfter = await measureMemory(memBrowser, memPage, isVeilWorker);
await memBrowser.close();

// 7b: phone photos from 24 to 200 MP, each size in a browser of its own.
const bigPhotos = await bigPhotoSection(server.url, classifier);

// 5: first decision on a fresh profile, then on later visits.
log(`first decision: ${PROFILES} fresh profiles, 3 visits each`);
const visits = await firstDecisions(server, { model: model.url, image: `${IMAGE_URL}/${PHONE_IMAGE}`, profiles: PROFILES, visits: 3, lingerMs: VISIT_LINGER_MS });
const visit = (/** @type {number} */ n) => visits.filter((v) => v.visit === n);
// 5b: as users feel it: the page opens and creates its detector; a file is picked 3 s after load.
log(`first decision as users feel it: ${PROFILES} fresh profiles, 2 visits each, a file picked ${PICK_AFTER_MS} ms after load`);
const picks = await firstDecisions(server, { model: model.url, image: `${IMAGE_URL}/${PHONE_IMAGE}`, profiles: PROFILES, visits: 2, lingerMs: VISIT_LINGER_MS, pickAfterMs: PICK_AFTER_MS });
const pick = (/** @type {number} */ n) => picks.filter((v) => v.visit === n);
const pickOverWarm = (/** @type {number} */ n) => round(median(pick(n).map((v) => v.pickToDecisionMs / v.warmDetectMs)));

// 8: WebGPU, only on an adapter that is not a software fallback.
const webgpu = await probeWebGpu(server, { model: model.url, image: PHONE_IMAGE, reps: 20 });
const webnn = await probeWebNn(server);
await server.close();

const sizes = bundleSizes();
const lat = latency.figures;
const byImage = Object.fromEntries(images.map((image) => [image.name, { ...image, ...latency.byImage[image.name] }]));
const rate = (/** @type {{ ms: number, count: number }} */ f) => (f.count / f.ms) * 1000;
const allLongTasks = feeds.flatMap((f) => f.veil.longTasks);
const growth = (/** @type {'rendererRssBytes' | 'workerHeapBytes'} */ key) => round(((memoryAfter[key] - memoryBefore[key]) / memoryBefore[key]) * 100);

const result = {
  // Medians of every sample over the set; the per-image ratios are in `ratios`.
  detect_p50_ms: lat.detect_p50_ms,
  detect_p95_ms: lat.detect_p95_ms,
  session_run_p50_ms: lat.session_run_p50_ms,
  native_p50_ms: lat.native_p50_ms,
  nudenet_demo_p50_ms: lat.nudenet_demo_p50_ms,
  nsfwjs_p50_ms: lat.nsfwjs_p50_ms,
  nsfwjs_classify_p50_ms: lat.nsfwjs_classify_p50_ms,
  cold_first_decision_ms: round(median(visit(1).map((v) => v.ms))),
  warm_first_decision_ms: round(median(visit(2).map((v) => v.ms))),
  third_visit_first_decision_ms: round(median(visit(3).map((v) => v.ms))),
  cold_bytes_before_decision: median(visit(1).map((v) => v.bytes.total)),
  cold_bytes_gzip_before_decision: median(visit(1).map((v) => v.bytes.total_gzip)),
  warm_bytes_before_decision: median(visit(2).map((v) => v.bytes.total)),
  // A file picked 3 s after load: from the pick to the decision, on a repeat visit and on a fresh profile.
  pick_to_decision_ms: round(median(pick(2).map((v) => v.pickToDecisionMs))),
  pick_to_decision_fresh_ms: round(median(pick(1).map((v) => v.pickToDecisionMs))),
  pick_warm_detect_ms: round(median(pick(2).map((v) => v.warmDetectMs))),
  feed_images_per_s: round(median(feeds.map((f) => rate(f.veil)))),
  bare_session_images_per_s: round(median(feeds.map((f) => rate(f.bare)))),
  feed_long_tasks: allLongTasks.length,
  memory_growth_pct: growth('rendererRssBytes'),
  worker_heap_growth_pct: growth('workerHeapBytes'),
  main_entry_gzip_bytes: sizes.main_entry_gzip_bytes,
  ...classifierFigures(classifierSection).keys,
  video_all_p50_ms: videoSection.stop_at_null.p50_ms,
  video_watch_fps: videoSection.watch.sustained_fps,
  video_fixture_early_stop_p50_ms: videoSection.fixture_stop_at_block.p50_ms,
  big_photo_108mp_decision_ms: /** @type {any} */ (bigPhotos.timed.sizes.find((s) => s.mp === 108)).scaled.decision_p50_ms,
  big_photo_200mp_decision_ms: /** @type {any} */ (bigPhotos.timed.sizes.find((s) => s.mp === 200)).scaled.decision_p50_ms,
  big_photo_peak_mb: Math.max(...bigPhotos.timed.sizes.map((s) => /** @type {any} */ (s).scaled.peak_mb)),
  model: model.name,
  photo_set_images: names.length,
  worst_image: lat.worst_image,
  first_decision_image: PHONE_IMAGE,
  threads: cores,
  rounds: ROUNDS,
  generated_at: new Date().toISOString(),
};
const report = {
  ...result,
  ratios: {
    // Per image detect() over session.run, then the median and the worst over the set.
    detect_over_session: lat.detect_over_session,
    detect_over_session_worst: lat.detect_over_session_worst,
    detect_over_native: round(result.detect_p50_ms / result.native_p50_ms),
    // Per image detect() over each peer (from the same bytes), median and worst over the set.
    detect_over_nudenet_demo: lat.detect_over_nudenet_demo,
    detect_over_nudenet_demo_worst: lat.detect_over_nudenet_demo_worst,
    detect_over_nsfwjs: lat.detect_over_nsfwjs,
    detect_over_nsfwjs_worst: lat.detect_over_nsfwjs_worst,
    session_over_native: round(result.session_run_p50_ms / result.native_p50_ms),
    feed_over_bare_session: round(result.feed_images_per_s / result.bare_session_images_per_s),
    // Per visit, the pick-to-decision time over one warm detect() of the same file in the same page; medians.
    pick_over_warm_detect: pickOverWarm(2),
    pick_over_warm_detect_fresh: pickOverWarm(1),
    ...classifierFigures(classifierSection).ratios,
  },
  targets: /** @type {ReturnType<typeof targets>} */ ([]),
  details: {
    environment: {
      cores,
      cpu: cpus()[0]?.model,
      // Other work on the machine shows here: the figures are ratios and medians for that reason.
      load_average_1min: { start: round(loadAtStart[0] ?? 0), end: round(loadavg()[0] ?? 0) },
      chromium: chromiumVersion,
      chromium_isolated: setup.isolated,
      node: process.version,
      versions: Object.fromEntries(['onnxruntime-web', 'onnxruntime-node', 'nsfwjs', '@tensorflow/tfjs-backend-wasm'].map((p) => [p, version(p)])),
      veil: setup.info,
      nsfwjs: { ...nsfwSetup, model: 'MobileNetV2 (default)' },
      nudenet_demo: { ...demoSetup, nms_model: nmsModel.url, on: 'main thread', source: 'github.com/notAI-tech/NudeNet in_browser (src/App.js, src/utils/detect.js)' },
      session_options: SESSION_OPTIONS,
    },
    models,
    images: { dir: IMAGE_URL, by_image: byImage },
    samples: lat.samples,
    peers: { images: lat.images, leads_nudenet_demo_on: lat.leads_nudenet_demo_on, leads_nsfwjs_on: lat.leads_nsfwjs_on },
    feed: {
      images: feedImages,
      // The stages summed over the feed's calls: where Veil's time goes beyond the bare session's.
      runs: feeds.map((f) => ({
        veil_ms: round(f.veil.ms),
        bare_ms: round(f.bare.ms),
        stages_ms: Object.fromEntries(Object.entries(f.veil.stagesMs).map(([k, v]) => [k, round(v)])),
        long_tasks_ms: f.veil.longTasks.map(round),
      })),
    },
    memory: { before: memoryBefore, after: memoryAfter, detections: MEMORY_DETECTIONS, warmup: 50 },
    first_decision: {
      image: PHONE_IMAGE,
      linger_ms: VISIT_LINGER_MS,
      // Medians of each visit's parts (bench/lib/cold.mjs), fresh profile and repeat visit.
      parts_p50: { fresh: medianParts(visit(1)), repeat: medianParts(visit(2)), third: medianParts(visit(3)) },
      visits,
    },
    first_decision_as_users_feel_it: {
      image: PHONE_IMAGE,
      pick_after_load_ms: PICK_AFTER_MS,
      parts_p50: { fresh: medianParts(pick(1)), repeat: medianParts(pick(2)) },
      visits: picks,
    },
    webgpu,
    webnn,
    classifier: classifierSection,
    video: videoSection,
    big_photos: bigPhotos,
    bundle: sizes,
  },
};
report.targets = targets(report);
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/latest.json'), `${JSON.stringify(report, null, 2)}\n`);
printReport(report);
log('wrote bench/results/latest.json');
