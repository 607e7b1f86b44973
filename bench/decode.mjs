// @ts-check
/**
 * Decoding of the photos people upload (bench/lib/decode_images.py makes them from
 * the real photos in test/.cache/photos): run with `node bench/decode.mjs`.
 *
 *   --probe            what WebCodecs' ImageDecoder returns per layout (format,
 *                      rotation, colour space) and how long each decoding step takes
 *   --compare DIR      detect()'s decode_ms with the library built in DIR against
 *                      dist/, in turns, medians (before/after a change)
 *   --rounds N         samples per figure (default 7)
 *   --only TEXT        only the images whose name contains TEXT
 *
 * Prints JSON and a table. Wrap in flock like every browser run here.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { launch } from './lib/browser.mjs';
import { ROOT, startServer } from './lib/server.mjs';
import { median } from './lib/stats.mjs';

const arg = (/** @type {string} */ name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const rounds = Number(arg('--rounds') ?? 7);
const compare = arg('--compare');
const OUT = join(ROOT, 'bench/.cache/decode');

/** The photos people upload, in each layout (test/fixtures/make_layouts.py). */
const IMAGES = [
  { name: 'portrait-1200x1666-420.jpg', source: 'astronaut.png', width: 1200, height: 1666 },
  { name: 'portrait-1200x1666-420-progressive.jpg', source: 'astronaut.png', width: 1200, height: 1666, progressive: true },
  { name: 'portrait-1200x1666-420-restart.jpg', source: 'astronaut.png', width: 1200, height: 1666, restart: 8 },
  { name: 'portrait-1200x1666-422.jpg', source: 'astronaut.png', width: 1200, height: 1666, layout: '422' },
  { name: 'portrait-1200x1666-444.jpg', source: 'astronaut.png', width: 1200, height: 1666, layout: '444' },
  { name: 'portrait-1200x1666-grey.jpg', source: 'astronaut.png', width: 1200, height: 1666, layout: 'grey' },
  { name: 'portrait-1200x1666-420-exif3.jpg', source: 'astronaut.png', width: 1200, height: 1666, exif: 3 },
  { name: 'portrait-1200x1666-420-exif6.jpg', source: 'astronaut.png', width: 1200, height: 1666, exif: 6 },
  { name: 'cat-801x1112-exif6.jpg', source: 'chelsea.png', width: 801, height: 1112, exif: 6 },
  { name: 'screenshot-1330x880.png', source: '', width: 1330, height: 880, format: 'screenshot' },
  { name: 'photo-1280x960.png', source: 'coffee.png', width: 1280, height: 960, format: 'png' },
  { name: 'photo-1920x1080.png', source: 'coffee.png', width: 1920, height: 1080, format: 'png' },
  { name: 'rocket-1080x1350.webp', source: 'rocket.jpg', width: 1080, height: 1350, format: 'webp' },
  { name: 'large-3000x4165-420.jpg', source: 'coffee.png', width: 3000, height: 4165 },
  { name: 'phone-3024x4032-422-exif6.jpg', source: 'hubble_deep_field.jpg', width: 3024, height: 4032, layout: '422', exif: 6 },
];

/** Writes the images into bench/.cache/decode; their names. */
export function prepareDecodeImages() {
  const sources = join(ROOT, 'test/.cache/photos/sources');
  if (!existsSync(sources)) execFileSync('node', [join(ROOT, 'test/fixtures/prepare.mjs')], { stdio: 'inherit' });
  mkdirSync(OUT, { recursive: true });
  const spec = join(OUT, 'spec.json');
  writeFileSync(spec, JSON.stringify(IMAGES));
  execFileSync('/usr/bin/python3', [join(ROOT, 'test/fixtures/make_layouts.py'), spec, sources, OUT]);
  return IMAGES.map((i) => i.name);
}

const only = arg('--only');
const names = prepareDecodeImages().filter((n) => !only || n.includes(only));
const server = await startServer();
const browser = await launch();
const page = await browser.newPage();
page.on('console', (m) => m.type() === 'error' && console.error(m.text()));
await page.goto(`${server.url}/bench/pages/decode.html`);
await page.waitForFunction(() => 'probe' in window);
const url = (/** @type {string} */ name) => `/bench/.cache/decode/${name}`;

if (!compare) {
  const rows = [];
  for (const name of names) {
    const r = await page.evaluate((a) => /** @type {any} */ (window).probe(a), { url: url(name), rounds });
    rows.push({ name, ...r });
    console.log(JSON.stringify({ name, ...r }));
  }
  console.log('\n| image | format | coded | rotation/flip | decode | copyTo | createImageBitmap | draw+getImageData | bitmap resized to 640 | desiredWidth 400: size, ms |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.format} | ${r.coded} | ${r.rotation}/${r.flip} | ${r.decode} | ${r.copyTo} | ${r.bitmap} | ${r.canvas} | ${r.bitmapSmall} | ${r.desired}, ${r.decodeDesired} |`);
  }
} else {
  // Both builds served from the repository: the other one is copied under bench/.cache.
  const other = join(ROOT, 'bench/.cache/dist-compare');
  rmSync(other, { recursive: true, force: true });
  mkdirSync(other, { recursive: true });
  cpSync(compare, other, { recursive: true });
  const model = '/public/models/yolov8n-twin-320.onnx';
  const builds = { before: `/${relative(ROOT, other)}`, after: '/dist' };
  for (const [key, dist] of Object.entries(builds)) {
    await page.evaluate(([d, k, m]) => /** @type {any} */ (window).openDetector(d, k, { model: m, threads: 2 }), [dist, key, model]);
  }
  /** @type {Record<string, Record<string, number[]>>} */
  const samples = {};
  /** @type {Record<string, Record<string, string>>} */
  const paths = {};
  for (const name of names) {
    samples[name] = { before: [], after: [] };
    paths[name] = {};
    for (const key of Object.keys(builds)) await page.evaluate(([k, u]) => /** @type {any} */ (window).detect(k, u), [key, url(name)]); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const key of Object.keys(builds)) {
        const res = await page.evaluate(([k, u]) => /** @type {any} */ (window).detect(k, u), [key, url(name)]);
        samples[name][key].push(res.timings.decode_ms);
        paths[name][key] = res.timings.decoder ?? 'not reported';
      }
    }
  }
  console.log('\n| image | decode_ms before | after | after / before | path after |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [name, s] of Object.entries(samples)) {
    const b = median(s.before);
    const a = median(s.after);
    console.log(`| ${name} | ${b.toFixed(1)} | ${a.toFixed(1)} | ${(a / b).toFixed(2)} | ${paths[name].after} |`);
  }
}
await browser.close();
await server.close();
