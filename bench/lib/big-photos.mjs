// @ts-check
/**
 * Phone photos from 12 to 200 MP (test/fixtures/big-photos.mjs: real photographs
 * enlarged, JPEG quality 90, 4:2:0, never committed), through detect() with the
 * default options, which decode a JPEG over limits.maxDecodePixels (40 MP) at
 * 1/2, 1/4 or 1/8 of its size:
 *
 *  - time to decision: detect() on a Blob already in the page, from the call to
 *    the result, each large photo in turn with the 12 MP one (medians);
 *  - peak memory: the renderer process's peak resident memory while one detect()
 *    runs, over what it held just before (the worker lives in that process; the
 *    peak is reset through /proc/PID/clear_refs, so it is this call's own), for
 *    the default path and for a full decode (limits.maxDecodePixels raised);
 *    each size in a browser of its own;
 *  - drift: nsfwjs's classifier probabilities and the YOLOv8n twin's scores of the
 *    scaled decode against a full decode of the same photo, on every source photo
 *    at 48, 108 and 200 MP.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error plain ES module without types
import { bigPhoto, PHONE_SIZES } from '../../test/fixtures/big-photos.mjs';
import { launch } from './browser.mjs';
import { ROOT } from './server.mjs';
import { median, round } from './stats.mjs';

const DIR = join(ROOT, 'bench/.cache/big');
const SOURCES = join(ROOT, 'test/.cache/photos/sources');
const PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'hubble_deep_field.jpg', 'rocket.jpg'];
/** The large sizes measured in turn with the 12 MP photo. */
export const BIG_SIZES = [24, 48, 108, 200];
const DRIFT_SIZES = [48, 108, 200];
/** Probabilities and scores to 4 decimals (stats.mjs's `round` keeps 2 below 10). */
const r4 = (/** @type {number} */ x) => Math.round(x * 1e4) / 1e4;
/** A full decode of anything up to 250 MP, the path the ceiling replaces. */
const FULL = { maxDecodePixels: 250e6 };

/** @param {string} source @param {number} mp */
async function photo(source, mp) {
  const [width, height] = PHONE_SIZES[mp];
  const path = await bigPhoto(join(SOURCES, source), DIR, width, height);
  return { mp, width, height, path, url: `/${path.slice(ROOT.length).replace(/^\/+/, '')}`, bytes: readFileSync(path).length };
}

/** The photos the sections need, made once (a 200 MP one takes about 10 s to encode). */
export async function prepareBigPhotos({ drift = true } = {}) {
  const timed = [];
  for (const mp of [12, ...BIG_SIZES]) timed.push(await photo('hubble_deep_field.jpg', mp));
  const drifting = [];
  if (drift) for (const source of PHOTOS) for (const mp of DRIFT_SIZES) drifting.push({ source, ...(await photo(source, mp)) });
  return { timed, drifting };
}

/** @param {import('@playwright/test').Browser} browser */
async function rendererPids(browser) {
  const session = await browser.newBrowserCDPSession();
  const { processInfo } = /** @type {{ processInfo: { type: string, id: number }[] }} */ (await session.send('SystemInfo.getProcessInfo'));
  await session.detach();
  return processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
}

const kb = (/** @type {number} */ pid, /** @type {string} */ key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

/**
 * Runs `fn` (one detect() in the page) and returns its result with the renderer's
 * peak resident memory during it over what it held before, in MB.
 * @template T @param {number[]} pids @param {() => Promise<T>} fn
 */
async function peakDuring(pids, fn) {
  const before = new Map(pids.map((pid) => [pid, kb(pid, 'VmRSS')]));
  let reset = true;
  for (const pid of pids) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      reset = false; // not allowed here: the peak is then the process's whole life's
    }
  }
  const value = await fn();
  const peakMb = Math.max(...pids.map((pid) => kb(pid, 'VmHWM') - (before.get(pid) ?? 0))) / 1024;
  return { value, peakMb: round(peakMb), reset };
}

/** @param {import('@playwright/test').Page} page @param {{ model: string, classifier?: object, limits?: object }} options */
async function openDetector(page, serverUrl, options) {
  await page.goto(`${serverUrl}/bench/pages/blank.html`);
  await page.evaluate(async (options) => {
    const veil = await import('/dist/index.js');
    const w = /** @type {any} */ (window);
    w.blobs = new Map();
    w.detector = await veil.createDetector({ ...options, providers: ['wasm'], cache: false, warmUp: false });
  }, options);
}

/** detect() on the photo at `url` (fetched once): milliseconds to the result, and the parts of it that say which path ran. */
const detectIn = (/** @type {import('@playwright/test').Page} */ page, /** @type {string} */ url) =>
  page.evaluate(async (url) => {
    const w = /** @type {any} */ (window);
    if (!w.blobs.has(url)) w.blobs.set(url, await (await fetch(url)).blob());
    const started = performance.now();
    const r = await w.detector.detect(w.blobs.get(url));
    return { ms: performance.now() - started, decoder: r.timings.decoder, decode_ms: r.timings.decode_ms, decision: r.decision, probabilities: r.raw.classifier?.probabilities ?? null, nudenet: r.raw.nudenet ?? [] };
  }, url);

/**
 * @param {{ serverUrl: string, model: { url: string, name: string }, threads: number, rounds: number, photos: Awaited<ReturnType<typeof prepareBigPhotos>>['timed'], log: (m: string) => void }} o
 */
export async function measureBigPhotos(o) {
  const small = o.photos.find((p) => p.mp === 12);
  if (!small) throw new Error('no 12 MP photo');
  const sizes = [];
  for (const big of o.photos.filter((p) => p.mp !== 12)) {
    const row = { mp: big.mp, size: `${big.width}x${big.height}`, megabytes: round(big.bytes / 2 ** 20) };
    for (const [path, limits] of /** @type {const} */ ([['scaled', undefined], ['full', FULL]])) {
      const browser = await launch();
      try {
        const page = await browser.newPage();
        await openDetector(page, o.serverUrl, { model: o.model.url, threads: o.threads, ...(limits && { limits }) });
        const pids = await rendererPids(browser);
        // The first call of a detector pays its own start-up: one of each first, then the peaks, then the turns.
        await detectIn(page, small.url);
        const smallPeak = await peakDuring(pids, () => detectIn(page, small.url));
        const bigPeak = await peakDuring(pids, () => detectIn(page, big.url));
        const times = { small: /** @type {number[]} */ ([]), big: /** @type {number[]} */ ([]) };
        for (let r = 0; r < (path === 'scaled' ? o.rounds : 1); r++) {
          times.small.push((await detectIn(page, small.url)).ms);
          times.big.push((await detectIn(page, big.url)).ms);
        }
        Object.assign(row, {
          [path]: {
            decoder: bigPeak.value.decoder,
            decision_p50_ms: round(median(times.big)),
            decode_p50_ms: round(bigPeak.value.decode_ms),
            peak_mb: bigPeak.peakMb,
            with_12mp_p50_ms: round(median(times.small)),
            peak_12mp_mb: smallPeak.peakMb,
            peak_reset: bigPeak.reset,
          },
        });
      } finally {
        await browser.close();
      }
    }
    o.log(`big photos: ${row.mp} MP ${JSON.stringify(row)}`);
    sizes.push(row);
  }
  return { model: o.model.name, threads: o.threads, rounds: o.rounds, sizes };
}

/**
 * @param {{ serverUrl: string, model: { url: string, name: string }, classifier: { name: string, url: string }, threads: number, photos: Awaited<ReturnType<typeof prepareBigPhotos>>['drifting'], log: (m: string) => void }} o
 */
export async function measureDrift(o) {
  const browser = await launch();
  const rows = [];
  try {
    const scaled = await browser.newPage();
    const full = await browser.newPage();
    const options = { model: o.model.url, classifier: { name: o.classifier.name, model: o.classifier.url }, threads: o.threads };
    await openDetector(scaled, o.serverUrl, options);
    await openDetector(full, o.serverUrl, { ...options, limits: FULL });
    for (const p of o.photos) {
      const a = await detectIn(scaled, p.url);
      const b = await detectIn(full, p.url);
      const classes = Object.keys(a.probabilities ?? {});
      const probability = Math.max(0, ...classes.map((c) => Math.abs(a.probabilities[c] - b.probabilities[c])));
      const top = (/** @type {Record<string, number>} */ q) => Object.entries(q).sort((x, y) => y[1] - x[1])[0]?.[0];
      const twinScore = Math.max(0, ...a.nudenet.map((d, i) => Math.abs(d.score - (b.nudenet[i]?.score ?? 0))));
      rows.push({
        photo: p.source,
        mp: p.mp,
        decoders: [a.decoder, b.decoder],
        same_decision: a.decision === b.decision,
        same_top_class: top(a.probabilities) === top(b.probabilities),
        probability,
        detections: [a.nudenet.length, b.nudenet.length],
        twin_score: twinScore,
      });
      o.log(`drift: ${p.source} at ${p.mp} MP: probabilities ${probability.toFixed(4)} apart, ${a.decoder} vs ${b.decoder}`);
    }
  } finally {
    await browser.close();
  }
  const by = (/** @type {number} */ mp) => rows.filter((r) => r.mp === mp);
  const summary = DRIFT_SIZES.map((mp) => ({
    mp,
    photos: by(mp).length,
    largest_probability: r4(Math.max(...by(mp).map((r) => r.probability))),
    median_probability: r4(median(by(mp).map((r) => r.probability))),
    same_top_class: by(mp).filter((r) => r.same_top_class).length,
    same_decision: by(mp).filter((r) => r.same_decision).length,
    largest_twin_score: r4(Math.max(...by(mp).map((r) => r.twin_score))),
  }));
  return { model: o.model.name, classifier: o.classifier.name, summary, rows };
}

/** @param {Awaited<ReturnType<typeof measureBigPhotos>>} b @param {Awaited<ReturnType<typeof measureDrift>> | null} d */
export function bigPhotoLines(b, d) {
  const lines = [`Phone photos, default options (${b.model}, ${b.threads} threads; medians of ${b.rounds} turns with a 12 MP photo):`];
  lines.push('| photo | file | path | time to decision | decode | peak memory | full decode: time, peak |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of /** @type {any[]} */ (b.sizes)) {
    lines.push(`| ${r.mp} MP ${r.size} | ${r.megabytes} MB | ${r.scaled.decoder} | ${r.scaled.decision_p50_ms} ms (12 MP: ${r.scaled.with_12mp_p50_ms}) | ${r.scaled.decode_p50_ms} ms | ${r.scaled.peak_mb} MB (12 MP: ${r.scaled.peak_12mp_mb}) | ${r.full.decision_p50_ms} ms, ${r.full.peak_mb} MB |`);
  }
  if (d) {
    lines.push('', `Drift of the scaled decode against a full decode (${d.classifier} probabilities, ${d.model} scores):`);
    for (const s of d.summary) lines.push(`  ${s.mp} MP: ${s.photos} photos, largest ${s.largest_probability}, median ${s.median_probability}; same top class ${s.same_top_class}/${s.photos}, same decision ${s.same_decision}/${s.photos}; twin scores ${s.largest_twin_score}`);
  }
  return lines;
}
