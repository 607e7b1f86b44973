/**
 * Precompressed delivery: `npx veil-nsfw assets --compress` and `models --compress` write FILE.br and
 * FILE.gz beside what they write, and a server that sends them (the test
 * server here, as nginx's brotli_static/gzip_static would) must hand the
 * runtime the exact bytes of the original: the WASM that onnxruntime-web
 * compiles and the model it loads, checked by sha256 after the browser decoded
 * them, and by a detector that runs on them.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { workerFiles } from '../../scripts/cli/assets.js';
import { writeCompressed } from '../../scripts/model-fetch/compress.js';
import { ROOT, imageUrl } from '../support/fixture-data.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const DIR = join(ROOT, 'test/.cache/compressed');
const BASE = '/test/.cache/compressed/';
const CLASSIFIER = 'nsfwjs-mobilenet-v2.onnx';
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

test.beforeAll(async () => {
  test.setTimeout(120_000);
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const dist = join(ROOT, 'dist');
  for (const name of workerFiles(dist)) copyFileSync(join(dist, name), join(DIR, name));
  copyFileSync(join(ROOT, 'public/models', CLASSIFIER), join(DIR, CLASSIFIER));
  // Brotli at quality 5, not the commands' 11: the round trip checked here is the
  // same at every quality, and 11 takes a minute on the 14 MB WASM.
  for (const name of ['ort-wasm-simd-threaded.wasm', 'ort.wasm.bundle.min.mjs', 'worker.js', CLASSIFIER]) {
    await writeCompressed(join(DIR, name), { brotliQuality: 5 });
  }
});

for (const accept of ['br', 'gzip'] as const) test(`the ${accept} WASM and model the server sends decode to the bytes onnxruntime-web compiles and loads`, async ({ harness, page, server }) => {
  test.setTimeout(120_000);
  server.encodings.clear();
  // Chromium asks for br (and gzip) itself; asking for gzip alone checks the .gz copies.
  if (accept === 'gzip') await page.setExtraHTTPHeaders({ 'Accept-Encoding': 'gzip' });
  await harness.open();
  const r = await page.evaluate(
    async ({ base, model, image }) => {
      const detector = await (window as any).veil.createDetector({
        classifier: { name: 'nsfwjs-mobilenet-v2', model: `${base}${model}` },
        workerUrl: `${base}worker.js`,
        wasmPaths: base,
        providers: ['wasm'],
        cache: false,
      });
      const result = await detector.detect(image);
      const info = detector.info;
      detector.dispose();
      // What the browser makes of the same responses: the decoded bytes' sha256.
      const digest = async (url: string) => {
        const bytes = await (await fetch(url, { cache: 'no-store' })).arrayBuffer();
        return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
      };
      return {
        backend: result.backend,
        probabilities: result.raw.classifier.probabilities,
        provider: info.classifier?.provider,
        wasm: await digest(`${base}ort-wasm-simd-threaded.wasm`),
        model: await digest(`${base}${model}`),
      };
    },
    { base: BASE, model: CLASSIFIER, image: imageUrl('landscape-640x480.jpg') },
  );
  // The runtime ran on what was sent compressed...
  expect(r.backend).toBe('nsfwjs-mobilenet-v2');
  expect(r.provider).toBe('wasm');
  const sum = Object.values(r.probabilities as Record<string, number>).reduce((a, b) => a + b, 0);
  expect(sum).toBeCloseTo(1, 4);
  for (const name of ['ort-wasm-simd-threaded.wasm', CLASSIFIER, 'worker.js']) {
    const sent = server.encodings.get(`${BASE}${name}`);
    expect(sent, `${name} was sent precompressed`).toBeDefined();
    expect(sent!.sent).toBe(accept);
  }
  // ...and it decodes to the original files, byte for byte.
  expect(r.wasm).toBe(sha256(join(ROOT, 'dist/ort-wasm-simd-threaded.wasm')));
  expect(r.model).toBe(sha256(join(ROOT, 'public/models', CLASSIFIER)));
  console.log(`sent as ${[...new Set([...server.encodings.values()].map((e) => e.sent))].join(', ')} (Accept-Encoding: ${[...server.encodings.values()][0]?.accept})`);
});
