// @ts-check
/**
 * `npm run build:extension`: the browser extension in extension/dist/ (load it
 * unpacked from there) and extension/veil-nsfw-extension.zip (the same files,
 * for a store). Run after `npm run build`: the offscreen document and the options
 * page load Veil as the package ships it (dist/: the entry, its worker,
 * onnxruntime's WASM build), copied into veil/; the content script is bundled
 * from src/ into one classic script, as content scripts must be.
 *
 * The nsfwjs classifier (MIT) is packaged: public/models/nsfwjs-mobilenet-v2.onnx,
 * converted from the nsfwjs npm package by `npx veil-nsfw models
 * nsfwjs-mobilenet-v2` when it is not there yet. NudeNet is not packaged: the
 * options page downloads it on the user's request.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { build } from 'rolldown';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HERE = join(ROOT, 'extension');
const OUT = join(HERE, 'dist');
export const ZIP = join(HERE, 'veil-nsfw-extension.zip');
const DIST = join(ROOT, 'dist');
const CLASSIFIER = join(ROOT, 'public/models/nsfwjs-mobilenet-v2.onnx');

if (!existsSync(join(DIST, 'index.js')) || !existsSync(join(DIST, 'worker.js'))) {
  throw new Error('dist/ has no built library: run `npm run build` first (`npm run build:extension` does).');
}
if (!existsSync(CLASSIFIER)) {
  execFileSync(process.execPath, [join(DIST, 'cli/veil-nsfw.js'), 'models', 'nsfwjs-mobilenet-v2'], { cwd: ROOT, stdio: 'inherit' });
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, 'veil'), { recursive: true });
mkdirSync(join(OUT, 'models'), { recursive: true });

/** Veil's entry as the extension pages load it: the built package, not its sources (whose worker URL names a .ts file). */
const VEIL_SOURCE = /(^|\/)src\/index\.(js|ts)$/;
const pages = {
  input: { background: join(HERE, 'src/background.ts'), offscreen: join(HERE, 'src/offscreen.ts'), popup: join(HERE, 'src/popup.ts'), options: join(HERE, 'src/options.ts') },
  platform: /** @type {const} */ ('browser'),
  external: (/** @type {string} */ id) => VEIL_SOURCE.test(id),
  transform: { target: 'es2022' },
  output: {
    dir: OUT,
    format: /** @type {const} */ ('es'),
    minify: true,
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    paths: (/** @type {string} */ id) => (VEIL_SOURCE.test(id) ? './veil/index.js' : id),
  },
};
await build(pages);
await build({
  input: join(HERE, 'src/content.ts'),
  platform: 'browser',
  transform: { target: 'es2022' },
  output: { file: join(OUT, 'content.js'), format: 'iife', minify: true },
});
// The service worker is a module too; a chunk it shares with the pages is fine, but Veil itself must not be in it.
if (readFileSync(join(OUT, 'background.js'), 'utf8').includes('./veil/index.js')) throw new Error('background.js imports Veil: it should only route messages.');

// Veil's browser build, WASM only: the offscreen document asks for providers ['wasm'], so the WebGPU runtime is left out.
for (const file of readdirSync(DIST)) {
  const skip = file === 'node.js' || file.endsWith('.d.ts') || file === 'ort.webgpu.bundle.min.mjs' || file === 'ort-wasm-simd-threaded.asyncify.wasm' || statSync(join(DIST, file)).isDirectory();
  if (!skip) copyFileSync(join(DIST, file), join(OUT, 'veil', file));
}
copyFileSync(CLASSIFIER, join(OUT, 'models/nsfwjs-mobilenet-v2.onnx'));
cpSync(join(HERE, 'static'), OUT, { recursive: true });
const manifest = JSON.parse(readFileSync(join(HERE, 'manifest.json'), 'utf8'));
manifest.version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
writeFileSync(join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

/** @type {Record<string, Uint8Array>} */
const files = {};
const walk = (/** @type {string} */ dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else files[relative(OUT, path)] = readFileSync(path);
  }
};
walk(OUT);
// Fixed dates, so the same sources give the same zip.
writeFileSync(ZIP, zipSync(files, { level: 9, mtime: new Date('2026-01-01T00:00:00Z') }));
const size = (/** @type {number} */ n) => `${(n / 1e6).toFixed(2)} MB`;
console.log(`extension: ${relative(ROOT, OUT)}/ (${Object.keys(files).length} files), ${relative(ROOT, ZIP)} ${size(statSync(ZIP).size)}`);
