/**
 * npm run bench -- --only engines: detect() on the photo set in Firefox ESR and
 * WebKitGTK against Chromium, as a ratio per image. All three browsers stay open
 * with a detector each (the YOLOv8n twin, WASM, as many threads as the machine
 * has cores in every engine, result cache off); each photo is screened in turn
 * by Chromium, Firefox and WebKit, so load from other work falls on all three
 * alike. One warm-up turn per image, then ROUNDS turns; an engine's figure for an
 * image is the median of its samples over Chromium's. Writes
 * bench/results/engines.json and prints a table (docs/browsers.md has a run).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error plain ES module without types
import { IMAGE_URL, prepareImages } from './lib/images.mjs';
// @ts-expect-error plain ES module without types
import { buildLibrary, prepareModels } from './lib/prepare.mjs';
// @ts-expect-error plain ES module without types
import { median, round } from './lib/stats.mjs';
import { startEngine, type Engine, type EngineName } from '../test/engines/drivers.js';
import { ROOT } from '../test/support/fixture-data.js';
import { startServer } from '../test/support/server.js';

const ROUNDS = process.argv.includes('--quick') ? 1 : 3;
const ENGINES: EngineName[] = ['chromium', 'firefox', 'webkit'];
const threads = availableParallelism();
const log = (line: string) => console.log(line);

buildLibrary();
const model = (await prepareModels()).find((m: { name: string }) => m.name === 'yolov8n-twin-320');
const images: { name: string }[] = prepareImages();
const urls = images.map((i) => `${IMAGE_URL}/${i.name}`);
const server = await startServer();
const engines: Engine[] = [];
const load = [loadavg()[0]];
try {
  for (const name of ENGINES) {
    const engine = await startEngine(name);
    engines.push(engine);
    await engine.goto(`${server.url}/test/engines/page.html`);
    await engine.evaluate("new Promise((resolve) => (window.engineCheck ? resolve(true) : addEventListener('engine-checks-ready', () => resolve(true))))");
    const opened = await engine.check<{ threads: number }>('benchOpen', { model: model.url, threads, urls });
    log(`${name}: detector on WASM, ${opened.threads} threads`);
  }
  const samples: Record<EngineName, Record<string, number[]>> = { chromium: {}, firefox: {}, webkit: {} };
  /** An image an engine could not screen (a format it does not decode): no figure, the error instead. */
  const errors: Record<EngineName, Record<string, { code: string; message: string }>> = { chromium: {}, firefox: {}, webkit: {} };
  for (let round = 0; round <= ROUNDS; round++) {
    for (const url of urls) {
      for (const engine of engines) {
        const r = await engine.check<{ ms: number } | { error: { code: string; message: string } }>('benchDetect', { url });
        if ('error' in r) errors[engine.name][url] = r.error;
        else if (round > 0) (samples[engine.name][url] ??= []).push(r.ms);
      }
    }
    log(round === 0 ? 'warm-up turn done' : `round ${round} of ${ROUNDS} done`);
  }
  load.push(loadavg()[0]);
  const byImage = images.map((image, i) => {
    const url = urls[i]!;
    const p50 = Object.fromEntries(ENGINES.map((e) => [e, samples[e][url] ? round(median(samples[e][url]!)) : null])) as Record<EngineName, number | null>;
    const ratio = (e: EngineName) => (p50[e] !== null && p50.chromium !== null ? round(p50[e]! / p50.chromium) : null);
    const failed = Object.fromEntries(ENGINES.filter((e) => errors[e][url]).map((e) => [e, errors[e][url]]));
    return { image: image.name, p50_ms: p50, firefox_over_chromium: ratio('firefox'), webkit_over_chromium: ratio('webkit'), ...(Object.keys(failed).length && { errors: failed }) };
  });
  const summary = (key: 'firefox_over_chromium' | 'webkit_over_chromium') => {
    const timed = byImage.filter((r) => r[key] !== null) as { image: string; firefox_over_chromium: number; webkit_over_chromium: number }[];
    const values = timed.map((r) => r[key]);
    if (values.length === 0) return null;
    const worst = timed.reduce((w, r) => (r[key] > w[key] ? r : w));
    return { images: values.length, median: round(median(values)), best: round(Math.min(...values)), worst: round(Math.max(...values)), worst_image: worst.image };
  };
  const results = {
    date: new Date().toISOString(),
    model: model.name,
    threads,
    rounds: ROUNDS,
    load_average: { start: load[0], end: load[1] },
    engines: Object.fromEntries(await Promise.all(engines.map(async (e) => [e.name, await e.evaluate<string>('navigator.userAgent')]))),
    set_p50_ms: Object.fromEntries(ENGINES.map((e) => [e, round(median(Object.values(samples[e]).flat()))])),
    // The set's median over the images every engine screened, so that one engine's gaps do not move it.
    common_set_p50_ms: Object.fromEntries(ENGINES.map((e) => [e, round(median(urls.filter((u) => ENGINES.every((x) => samples[x][u])).flatMap((u) => samples[e][u]!)))])),
    firefox_over_chromium: summary('firefox_over_chromium'),
    webkit_over_chromium: summary('webkit_over_chromium'),
    by_image: byImage,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/engines.json'), JSON.stringify(results, null, 2));
  log('\n| image | Chromium ms | Firefox ms | x | WebKit ms | x |\n| --- | --- | --- | --- | --- | --- |');
  for (const r of byImage) log(`| ${r.image} | ${r.p50_ms.chromium ?? 'error'} | ${r.p50_ms.firefox ?? (r.errors?.firefox?.code ?? '')} | ${r.firefox_over_chromium ?? ''} | ${r.p50_ms.webkit ?? (r.errors?.webkit?.code ?? '')} | ${r.webkit_over_chromium ?? ''} |`);
  log(`\nset p50 (images all three screened): ${JSON.stringify(results.common_set_p50_ms)}; Firefox / Chromium ${JSON.stringify(results.firefox_over_chromium)}; WebKit / Chromium ${JSON.stringify(results.webkit_over_chromium)}; load ${load.map((l) => l.toFixed(1)).join(' -> ')}`);
} finally {
  for (const engine of engines) await engine.close().catch(() => undefined);
  await server.close();
}
