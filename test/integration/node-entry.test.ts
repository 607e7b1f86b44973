/**
 * veil-nsfw/node on its own: NudeNet's Python reference on the fixture images, every
 * input form a server has, the result's runtime and cache, each error code it
 * shares with the browser, and, on the compiled output in plain Node, the
 * sentence a server gets when an optional peer dependency is not installed.
 * (test/browser/node-agreement.spec.ts compares it with the browser library.)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDetector, isVeilError, type NodeDetector } from '../../src/node/index.js';
import { compareDetections, imagePath, referenceDetections, ROOT } from '../support/fixture-data.js';
import { CLASSIFIER, CLASSIFIER_MODEL, MODEL_320 } from '../support/gateway.js';

const LANDSCAPE = readFileSync(imagePath('landscape-640x480.jpg'));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The VeilError code a promise rejects with (or a function throws), failing on anything else. */
async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (!isVeilError(error)) throw error;
    return error.code;
  }
  throw new Error('expected a VeilError');
}

describe('veil-nsfw/node', () => {
  let detector: NodeDetector;
  beforeAll(async () => {
    detector = await createDetector({ model: MODEL_320, cache: false, threads: 1 });
  });
  afterAll(() => detector.dispose());

  it('judges an animation by its sampled frames: a grey first frame does not hide a red second one', async () => {
    const { default: sharp } = await import('sharp');
    const frame = (r: number, g: number, b: number) => sharp({ create: { width: 200, height: 150, channels: 3, background: { r, g, b } } }).png().toBuffer();
    const frames = [await frame(128, 128, 128), await frame(255, 0, 0)];
    for (const animation of [await sharp(frames, { join: { animated: true } }).gif().toBuffer(), await sharp(frames, { join: { animated: true } }).webp({ lossless: true }).toBuffer()]) {
      expect(await detector.detect(animation)).toMatchObject({ decision: 'block', animation: { frames: 2, scanned: 2, decided_by: 1 } });
    }
  });

  it("gives NudeNet's own detections on the fixture images", async () => {
    const names = readdirSync(join(ROOT, 'test/.cache/reference')).filter((d) => d.endsWith('@320')).map((d) => d.slice(0, -4));
    expect(names.length).toBeGreaterThanOrEqual(8);
    const rows = [];
    for (const name of names) {
      const result = await detector.detect(readFileSync(imagePath(name)));
      rows.push({ name, ...compareDetections(result.raw.nudenet!, referenceDetections(name, 320)) });
    }
    expect(rows.filter((r) => !r.sameClasses)).toEqual([]);
    expect(Math.max(...rows.map((r) => r.boxPx))).toBe(0);
    expect(Math.max(...rows.map((r) => r.score))).toBeLessThanOrEqual(1e-6);
  });

  it('fills the input block for every input form as the browser does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veil-node-'));
    try {
      const file = join(dir, 'holiday.jpg');
      execFileSync('cp', [imagePath('landscape-640x480.jpg'), file]);
      const pool = new Uint8Array(LANDSCAPE.length + 20);
      pool.set(LANDSCAPE, 7);
      const forms: [string, unknown, string, string][] = [
        ['Buffer', LANDSCAPE, 'bytes', 'bytes'],
        ['ArrayBuffer', LANDSCAPE.buffer.slice(LANDSCAPE.byteOffset, LANDSCAPE.byteOffset + LANDSCAPE.length), 'bytes', 'bytes'],
        ['a view into a larger buffer', pool.subarray(7, 7 + LANDSCAPE.length), 'bytes', 'bytes'],
        ['Blob', new Blob([LANDSCAPE]), 'blob', 'blob'],
        ['File', new File([LANDSCAPE], 'upload.jpg', { type: 'image/jpeg' }), 'file', 'upload.jpg'],
        ['base64', LANDSCAPE.toString('base64'), 'base64', 'base64'],
        ['data URI', `data:image/jpeg;base64,${LANDSCAPE.toString('base64')}`, 'base64', 'data:image/jpeg;base64,'],
        ['file: URL', pathToFileURL(file), 'file', 'holiday.jpg'],
      ];
      for (const [form, input, type, source] of forms) {
        const result = await detector.detect(input as Blob);
        expect(result.input, form).toEqual({ type, source, size_bytes: LANDSCAPE.length, sha256: sha256(LANDSCAPE), mime: 'image/jpeg', width: 640, height: 480 });
        expect(result.decision, form).toBe('block');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says where it ran, and notes a declared type the bytes contradict', async () => {
    const result = await detector.detect(new Blob([LANDSCAPE], { type: 'image/png' }));
    expect(result.runtime).toEqual({ location: 'local', provider: 'cpu', threads: 1, model: MODEL_320, input_size: 320 });
    expect(Object.keys(result).slice(-3)).toEqual(['tips', 'runtime', 'timings']);
    expect(result.notes).toEqual(['The input says it is image/png but its bytes are image/jpeg; it was read as image/jpeg.']);
    expect(detector.info).toMatchObject({ location: 'local', mode: 'local', provider: 'cpu', threads: 1, inputSize: 320, classifier: null });
  });

  it('answers a second sight of an image from its cache, under the current policy', async () => {
    const cached = await createDetector({ model: MODEL_320, threads: 1 });
    try {
      const bitmap = readFileSync(imagePath('bitmap-300x200.bmp'));
      const first = await cached.detect(bitmap);
      expect(first.decision).toBe('review');
      cached.setPolicy('strict');
      const second = await cached.detect(bitmap);
      expect(second.notes).toContain('Answered from the cache: this image was screened before with the same model.');
      expect(second.timings).toBeUndefined();
      expect(second.detections).toEqual(first.detections);
      expect(second.decision).toBe('block');
    } finally {
      cached.dispose();
    }
  });

  it('runs a built-in classifier beside NudeNet, or alone', async () => {
    const both = await createDetector({ model: MODEL_320, classifier: { name: CLASSIFIER, model: CLASSIFIER_MODEL }, threads: 1 });
    // By name alone, its file is where a web app serves it: public/models/<name>.onnx under the working directory.
    const alone = await createDetector({ classifier: CLASSIFIER, threads: 1 });
    try {
      const [a, b] = [await both.detect(LANDSCAPE), await alone.detect(LANDSCAPE)];
      expect(a.backend).toBe(`nudenet+${CLASSIFIER}`);
      expect(b.backend).toBe(CLASSIFIER);
      expect(b.raw.nudenet).toBeUndefined();
      expect(b.raw.classifier).toEqual(a.raw.classifier);
      expect(b.runtime).toMatchObject({ model: `public/models/${CLASSIFIER}.onnx`, input_size: 224 });
      expect(Object.keys(a.raw.classifier!.probabilities)).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    } finally {
      both.dispose();
      alone.dispose();
    }
  });
});

describe('veil-nsfw/node errors', () => {
  it.each([
    ['no options', undefined],
    ['no model', {}],
    ['an unknown classifier', { model: MODEL_320, classifier: 'nsfwjs-v9' }],
    ['IndexedDB', { model: MODEL_320, cache: 'indexeddb' }],
    ['remote mode', { model: MODEL_320, mode: 'remote' }],
    ['providers', { model: MODEL_320, providers: ['wasm'] }],
    ['a workerUrl', { model: MODEL_320, workerUrl: '/w.js' }],
    ['zero threads', { model: MODEL_320, threads: 0 }],
    ['a bad policy', { model: MODEL_320, policy: 'lax' }],
    ['a bad limit', { model: MODEL_320, limits: { maxBytes: -1 } }],
    ['allowSvg', { model: MODEL_320, limits: { allowSvg: true } }],
  ])('refuses %s with 4001', async (_name, options) => {
    expect(await codeOf(() => createDetector(options as never))).toBe('4001');
  });

  it('refuses a model that cannot be read, is not ONNX, or is not NudeNet, with 5010', async () => {
    expect(await codeOf(() => createDetector({ model: 'public/models/no-such.onnx' }))).toBe('5010');
    expect(await codeOf(() => createDetector({ model: new TextEncoder().encode('not a model') }))).toBe('5010');
    expect(await codeOf(() => createDetector({ model: join(ROOT, 'public/models/bad-inputs.onnx') }))).toBe('5010');
    expect(await codeOf(() => createDetector({ model: MODEL_320, classifier: { name: CLASSIFIER, model: MODEL_320 } }))).toBe('5010');
  });

  it('refuses inputs with the browser codes: 4000, 4002, 4004, 4005', async () => {
    const small = await createDetector({ model: MODEL_320, threads: 1, limits: { maxBytes: 50_000, maxPixels: 100_000 } });
    try {
      const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
      const cases: [string, unknown, string][] = [
        ['a number', 42, '4000'],
        ['an empty string', '', '4000'],
        ['a path as a string', 'uploads/cat.jpg', '4000'],
        ['an http URL', new URL('https://example.com/cat.jpg'), '4000'],
        ['empty bytes', new Uint8Array(0), '4000'],
        ['text bytes', new TextEncoder().encode('hello, this is not an image'), '4002'],
        ['base64 of text', Buffer.from('%PDF-1.7 not an image').toString('base64'), '4002'],
        ['SVG', svg, '4002'],
        ['a file over maxBytes', LANDSCAPE, '4004'],
        ['an image over maxPixels', readFileSync(imagePath('planes-643x481.webp')), '4004'],
        ['a file: URL to nothing', pathToFileURL(join(tmpdir(), 'veil-no-such-file.jpg')), '4005'],
      ];
      const codes = [];
      for (const [name, input, code] of cases) codes.push([name, await codeOf(() => small.detect(input as Blob)), code]);
      expect(codes.filter(([, got, want]) => got !== want)).toEqual([]);
      // A small file of many pixels is refused by its header, before anything decodes it.
      await expect(small.detect(readFileSync(imagePath('planes-643x481.webp')))).rejects.toThrow(/643 x 481 .*\(limits\.maxPixels\)/);
    } finally {
      small.dispose();
    }
  });

  it('rejects aborted calls with 4099 and calls on a disposed detector with 4100', async () => {
    const detector = await createDetector({ model: MODEL_320, threads: 1, cache: false });
    const controller = new AbortController();
    const running = detector.detect(LANDSCAPE);
    const queued = detector.detect(LANDSCAPE, { signal: controller.signal });
    controller.abort();
    expect(await codeOf(() => queued)).toBe('4099');
    expect(await codeOf(() => detector.detect(LANDSCAPE, { signal: AbortSignal.abort() }))).toBe('4099');
    await running;
    const pending = detector.detect(LANDSCAPE);
    detector.dispose();
    detector.dispose();
    expect(await codeOf(() => pending)).toBe('4100');
    expect(await codeOf(() => detector.detect(LANDSCAPE))).toBe('4100');
  });
});

describe('veil-nsfw/node compiled, with a peer dependency missing', () => {
  const out = mkdtempSync(join(tmpdir(), 'veil-node-build-'));
  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.node.json'), '--outDir', out]);
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  /** Runs createDetector from the compiled entry, where only `installed` can be imported, and reports what it rejects with. */
  function startWith(installed: string[]): { code: string; message: string } {
    const modules = join(out, 'node_modules');
    rmSync(modules, { recursive: true, force: true });
    mkdirSync(modules);
    for (const name of installed) symlinkSync(join(ROOT, 'node_modules', name), join(modules, name), 'dir');
    const script = `
      const { createDetector } = await import(${JSON.stringify(pathToFileURL(join(out, 'src/node/index.js')).href)});
      try { await createDetector({ model: ${JSON.stringify(MODEL_320)} }); console.log(JSON.stringify({ code: 'started', message: '' })); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: out, encoding: 'utf8' }));
  }

  it('says which to install, with 5020', () => {
    expect(startWith(['sharp'])).toEqual({
      code: '5020',
      message:
        'veil-nsfw/node runs the models with onnxruntime-node, an optional peer dependency that is not installed: run `npm install onnxruntime-node` (the Node entry needs onnxruntime-node and sharp; the browser entry needs neither).',
    });
    expect(startWith(['onnxruntime-node'])).toMatchObject({ code: '5020', message: expect.stringContaining('run `npm install sharp`') });
    expect(startWith([])).toMatchObject({ code: '5020', message: expect.stringContaining('run `npm install onnxruntime-node sharp`') });
    // And with both, the compiled entry runs in plain Node (its JSON import, its paths).
    expect(startWith(['sharp', 'onnxruntime-node'])).toEqual({ code: 'started', message: '' });
  });
});
