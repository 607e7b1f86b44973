// @ts-check
/**
 * Time to the first decision as a visitor meets it: a fresh browser profile
 * opens a page that imports the library, creates a detector with the default
 * options and screens one image (bench/pages/first.html). Visit 1 finds every
 * cache empty; visits 2 and 3 restart the browser on the same profile, with the
 * HTTP cache, Cache Storage (the model) and V8's code cache as visit 1 left them.
 * Each visit stays open `lingerMs` after its decision, as a reader stays on a
 * page: V8 writes a WebAssembly module's code cache only once enough of it has
 * been optimised, a few seconds in, so a browser closed at the first decision
 * would leave later visits a cache no real visitor's would.
 * Bytes are what the server sent during the visit, uncompressed, by kind, and
 * what the same files weigh gzipped, as a production server would send them.
 *
 * With `pickAfterMs`, the page is bench/pages/first-pick.html instead: the detector
 * is created as the page opens and a file is handed to detect() that long after the
 * load event, as a user picks one; the figure is then from the pick to the decision,
 * beside one warm detect() of the same file.
 *
 * Each visit is broken into parts: the page and the library's import, the WASM and
 * model downloads (from the browser's network events, which include the worker's
 * requests), the rest of createDetector (starting the worker, compiling onnxruntime's
 * WASM, creating the session: not separable from outside the library), and the first
 * detect() with the worker's stage timings (decode, preprocess, inference, postprocess).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchProfile } from './browser.mjs';
import { ROOT } from './server.mjs';

/** @typedef {import('./server.mjs').BenchServer} BenchServer */

const kindOf = (/** @type {string} */ path) =>
  ({ '.wasm': 'wasm', '.onnx': 'model', '.ort': 'model', '.js': 'js', '.mjs': 'js', '.html': 'html', '.jpg': 'image', '.png': 'image', '.webp': 'image' })[extname(path)] ?? 'other';

/** @type {Map<string, number>} */
const gzipped = new Map();
const gzipSize = (/** @type {string} */ path) => {
  if (!gzipped.has(path)) gzipped.set(path, gzipSync(readFileSync(join(ROOT, decodeURIComponent(path))), { level: 6 }).length);
  return /** @type {number} */ (gzipped.get(path));
};

/** @typedef {{ url: string, startMs: number, endMs: number }} Fetched */

/**
 * One visit's parts, in milliseconds from the start of navigation (the page's clock).
 * A download is from the browser's cache when the server sent nothing for it during the visit.
 * @param {any} first what the page reported @param {Fetched[]} fetched
 * @param {import('./server.mjs').Served[]} served what the server sent during the visit
 */
function partsOf(first, fetched, served) {
  const span = (/** @type {RegExp} */ re) => {
    const hits = fetched.filter((f) => re.test(f.url));
    if (hits.length === 0) return null;
    const start = Math.min(...hits.map((f) => f.startMs));
    const end = Math.max(...hits.map((f) => f.endMs));
    const sent = served.some((s) => s.status === 200 && hits.some((f) => new URL(f.url).pathname === s.path));
    return { start_ms: Math.round(start), end_ms: Math.round(end), ms: Math.round(end - start), from_cache: !sent };
  };
  const wasm = span(/\.wasm(\?|$)/);
  const modelFile = span(/\.(onnx|ort)(\?|$)/);
  const t = first.timings ?? {};
  const stages = ['queue_ms', 'decode_ms', 'preprocess_ms', 'inference_ms', 'postprocess_ms'];
  const detectMs = first.ms - Math.max(first.readyMs, first.pickedMs ?? 0);
  const downloadsEnd = Math.max(first.importMs, wasm?.end_ms ?? 0, modelFile?.end_ms ?? 0);
  return {
    page_and_import_ms: Math.round(first.importMs),
    wasm_download: wasm,
    model_download: modelFile,
    create_detector_ms: Math.round(first.readyMs - first.importMs),
    // From the last download's end (or the import) to the detector being ready.
    worker_wasm_compile_and_session_ms: Math.round(first.readyMs - Math.min(first.readyMs, downloadsEnd)),
    first_detect_ms: Math.round(detectMs),
    first_detect_stages: Object.fromEntries(stages.map((k) => [k, t[k]])),
    first_detect_other_ms: Math.round(detectMs - stages.reduce((sum, k) => sum + (t[k] ?? 0), 0)),
  };
}

/**
 * @param {BenchServer} server
 * @param {{ model: string, image: string, profiles: number, visits: number, lingerMs: number, pickAfterMs?: number }} options
 */
export async function firstDecisions(server, { model, image, profiles, visits, lingerMs, pickAfterMs }) {
  const base = join(ROOT, 'bench/.cache/profiles');
  mkdirSync(base, { recursive: true });
  /** @type {any[]} */
  const rows = [];
  const pageUrl = pickAfterMs === undefined ? 'first.html' : `first-pick.html?pickAfter=${pickAfterMs}&`;
  for (let p = 0; p < profiles; p++) {
    const dir = mkdtempSync(join(base, 'profile-'));
    try {
      for (let visit = 1; visit <= visits; visit++) {
        const context = await launchProfile(dir);
        try {
          const page = context.pages()[0] ?? (await context.newPage());
          /** @type {Fetched[]} */
          const fetched = [];
          context.on('requestfinished', (request) => {
            const timing = request.timing();
            fetched.push({ url: request.url(), startMs: timing.startTime, endMs: timing.startTime + timing.responseEnd });
          });
          const mark = server.log.length;
          const sep = pageUrl.endsWith('&') ? '' : '?';
          await page.goto(`${server.url}/bench/pages/${pageUrl}${sep}model=${encodeURIComponent(model)}&image=${encodeURIComponent(image)}`);
          await page.waitForFunction(() => /** @type {any} */ (window).firstDecision, null, { timeout: 120_000, polling: 20 });
          const served = server.log.slice(mark);
          const first = await page.evaluate(() => /** @type {any} */ (window).firstDecision);
          if (first.error) throw new Error(`first decision failed: ${first.error}`);
          /** @type {Record<string, number>} */
          const bytes = { total: 0, total_gzip: 0 };
          for (const s of served) {
            bytes[kindOf(s.path)] = (bytes[kindOf(s.path)] ?? 0) + s.bytes;
            bytes.total += s.bytes;
            if (s.bytes > 0) bytes.total_gzip += gzipSize(s.path);
          }
          // Network times are wall-clock (epoch ms); the page's are from its time origin.
          const local = fetched.map((f) => ({ ...f, startMs: f.startMs - first.timeOrigin, endMs: f.endMs - first.timeOrigin }));
          const { error: _, timeOrigin: __, ...reported } = first;
          rows.push({ visit, ...reported, bytes, requests: served.length, parts: partsOf(first, local, served) });
          await page.waitForTimeout(lingerMs);
        } finally {
          await context.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

/**
 * The parts of several visits, each the median over them (a download absent from every visit reads null).
 * @param {any[]} rows rows of firstDecisions for one visit number
 */
export function medianParts(rows) {
  const mid = (/** @type {(number | null)[]} */ values) => {
    const v = /** @type {number[]} */ (values.filter((x) => typeof x === 'number')).sort((a, b) => a - b);
    if (v.length === 0) return null;
    return Math.round((v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) * 10) / 10;
  };
  const parts = rows.map((r) => r.parts);
  const stage = (/** @type {string} */ k) => mid(parts.map((p) => p.first_detect_stages[k] ?? null));
  return {
    page_and_import_ms: mid(parts.map((p) => p.page_and_import_ms)),
    wasm_download_ms: mid(parts.map((p) => p.wasm_download?.ms ?? null)),
    model_download_ms: mid(parts.map((p) => p.model_download?.ms ?? null)),
    create_detector_ms: mid(parts.map((p) => p.create_detector_ms)),
    worker_wasm_compile_and_session_ms: mid(parts.map((p) => p.worker_wasm_compile_and_session_ms)),
    first_detect_ms: mid(parts.map((p) => p.first_detect_ms)),
    first_detect_decode_ms: stage('decode_ms'),
    first_detect_preprocess_ms: stage('preprocess_ms'),
    first_detect_inference_ms: stage('inference_ms'),
    first_detect_postprocess_ms: stage('postprocess_ms'),
    first_detect_other_ms: mid(parts.map((p) => p.first_detect_other_ms)),
  };
}
