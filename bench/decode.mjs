// @ts-check
/**
 * Decoding of the photos people upload (bench/lib/decode_images.py makes them from
 * the real photos in test/.cache/photos): run with `node bench/decode.mjs`.
 *
 *   --probe            what WebCodecs' ImageDecoder returns per layout (format,
 *                      rotation, colour space) and how long each decoding step takes
 *   --compare DIR      detect()'s decode_ms with the library built in DIR against
 *                      dist/, in turns, medians (before/after a change)
 *   --drift            detect() with decode 'exact' against 'fast' on every large
 *                      JPEG (the set above, 12 MP versions of every source photo,
 *                      and fixture-patch images the fixture model detects): same
 *                      classes, largest box difference (px of the image), largest
 *                      score difference, for the fixture model, the YOLOv8n twin
 *                      and nsfwjs's MobileNetV2 classifier (probabilities), and
 *                      the decode time of each
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

/** For --drift: every source photo at 12 MP, landscape and portrait (EXIF 6, 4:2:2 as phones write them). */
const DRIFT_PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'hubble_deep_field.jpg', 'rocket.jpg'].flatMap((source, i) => [
  { name: `drift-${i}-4032x3024.jpg`, source, width: 4032, height: 3024 },
  { name: `drift-${i}-3024x4032-422-exif6.jpg`, source, width: 3024, height: 4032, layout: '422', exif: 6 },
  { name: `drift-${i}-1600x1200.jpg`, source, width: 1600, height: 1200, layout: i % 2 ? '444' : '420' },
]);

/** For --drift: the fixture model's colour patches (test/fixtures/make_images.py), large. */
const DRIFT_FIXTURES = [
  { name: 'drift-patches-4032x3024.jpg', width: 4032, height: 3024, format: 'jpeg', patches: [
    { color: 'red', rect: [400, 500, 700, 600] }, { color: 'green', rect: [2200, 300, 500, 800] }, { color: 'olive', rect: [3000, 2000, 600, 500] }] },
  { name: 'drift-patches-3000x4000-exif6.jpg', width: 3000, height: 4000, format: 'jpeg', exif: 6, patches: [
    { color: 'blue', rect: [300, 600, 900, 700] }, { color: 'yellow', rect: [1500, 2500, 1000, 1100] }] },
  { name: 'drift-patches-1600x1200.jpg', width: 1600, height: 1200, format: 'jpeg', patches: [
    { color: 'orange', rect: [100, 100, 400, 300] }, { color: 'magenta', rect: [900, 500, 350, 420] }, { color: 'cyan', rect: [600, 900, 200, 200] }] },
  { name: 'drift-patches-2000x1333.jpg', width: 2000, height: 1333, format: 'jpeg', patches: [
    { color: 'purple', rect: [150, 200, 300, 250] }, { color: 'red', rect: [1400, 700, 420, 380] }] },
];

/** Writes the --drift images into bench/.cache/decode; their names. */
async function prepareDriftImages() {
  const sources = join(ROOT, 'test/.cache/photos/sources');
  const spec = join(OUT, 'drift.json');
  writeFileSync(spec, JSON.stringify(DRIFT_PHOTOS));
  execFileSync('/usr/bin/python3', [join(ROOT, 'test/fixtures/make_layouts.py'), spec, sources, OUT]);
  // @ts-expect-error plain ES module without types
  const { FIXTURE_COLORS } = await import('../test/models/fixture-spec.mjs');
  const fixtures = join(OUT, 'drift-fixtures.json');
  writeFileSync(fixtures, JSON.stringify({ colors: FIXTURE_COLORS.map((/** @type {any} */ c) => ({ name: c.name, rgb: c.rgb })), images: DRIFT_FIXTURES }));
  execFileSync('/usr/bin/python3', [join(ROOT, 'test/fixtures/make_images.py'), fixtures, OUT]);
  return [...DRIFT_FIXTURES, ...DRIFT_PHOTOS].map((i) => i.name);
}

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

if (process.argv.includes('--drift')) {
  const large = [...names.filter((n) => n.endsWith('.jpg')), ...(await prepareDriftImages())];
  const models = [
    { label: 'fixture model (320)', options: { model: '/public/models/veil-fixture-320.onnx' } },
    { label: 'YOLOv8n twin (320)', options: { model: '/public/models/yolov8n-twin-320.onnx' } },
    { label: 'nsfwjs MobileNetV2 (224)', options: { classifier: { name: 'nsfwjs-mobilenet-v2', model: '/public/models/nsfwjs-mobilenet-v2.onnx' } } },
  ];
  const report = [];
  for (const { label, options } of models) {
    for (const mode of ['exact', 'fast']) {
      await page.evaluate(([k, o]) => /** @type {any} */ (window).openDetector('/dist', k, o), [mode, { ...options, threads: 2, decode: mode }]);
    }
    let sameClasses = 0;
    let boxPx = 0;
    let score = 0;
    let probability = 0;
    /** @type {string[]} */
    const differing = [];
    const times = { exact: /** @type {number[]} */ ([]), fast: /** @type {number[]} */ ([]) };
    let scaled = 0;
    let found = 0;
    let worstBox = '';
    for (const name of large) {
      /** @type {Record<string, any>} */
      const r = {};
      for (const mode of ['exact', 'fast']) {
        r[mode] = await page.evaluate(([k, u]) => /** @type {any} */ (window).detect(k, u), [mode, url(name)]);
        times[/** @type {'exact' | 'fast'} */ (mode)].push(r[mode].timings.decode_ms);
      }
      if (String(r.fast.timings.decoder).startsWith('scaled')) scaled++;
      if (r.exact.width !== r.fast.width || r.exact.height !== r.fast.height) throw new Error(`${name}: sizes differ`);
      const a = r.exact.raw.nudenet ?? [];
      const b = r.fast.raw.nudenet ?? [];
      found += a.length;
      if (a.length === b.length && a.every((/** @type {any} */ d, /** @type {number} */ i) => d.class === b[i].class)) {
        sameClasses++;
        a.forEach((/** @type {any} */ d, /** @type {number} */ i) => {
          d.box.forEach((/** @type {number} */ v, /** @type {number} */ k) => {
            if (Math.abs(v - b[i].box[k]) > boxPx) [boxPx, worstBox] = [Math.abs(v - b[i].box[k]), `${name} ${d.class} ${d.score.toFixed(3)}`];
          });
          score = Math.max(score, Math.abs(d.score - b[i].score));
        });
      } else {
        differing.push(`${name}: ${a.map((/** @type {any} */ d) => d.class).join(',') || 'none'} / ${b.map((/** @type {any} */ d) => d.class).join(',') || 'none'}`);
      }
      const pa = r.exact.raw.classifier?.probabilities;
      const pb = r.fast.raw.classifier?.probabilities;
      if (pa) for (const c of Object.keys(pa)) probability = Math.max(probability, Math.abs(pa[c] - pb[c]));
    }
    const row = {
      model: label,
      images: large.length,
      scaled,
      detections: found,
      sameClasses,
      boxPx,
      score: Number(score.toFixed(4)),
      probability: Number(probability.toFixed(4)),
      decodeExact: Number(median(times.exact).toFixed(1)),
      decodeFast: Number(median(times.fast).toFixed(1)),
      differing,
      worstBox,
    };
    report.push(row);
    console.log(JSON.stringify(row));
  }
  console.log('\n| model | images (decoded smaller) | detections (exact) | same classes | max box diff (px) | max score diff | max probability diff | decode p50 exact / fast (ms) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of report) {
    console.log(`| ${r.model} | ${r.images} (${r.scaled}) | ${r.detections} | ${r.sameClasses} / ${r.images} | ${r.boxPx} | ${r.score} | ${r.probability} | ${r.decodeExact} / ${r.decodeFast} |`);
  }
} else if (!compare) {
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
