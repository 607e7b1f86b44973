// @ts-check
/**
 * What `npm start` makes before Vite serves the demo, one line each:
 *   public/models/    NudeNet's 320n, downloaded from its release with progress (where
 *                     the machine is online; offline the demo runs the classifier alone),
 *                     the project's own models (the test model the demo falls back on)
 *                     and nsfwjs's MobileNetV2, converted to ONNX from the installed
 *                     nsfwjs package (offline, about a second): the demo's default model
 *   public/samples/   real photographs for the image tab's samples, with their credits
 *                     (samples.json): taken from Debian's python3-skimage package as the
 *                     tests take them (test/fixtures/photos.mjs), into test/.cache/photos/
 * Nothing here stops the demo: what cannot be made is said in one line, and the
 * page falls back (the test model, the drawn samples).
 *
 *   node demo/prepare.mjs
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeModels } from '../test/models/make-models.mjs';
import { preparePhotos } from '../test/fixtures/photos.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODELS = join(ROOT, 'public/models');
const SAMPLES = join(ROOT, 'public/samples');
const PHOTOS = join(ROOT, 'test/.cache/photos');

/**
 * The photos the demo offers, as make_photos.py writes them, with the credit and
 * licence scikit-image gives for each (skimage/data/__init__.py). The cat is
 * stored sideways with an EXIF orientation, as phones save photos.
 */
export const PHOTO_SAMPLES = [
  { file: 'astronaut-512.jpg', title: 'Astronaut', alt: 'Eileen Collins, NASA astronaut, in her flight suit', credit: 'NASA', licence: 'public domain' },
  { file: 'chelsea-exif6.jpg', title: 'Cat', alt: 'Chelsea the cat, close up', credit: 'Stefan van der Walt', licence: 'CC0' },
  { file: 'coffee.webp', title: 'Coffee', alt: 'A cup of coffee on a saucer, from above', credit: 'Rachel Michetti, courtesy of Pikolo Espresso Bar', licence: 'CC0' },
  { file: 'rocket.jpg', title: 'Rocket launch', alt: 'Falcon 9 carrying DSCOVR lifting off', credit: 'SpaceX', licence: 'public domain' },
  { file: 'hubble-progressive.jpg', title: 'Hubble deep field', alt: 'Galaxies in the Hubble eXtreme Deep Field', credit: 'NASA', licence: 'public domain' },
];

/**
 * Copies the photos from `photosDir` into `outDir` with samples.json, which the page reads (demo/sample-picker.ts).
 * @param {string} photosDir @param {string} outDir
 */
export function writeSamples(photosDir, outDir) {
  mkdirSync(outDir, { recursive: true });
  for (const { file } of PHOTO_SAMPLES) copyFileSync(join(photosDir, file), join(outDir, file));
  writeFileSync(join(outDir, 'samples.json'), `${JSON.stringify({ photos: PHOTO_SAMPLES }, null, 2)}\n`);
}

/** A Python with Pillow, which make_photos.py needs. */
function python() {
  for (const candidate of [process.env.VEIL_PYTHON, '/usr/bin/python3', 'python3']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['-c', 'import PIL'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // the next one
    }
  }
  throw new Error("no Python with Pillow (apt-get install -y python3-pil, or set VEIL_PYTHON)");
}

/** The first line of a failure worth showing: a command's own error message rather than "Command failed". @param {any} error */
function reason(error) {
  if (error?.code === 'ENOENT' && error.path) return `${error.path} is not installed`;
  const text = `${error?.stderr ?? ''}\n${error?.message ?? error}`;
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('Command failed'));
  return lines[0] ?? 'unknown error';
}

/**
 * NudeNet's 320n into `dir` with model:fetch (progress on stderr; a valid copy
 * already there is kept), or one line saying why not. `url` stands in for the
 * release host (tests, mirrors); VEIL_MODEL_URL sets it for `npm start`.
 * @param {string} dir @param {{ url?: string }} [options]
 * @returns {Promise<{ ok: boolean, line: string }>}
 */
export function fetchNudeNet(dir, { url = process.env.VEIL_MODEL_URL } = {}) {
  const args = ['--import', 'tsx', join(ROOT, 'scripts/cli/main.ts'), 'models', '320n', '--out', dir, ...(url ? ['--url', url] : [])];
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let said = '';
    child.stderr.on('data', (chunk) => {
      said += chunk;
      // Progress lines are shown as they come; the closing sentence is ours to word.
      if (/\r|%/.test(String(chunk))) process.stderr.write(chunk);
    });
    child.on('close', (code) => {
      if (code === 0) return done({ ok: true, line: "demo: NudeNet's 320n ready in public/models (the demo runs it beside the classifier)" });
      const last = said.split(/[\r\n]+/).map((l) => l.trim()).filter(Boolean).at(-1) ?? `model:fetch exited with ${code}`;
      // model:fetch's sentence goes on to say what to do by hand; the reason is its first clause.
      const why = last.split('; ')[0].replace(/\.$/, '');
      done({ ok: false, line: `demo: NudeNet's weights could not be downloaded (${why}); the demo runs the classifier alone` });
    });
  });
}

async function main() {
  console.log((await fetchNudeNet(MODELS)).line);
  const made = await makeModels(MODELS);
  console.log(`demo: ${made.files.length} test models in public/models (${made.files.filter((f) => f.written).length} rewritten)`);

  try {
    // model:fetch converts only when the file is missing or invalid, so a later start takes well under a second.
    execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/cli/main.ts'), 'models', 'nsfwjs-mobilenet-v2', '--out', MODELS], { cwd: ROOT, stdio: 'pipe' });
    console.log('demo: whole-image classifier ready, public/models/nsfwjs-mobilenet-v2.onnx (converted from the nsfwjs package)');
  } catch (error) {
    console.log(`demo: the classifier could not be made (${reason(error)}); the demo runs on the test model`);
  }

  try {
    if (!PHOTO_SAMPLES.every(({ file }) => existsSync(join(PHOTOS, file)))) preparePhotos(PHOTOS, python());
    writeSamples(PHOTOS, SAMPLES);
    console.log(`demo: ${PHOTO_SAMPLES.length} real sample photos in public/samples (public domain and CC0)`);
  } catch (error) {
    console.log(`demo: no real sample photos (${reason(error)}); the samples are the drawn ones`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
