// @ts-check
/**
 * The benchmark's images: one photo-like scene, the same pixels on every run, at five sizes from
 * 320x240 to 4000x3000, each as JPEG, PNG and WebP, written by OpenCV
 * (bench/lib/make_images.py) into bench/.cache/images/. Nothing is committed;
 * the files are rewritten only when the generator or the list of sizes changes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './server.mjs';

export const IMAGE_DIR = join(ROOT, 'bench/.cache/images');
export const SIZES = ['320x240', '640x480', '1280x960', '1920x1080', '4000x3000'];
export const FORMATS = ['jpg', 'png', 'webp'];
/** The image the headline figures are for: a typical web photo. */
export const HEADLINE_IMAGE = 'photo-640x480.jpg';

/** @typedef {{ name: string, size: string, format: string, width: number, height: number, bytes: number }} BenchImage */

function python() {
  for (const candidate of [process.env.VEIL_PYTHON, '/usr/bin/python3', 'python3']) {
    if (candidate && spawnSync(candidate, ['-c', 'import cv2, numpy'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error("The benchmark images need Python with OpenCV: apt-get install -y python3-opencv (or set VEIL_PYTHON).");
}

/** @returns {BenchImage[]} */
export function prepareImages() {
  const script = join(ROOT, 'bench/lib/make_images.py');
  const stamp = createHash('sha256').update(readFileSync(script)).update(SIZES.join(',')).digest('hex');
  const stampFile = join(IMAGE_DIR, '.stamp');
  const names = SIZES.flatMap((size) => FORMATS.map((format) => `photo-${size}.${format}`));
  const fresh = existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && names.every((n) => existsSync(join(IMAGE_DIR, n)));
  if (!fresh) {
    mkdirSync(IMAGE_DIR, { recursive: true });
    execFileSync(python(), [script, IMAGE_DIR, ...SIZES], { stdio: 'inherit' });
    writeFileSync(stampFile, stamp);
  }
  return SIZES.flatMap((size) => {
    const [width, height] = size.split('x').map(Number);
    return FORMATS.map((format) => {
      const name = `photo-${size}.${format}`;
      return { name, size, format, width, height, bytes: statSync(join(IMAGE_DIR, name)).size };
    });
  });
}
