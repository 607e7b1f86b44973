// @ts-check
/**
 * The first visit on a phone's network: a fresh browser profile, the
 * connection shaped by Chromium's network emulation (DevTools' Network.
 * emulateNetworkConditions: 10 Mbit/s down with 40 ms latency, and 1.6 Mbit/s with
 * 150 ms, Lighthouse's mobile profile),
 * a page that loads its screening code and screens one photo
 * (bench/pages/first-visit.html). Two figures a visit: the bytes the server sent
 * (bodies, as sent: compressed where a copy was sent), and the milliseconds from
 * the start of navigation to the first decision.
 *
 * Two states of the server and files, in turns per contender:
 *   before  files sent as they are (no precompressed copies), the classifier as
 *           the converter wrote it before (float32 weights, 10.3 MB)
 *   after   every file sent as its brotli copy (quality 11, as `npx veil-nsfw
 *           assets`/`models` write them; for nsfwjs's and the NudeNet demo's files
 *           too, kept in bench/.cache/wire/), the classifier with nsfwjs's uint8 weights
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { launchProfile } from './browser.mjs';
import { ROOT } from './server.mjs';

const WIRE = join(ROOT, 'bench/.cache/wire');
export const FIRST_VISIT_COPIES = WIRE;

/** Network profiles: Chromium's emulation takes bytes per second and ms of latency. */
export const NETWORKS = {
  '10 Mbit/s, 40 ms': { downloadThroughput: (10e6 / 8), uploadThroughput: (5e6 / 8), latency: 40 },
  // Lighthouse's mobile profile ("slow 4G").
  '1.6 Mbit/s, 150 ms': { downloadThroughput: (1.6e6 / 8), uploadThroughput: (0.75e6 / 8), latency: 150 },
};

/**
 * Brotli (11) and gzip (9) copies of every file served in `paths`, kept in bench/.cache/wire/
 * under their paths, as a server that precompresses would have them; skipped when up to date.
 * @param {string[]} paths URL paths from the root
 */
export function writeWireCopies(paths) {
  let written = 0;
  for (const p of new Set(paths)) {
    const file = join(ROOT, decodeURIComponent(p));
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    const base = join(WIRE, decodeURIComponent(p));
    const mtime = statSync(file).mtimeMs;
    if (existsSync(`${base}.br`) && statSync(`${base}.br`).mtimeMs >= mtime && existsSync(`${base}.gz`)) continue;
    mkdirSync(dirname(base), { recursive: true });
    const data = readFileSync(file);
    writeFileSync(`${base}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
    writeFileSync(`${base}.gz`, gzipSync(data, { level: 9 }));
    written++;
  }
  return written;
}

/**
 * One first visit on a fresh profile.
 * @param {import('./server.mjs').BenchServer} server
 * @param {{ query: string, network: keyof typeof NETWORKS, timeoutMs?: number }} visit
 */
export async function firstVisit(server, { query, network, timeoutMs = 300_000 }) {
  const base = join(ROOT, 'bench/.cache/profiles');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, 'first-visit-'));
  const context = await launchProfile(dir);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...NETWORKS[network] });
    // When each request started and ended (the page's and its workers'), from the navigation's start.
    /** @type {Map<import('@playwright/test').Request, { url: string, start: number, end?: number }>} */
    const requests = new Map();
    context.on('request', (r) => requests.set(r, { url: r.url(), start: performance.now() }));
    context.on('requestfinished', (r) => {
      const entry = requests.get(r);
      if (entry) entry.end = performance.now();
    });
    const mark = server.log.length;
    await page.goto(`${server.url}/bench/pages/first-visit.html?${query}`, { timeout: timeoutMs });
    await page.waitForFunction(() => /** @type {any} */ (window).firstDecision, null, { timeout: timeoutMs, polling: 50 });
    const first = await page.evaluate(() => /** @type {any} */ (window).firstDecision);
    if (first.error) throw new Error(`first visit (${query}) failed: ${first.error}`);
    const all = [...requests.values()];
    const t0 = all.find((r) => r.url.includes('/first-visit.html'))?.start ?? 0;
    const timeline = all
      .filter((r) => r.url.startsWith('http') && r.end !== undefined)
      .map((r) => ({ path: new URL(r.url).pathname.split('/').pop(), start_ms: Math.round(r.start - t0), end_ms: Math.round(/** @type {number} */ (r.end) - t0) }))
      .sort((a, b) => a.start_ms - b.start_ms);
    const served = server.log.slice(mark).filter((s) => s.status === 200);
    const bytes = served.reduce((sum, s) => sum + s.bytes, 0);
    return {
      ms: Math.round(first.ms),
      ready_ms: Math.round(first.readyMs),
      warm_detect_ms: first.warmMs === undefined ? null : Math.round(first.warmMs),
      timeline,
      decision: first.decision,
      bytes,
      requests: served.length,
      paths: served.map((s) => s.path),
      encodings: [...new Set(served.map((s) => s.encoding ?? 'identity'))],
      largest: served
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 4)
        .map((s) => ({ path: s.path, bytes: s.bytes, encoding: s.encoding ?? 'identity' })),
    };
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
