/**
 * What each way of decoding a phone photo costs the page's renderer process
 * (where the worker lives), with nothing else running: `node bench/decode-memory.mjs`
 * (wrap it in flock like every browser run here). Each photo and way in a
 * browser of its own; one decode in a worker, timed, and the renderer's peak
 * resident memory during it over what it held just before (the peak reset
 * through /proc/PID/clear_refs). The ways: `decoder` (ImageDecoder, whole, its
 * planes copied out), `decoder:0.5` and `decoder:0.25` (its desired size at 1/2
 * and 1/4, the frame copied out whole), `decoder:0.5:rows` (1/2, about 640 pairs
 * of rows copied out with copyTo's rect, as the library does), `bitmap`
 * (createImageBitmap). JPEGs at 48, 108 and 200 MP, a 108 MP lossy WebP and a
 * 48 MP AVIF, made from a real photo (test/fixtures/big-photos.mjs). Prints one
 * JSON line per measurement; docs/limits-and-security.md has the figures.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error plain ES module without types
import { bigPhoto } from '../test/fixtures/big-photos.mjs';
import { launch } from './lib/browser.mjs';
import { ROOT, startServer } from './lib/server.mjs';

const SOURCE = join(ROOT, 'test/.cache/photos/sources/coffee.png');
const DIR = join(ROOT, 'bench/.cache/big');
const modes = ['decoder', 'decoder:0.5', 'decoder:0.5:rows', 'decoder:0.25', 'bitmap'];
const files = [];
for (const [w, h, format] of /** @type {const} */ ([[8064, 6048, 'jpeg'], [12000, 9000, 'jpeg'], [16320, 12240, 'jpeg'], [12000, 9000, 'webp'], [8064, 6048, 'avif']])) {
  files.push((await bigPhoto(SOURCE, DIR, w, h, { format })).slice(ROOT.length).replace(/^\/+/, ''));
}
const server = await startServer();
const WORKER = `onmessage = async (e) => { const { url, mode, scale } = e.data; let bytes;
  try { bytes = new Uint8Array(await (await fetch(url)).arrayBuffer()); } catch (err) { postMessage({ ready: true, error: String(err) }); return; }
  const type = url.endsWith('.jpg') ? 'image/jpeg' : url.endsWith('.webp') ? 'image/webp' : 'image/avif';
  postMessage({ ready: true }); await new Promise((r) => (onmessage = r));
  const t0 = performance.now(); let out;
  try {
    if (mode === 'bitmap') { const b = await createImageBitmap(new Blob([bytes], { type }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' }); out = { size: [b.width, b.height] }; b.close(); }
    else {
      const opts = { data: bytes, type, colorSpaceConversion: 'none', preferAnimation: false };
      if (scale) { opts.desiredWidth = Math.ceil(e.data.w * scale); opts.desiredHeight = Math.ceil(e.data.h * scale); }
      const d = new ImageDecoder(opts); const { image } = await d.decode();
      let buf; if (e.data.rows) { buf = new Uint8Array(image.codedWidth * 4 * 2); let n = 0; const t1 = performance.now(); for (let y = 0; y + 2 <= image.codedHeight; y += Math.floor(image.codedHeight / 640) || 1) { await image.copyTo(buf, { rect: { x: 0, y, width: image.codedWidth, height: 2 }, format: 'RGBA' }); n++; } e.data.rowsMs = performance.now() - t1; e.data.runs = n; } else { buf = new Uint8Array(image.allocationSize()); await image.copyTo(buf); }
      out = { size: [image.codedWidth, image.codedHeight], format: image.format, alloc: buf.length, rowsMs: e.data.rowsMs, runs: e.data.runs }; image.close(); d.close();
    }
  } catch (err) { out = { error: String(err) }; }
  postMessage({ ms: performance.now() - t0, out }); };`;
const results = [];
for (const file of files) {
  const [w, h] = (/(\d+)x(\d+)/.exec(file) ?? []).slice(1).map(Number);
  for (const m of modes) {
    const [mode, scale, rows] = m.split(':');
    const browser = await launch();
    const page = await browser.newPage();
    await page.goto(`${server.url}/bench/pages/bench.html`);
    const session = await browser.newBrowserCDPSession();
    const pids = (await session.send('SystemInfo.getProcessInfo')).processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
    const kb = (pid, key) => Number(new RegExp(key + ':\\s+(\\d+)').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    await page.evaluate(({ src, url, mode, scale, w, h, rows }) => new Promise((resolve, reject) => {
      window.w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
      window.w.onmessage = () => resolve(); window.w.onerror = (e) => reject(new Error(e.message));
      window.w.postMessage({ url, mode, scale: scale ? Number(scale) : 0, w, h, rows: rows === 'rows' });
    }), { src: WORKER, url: `${server.url}/${file}`, mode, scale, w, h, rows });
    const before = Object.fromEntries(pids.map((p) => [p, kb(p, 'VmRSS')]));
    for (const p of pids) writeFileSync(`/proc/${p}/clear_refs`, '5');
    const answer = await page.evaluate(() => new Promise((resolve) => { window.w.onmessage = (e) => resolve(e.data); window.w.postMessage('go'); }));
    const peak = Math.max(...pids.map((p) => kb(p, 'VmHWM') - before[p]));
    results.push({ file, mode: m, ms: Math.round(answer.ms), peakMB: Math.round(peak / 1024), ...answer.out });
    console.log(JSON.stringify(results.at(-1)));
    await browser.close();
  }
}
await server.close();
