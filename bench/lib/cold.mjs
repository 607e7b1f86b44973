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

/**
 * @param {BenchServer} server
 * @param {{ model: string, image: string, profiles: number, visits: number, lingerMs: number }} options
 */
export async function firstDecisions(server, { model, image, profiles, visits, lingerMs }) {
  const base = join(ROOT, 'bench/.cache/profiles');
  mkdirSync(base, { recursive: true });
  /** @type {{ visit: number, ms: number, readyMs: number, detectMs: number, modelCached: boolean, bytes: Record<string, number>, requests: number }[]} */
  const rows = [];
  for (let p = 0; p < profiles; p++) {
    const dir = mkdtempSync(join(base, 'profile-'));
    try {
      for (let visit = 1; visit <= visits; visit++) {
        const context = await launchProfile(dir);
        try {
          const page = context.pages()[0] ?? (await context.newPage());
          const mark = server.log.length;
          await page.goto(`${server.url}/bench/pages/first.html?model=${encodeURIComponent(model)}&image=${encodeURIComponent(image)}`);
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
          rows.push({ visit, ms: first.ms, readyMs: first.readyMs, detectMs: first.detectMs, modelCached: first.modelCached, bytes, requests: served.length });
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
