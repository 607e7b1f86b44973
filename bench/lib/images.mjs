// @ts-check
/**
 * The benchmark's photo set: what users send, made from real public-domain and CC0
 * photos (the ones test/fixtures/photos.mjs takes from Debian's python3-skimage) by
 * bench/lib/make_photo_set.py into bench/.cache/photo-set/: 12 MP phone JPEGs (4:2:0,
 * 4:2:2, 4:4:4, progressive and baseline, EXIF orientations 3, 6 and 8, restart
 * markers, grey), PNG screenshots with and without alpha, WebP and AVIF as image CDNs
 * serve them (feed size and full size), a small JPEG and a 1200x1666 set. Nothing is
 * committed; the files are rewritten only when the generator changes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchSources } from '../../test/fixtures/photos.mjs';
import { ROOT } from './server.mjs';

export const IMAGE_DIR = join(ROOT, 'bench/.cache/photo-set');
/** Where the page fetches them. */
export const IMAGE_URL = '/bench/.cache/photo-set';
/** A phone photo as a user picks it: the first decision and the WebGPU probe are timed on it. */
export const PHONE_IMAGE = 'phone-420.jpg';
/** The classifier's figures take fewer images: one of each kind. Its headline is the small JPEG, nearest to the web photo it had before. */
export const CLASSIFIER_IMAGES = ['small-480x360.jpg', 'set-1200x1666.jpg', 'cdn-1080x1350.webp', 'screenshot-1330x880.png', PHONE_IMAGE];
export const CLASSIFIER_HEADLINE = 'small-480x360.jpg';

/**
 * @typedef {{ name: string, format: string, width: number, height: number, kind: string, bytes: number,
 *   chroma?: string, progressive?: boolean, orientation?: number, stored?: string, restart_interval?: number, alpha?: boolean }} BenchImage
 */

/** @param {string[]} modules */
function python(modules) {
  for (const candidate of [process.env.VEIL_PYTHON, '/usr/bin/python3', 'python3']) {
    if (candidate && spawnSync(candidate, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error('The photo set needs Python with Pillow and OpenCV: apt-get install -y python3-pil python3-opencv (or set VEIL_PYTHON).');
}

function avifenc() {
  for (const candidate of [process.env.VEIL_AVIFENC, '/usr/bin/avifenc', 'avifenc']) {
    if (candidate && spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error("The photo set's AVIF files need avifenc: apt-get install -y libavif-bin (or set VEIL_AVIFENC).");
}

/** @returns {BenchImage[]} */
export function prepareImages() {
  const script = join(ROOT, 'bench/lib/make_photo_set.py');
  const stamp = createHash('sha256').update(readFileSync(script)).digest('hex');
  const stampFile = join(IMAGE_DIR, '.stamp');
  const list = join(IMAGE_DIR, 'photo-set.json');
  if (!(existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && existsSync(list))) {
    const sources = fetchSources(join(ROOT, 'test/.cache/photos'));
    mkdirSync(IMAGE_DIR, { recursive: true });
    execFileSync(python(['PIL', 'cv2', 'numpy']), [script, sources, IMAGE_DIR, avifenc()], { stdio: 'inherit' });
    writeFileSync(stampFile, stamp);
  }
  /** @type {Omit<BenchImage, 'bytes'>[]} */
  const rows = JSON.parse(readFileSync(list, 'utf8'));
  return rows.map((row) => ({ ...row, bytes: statSync(join(IMAGE_DIR, row.name)).size }));
}
