// @ts-check
/** Everything the benchmark needs before a browser starts: the build, the models, the images, nsfwjs's bundle. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { entrySize } from '../../scripts/entry-size.mjs';
import { build } from 'vite';
import { makeModels } from '../../test/models/make-models.mjs';
import { prepareImages } from './images.mjs';
import { buildNmsModel } from './nms-model.mjs';
import { ROOT } from './server.mjs';

export const MODELS_DIR = join(ROOT, 'public/models');
export const TWIN = 'yolov8n-twin-320.onnx';
export const REAL = '320n.onnx';

export function buildLibrary() {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The models to time: the twin always, NudeNet's 320n when `npm run model:fetch -- 320n` installed it. */
export async function prepareModels() {
  await makeModels(MODELS_DIR);
  const models = [{ name: 'yolov8n-twin-320', file: TWIN }];
  if (existsSync(join(MODELS_DIR, REAL))) models.unshift({ name: '320n', file: REAL });
  return models.map((m) => ({ ...m, path: join(MODELS_DIR, m.file), url: `/public/models/${m.file}`, bytes: statSync(join(MODELS_DIR, m.file)).size }));
}

/** NudeNet's in-browser demo's NMS model, rebuilt (bench/lib/nms-model.mjs) into bench/.cache/models/. */
export function prepareNmsModel() {
  const dir = join(ROOT, 'bench/.cache/models');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'nms-yolov8.onnx'), buildNmsModel());
  return { file: 'nms-yolov8.onnx', url: '/bench/.cache/models/nms-yolov8.onnx' };
}

/** nsfwjs, TensorFlow.js and its WASM backend in one ES module the bench page (and the classifier tests) import. */
export async function bundleNsfwjs(outDir = join(ROOT, 'bench/.cache/nsfwjs')) {
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      reportCompressedSize: false,
      lib: { entry: join(ROOT, 'bench/pages/nsfwjs-entry.js'), formats: ['es'], fileName: () => 'nsfwjs-entry.js' },
    },
  });
}

/** The library's entry (with what it imports up front) and what it loads later, gzipped at level 9 as a server would send them. */
export function bundleSizes() {
  const gzip = (/** @type {string} */ path) => gzipSync(readFileSync(path), { level: 9 }).length;
  const dist = join(ROOT, 'dist');
  const entry = entrySize(join(dist, 'index.js'));
  // Everything else in dist/ that a page can load: the chunks, the worker, onnxruntime-web's runtimes and .wasm.
  const lazy = readdirSync(dist).filter((f) => /\.(m?js|wasm)$/.test(f) && !entry.files.includes(join(dist, f)));
  return {
    main_entry_bytes: entry.bytes,
    main_entry_gzip_bytes: entry.gzip_bytes,
    lazy: Object.fromEntries(lazy.map((f) => [f, { bytes: statSync(join(dist, f)).size, gzip_bytes: gzip(join(dist, f)) }])),
  };
}

export { prepareImages };
