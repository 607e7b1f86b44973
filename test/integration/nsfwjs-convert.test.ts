// @vitest-environment node
/**
 * scripts/model-fetch/tfjs/: reading TF.js models, dequantizing their weights,
 * converting them to ONNX, and the parity that matters: onnxruntime-node's
 * output for the converted nsfwjs classifiers against nsfwjs's own
 * (NSFWJS.infer on TF.js's CPU backend, fed the same weights) on the same
 * images, within 1e-5 per probability (1e-4 for InceptionV3).
 *
 * InceptionV3 takes about a minute on two cores; it runs only with
 * VEIL_NSFWJS_INCEPTION=1.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { NSFWJS } from 'nsfwjs/core';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchClassifier } from '../../scripts/model-fetch/classifier.js';
import { checkManifest, loadManifest } from '../../scripts/model-fetch/manifest.js';
import { readTfjsFromPackage, type TfjsArtifacts } from '../../scripts/model-fetch/tfjs/artifacts.js';
import { convertTfjsModel } from '../../scripts/model-fetch/tfjs/convert.js';
import { tfPadding } from '../../scripts/model-fetch/tfjs/padding.js';
import { decodeWeights } from '../../scripts/model-fetch/tfjs/weights.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PHOTOS = path.join(REPO_ROOT, 'test/.cache/images');
/** Real photographs (test/fixtures/photos.mjs), made by npm test's fixture step. */
const REAL_PHOTOS = path.join(REPO_ROOT, 'test/.cache/photos');
const manifest = loadManifest();
const classifiers = manifest.classifiers!;
const TOLERANCE = 1e-5;

let outDir = '';
beforeAll(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'veil-nsfwjs-'));
  await tf.setBackend('cpu');
});
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

/** mulberry32: deterministic pseudo-random numbers in [0, 1). */
function random(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** What TF.js's IOHandler hands to loadLayersModel/loadGraphModel: the same bytes the converter read. */
const handlerFor = (a: TfjsArtifacts): tf.io.IOHandler => ({
  load: async () => ({
    modelTopology: a.json.modelTopology as object,
    format: a.json.format,
    weightSpecs: a.json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
    weightData: a.weightData.slice().buffer,
    userDefinedMetadata: a.json.userDefinedMetadata as Record<string, object>,
  }),
});

/** An int32 [H, W, 3] image, as tf.browser.fromPixels gives one: smooth colour fields with pixel noise. */
function syntheticImage(height: number, width: number, seed: number): tf.Tensor3D {
  const next = random(seed);
  return tf.tidy(() => {
    const coarse = tf.tensor4d(
      Float32Array.from({ length: 6 * 6 * 3 }, () => next() * 255),
      [1, 6, 6, 3],
    );
    const smooth = tf.image.resizeBilinear(coarse, [height, width]).reshape([height, width, 3]);
    const noise = tf.tensor3d(
      Float32Array.from({ length: height * width * 3 }, () => (next() - 0.5) * 60),
      [height, width, 3],
    );
    return smooth.add(noise).clipByValue(0, 255).round().toInt() as tf.Tensor3D;
  });
}

/** A fixture photo decoded with sharp (alpha dropped, as fromPixels does); null when test/.cache is not prepared. */
async function photo(name: string, dir = PHOTOS): Promise<tf.Tensor3D | null> {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) return null;
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return tf.tensor3d(Int32Array.from(data), [info.height, info.width, 3], 'int32');
}

/**
 * nsfwjs's preprocessing (NSFWJS.infer) written out for the ONNX model: divide
 * by 255 in float32, bilinear resize with align corners unless the image is
 * already S x S, then NCHW. Matching NSFWJS.infer to 1e-5 is what shows this
 * is all a worker must do.
 */
function preprocess(img: tf.Tensor3D, size: number): Float32Array {
  return tf.tidy(() => {
    const unit = img.toFloat().div(255) as tf.Tensor3D;
    const [h, w] = img.shape;
    const resized = h === size && w === size ? unit : tf.image.resizeBilinear(unit, [size, size], true);
    return resized.transpose([2, 0, 1]).dataSync() as Float32Array;
  });
}

interface Parity {
  readonly maxDiff: number;
  readonly bytes: number;
  readonly convertSeconds: number;
}

/** Converts `id` from the installed nsfwjs, then compares ONNX and nsfwjs on every image. */
async function parity(id: string, images: readonly tf.Tensor3D[]): Promise<Parity> {
  const entry = classifiers[id]!;
  const r = await fetchClassifier({ id, entry, outDir, force: true });
  const size = entry.inputSize;
  const nsfw = new NSFWJS(handlerFor(readTfjsFromPackage(entry.source.package, entry.source.path)), {
    size,
    ...(entry.source.format === 'tfjs-graph-model' ? { type: 'graph' } : {}),
  });
  await nsfw.load();
  const session = await ort.InferenceSession.create(r.path);
  let maxDiff = 0;
  try {
    for (const img of images) {
      const result = nsfw.infer(img);
      const expected = await result.data();
      result.dispose();
      const input = new ort.Tensor('float32', preprocess(img, size), [1, 3, size, size]);
      const got = (await session.run({ input })).probabilities!.data as Float32Array;
      expect(got).toHaveLength(5);
      for (let k = 0; k < 5; k++) maxDiff = Math.max(maxDiff, Math.abs(got[k]! - expected[k]!));
    }
  } finally {
    nsfw.dispose();
    await session.release();
  }
  const made = `${(r.bytes / 1e6).toFixed(1)} MB, converted in ${r.seconds!.toFixed(2)} s`;
  console.log(`${id}: ${images.length} images, max |onnx - nsfwjs| = ${maxDiff.toExponential(2)}, ${made}`);
  return { maxDiff, bytes: r.bytes, convertSeconds: r.seconds! };
}

async function images(specs: readonly ([number, number, number] | string)[]): Promise<tf.Tensor3D[]> {
  const list = await Promise.all(specs.map((s) => (typeof s === 'string' ? photo(s) : syntheticImage(...s))));
  return list.filter((t): t is tf.Tensor3D => t !== null);
}

// ---------------------------------------------------------------- parity

describe('converted nsfwjs classifiers match nsfwjs', () => {
  it('MobileNetV2 (layers model) on synthetic images and fixture photos', { timeout: 60_000 }, async () => {
    const inputs = await images([[224, 224, 1], [300, 200, 2], 'landscape-640x480.jpg', 'portrait-480x640.png']);
    const p = await parity('nsfwjs-mobilenet-v2', inputs);
    expect(p.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(p.bytes).toBeGreaterThan(classifiers['nsfwjs-mobilenet-v2']!.approxBytes * 0.9);
    expect(p.bytes).toBeLessThanOrEqual(3.6e6);
    tf.dispose(inputs);
  });

  it('MobileNetV2Mid (graph model)', { timeout: 60_000 }, async () => {
    const inputs = await images([[257, 190, 3], 'square-500x500.webp', 'odd-pad-333x500.jpg']);
    const p = await parity('nsfwjs-mobilenet-v2-mid', inputs);
    expect(p.maxDiff).toBeLessThanOrEqual(TOLERANCE);
    tf.dispose(inputs);
  });

  it.runIf(process.env.VEIL_NSFWJS_INCEPTION === '1')('InceptionV3 (slow)', { timeout: 300_000 }, async () => {
    const inputs = await images([[299, 299, 4], 'landscape-640x480.jpg']);
    const p = await parity('nsfwjs-inception-v3', inputs);
    expect(p.maxDiff).toBeLessThanOrEqual(1e-4);
    tf.dispose(inputs);
  });
});

// ---------------------------------------------------------------- stored as nsfwjs stores them

describe("nsfwjs's uint8 weights kept in the ONNX file", () => {
  /** A model as onnxruntime holds it after loading: its operators and the bytes of every initializer. */
  async function afterLoad(file: string) {
    const optimized = `${file}.loaded.onnx`;
    // 'basic' is where constant folding runs (Veil's sessions use 'all', which includes it),
    // without the layout changes 'all' makes to the Conv weights.
    const s = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'basic', optimizedModelFilePath: optimized });
    await s.release();
    const graph = onnxProto.onnx.ModelProto.decode(fs.readFileSync(optimized)).graph!;
    return {
      ops: graph.node!.map((n) => n.opType),
      initializers: graph
        .initializer!.map((t) => `${t.dataType} [${t.dims!.join(',')}] ${createHash('sha256').update(t.rawData!).digest('hex')}`)
        .sort(),
    };
  }

  it('MobileNetV2: about nsfwjs\'s size, and after load the float32 file\'s weights and outputs, bit for bit', { timeout: 60_000 }, async () => {
    const entry = classifiers['nsfwjs-mobilenet-v2']!;
    const a = readTfjsFromPackage(entry.source.package, entry.source.path);
    const opts = { inputName: entry.input.name, outputName: entry.output.name, inputSize: entry.inputSize, docString: '' };
    const files = { stored: path.join(outDir, 'stored.onnx'), float: path.join(outDir, 'float.onnx') };
    const stored = convertTfjsModel(a, opts);
    const float = convertTfjsModel(a, { ...opts, keepQuantized: false });
    fs.writeFileSync(files.stored, stored.bytes);
    fs.writeFileSync(files.float, float.bytes);
    console.log(`MobileNetV2: ${stored.bytes.length} bytes with uint8 weights, ${float.bytes.length} as float32`);
    expect(stored.bytes.length).toBeLessThanOrEqual(3.6e6);
    expect(float.bytes.length).toBeGreaterThan(3.5 * stored.bytes.length);
    expect(stored.onnxOps).toEqual(expect.arrayContaining(['Cast', 'Transpose']));

    // onnxruntime folds the dequantizing nodes away at load: what is left is the float32 file.
    const [s, f] = [await afterLoad(files.stored), await afterLoad(files.float)];
    expect(s.ops).not.toContain('Cast');
    expect(s.ops).toEqual(f.ops);
    expect(s.initializers).toEqual(f.initializers);

    // The same probabilities to the last bit on real photos, in onnxruntime-node and in
    // onnxruntime-web's WASM (the runtime a browser runs), with Veil's session options.
    const names = fs.readdirSync(REAL_PHOTOS).filter((n) => /\.(jpe?g|png|webp)$/.test(n));
    expect(names.length).toBeGreaterThanOrEqual(5);
    ortWeb.env.wasm.numThreads = 1;
    const options = { graphOptimizationLevel: 'all' } as const;
    const node = await Promise.all([files.stored, files.float].map((file) => ort.InferenceSession.create(file, options)));
    const web = await Promise.all(
      [stored.bytes, float.bytes].map((bytes) => ortWeb.InferenceSession.create(bytes, { ...options, executionProviders: ['wasm'] })),
    );
    try {
      for (const name of names) {
        const img = (await photo(name, REAL_PHOTOS))!;
        const data = preprocess(img, entry.inputSize);
        img.dispose();
        const shape = [1, 3, entry.inputSize, entry.inputSize];
        const [ns, nf] = await Promise.all(node.map(async (x) => (await x.run({ input: new ort.Tensor('float32', data, shape) })).probabilities!.data));
        const [ws, wf] = await Promise.all(web.map(async (x) => (await x.run({ input: new ortWeb.Tensor('float32', data, shape) })).probabilities!.data));
        expect(Array.from(ns as Float32Array), name).toEqual(Array.from(nf as Float32Array));
        expect(Array.from(ws as Float32Array), name).toEqual(Array.from(wf as Float32Array));
      }
    } finally {
      await Promise.all([...node, ...web].map((x) => x.release()));
    }
  });
});

// ---------------------------------------------------------------- weights

describe('TF.js weights', () => {
  const sameBits = (a: Float32Array, b: Float32Array) =>
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

  it("dequantizes nsfwjs's uint8 weights bit for bit as tf.io.decodeWeights does", async () => {
    for (const folder of ['dist/models/mobilenet_v2', 'dist/models/mobilenet_v2_mid']) {
      const a = readTfjsFromPackage('nsfwjs', folder);
      const ours = decodeWeights(a);
      const specs = a.json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
      const theirs = tf.io.decodeWeights(a.weightData.slice().buffer, specs);
      expect(ours.size).toBe(specs.length);
      for (const [name, w] of ours) {
        const t = theirs[name]!;
        expect(w.shape).toEqual(t.shape);
        if (!sameBits(w.data, t.dataSync() as Float32Array)) throw new Error(`${folder}: ${name} differs from TF.js`);
      }
      tf.dispose(Object.values(theirs));
    }
  });

  it('decodes float32, int32, uint16 and float16 weights as TF.js does', () => {
    const next = random(7);
    const values = Float32Array.from({ length: 12 }, () => next() * 4 - 2);
    const f16 = Uint16Array.from([
      0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff, 0x8400, 0x0000, 0x3800, 0x4248, 0xbc00, 0x03ff, 0x5640,
    ]);
    const specs: tf.io.WeightsManifestEntry[] = [
      { name: 'f32', shape: [3, 4], dtype: 'float32' },
      { name: 'i32', shape: [3], dtype: 'int32' },
      { name: 'u16', shape: [2, 6], dtype: 'float32', quantization: { dtype: 'uint16', min: -1.25, scale: 0.0001 } },
      { name: 'f16', shape: [12], dtype: 'float32', quantization: { dtype: 'float16' } },
    ];
    const bytes = Buffer.concat([
      Buffer.from(values.buffer),
      Buffer.from(Int32Array.of(-3, 0, 7).buffer),
      Buffer.from(Uint16Array.from({ length: 12 }, (_, i) => i * 5000 + 17).buffer),
      Buffer.from(f16.buffer),
    ]);
    const ours = decodeWeights({
      json: { modelTopology: {}, weightsManifest: [{ paths: ['x'], weights: specs }] },
      weightData: new Uint8Array(bytes),
      source: 'test',
    });
    const theirs = tf.io.decodeWeights(new Uint8Array(bytes).buffer, specs);
    for (const s of specs) expect(Array.from(ours.get(s.name)!.data)).toEqual(Array.from(theirs[s.name]!.dataSync()));
  });

  it('refuses shards that do not hold what the manifest lists', () => {
    const a = readTfjsFromPackage('nsfwjs', 'dist/models/mobilenet_v2');
    const cut = { ...a, weightData: a.weightData.subarray(0, a.weightData.length - 10) };
    expect(() => decodeWeights(cut)).toThrow(/hold \d+ bytes, fewer than its manifest lists .*a shard is missing or truncated/);
  });
});

describe("TensorFlow's 'same' padding", () => {
  it('puts the odd pixel at the bottom/right, as TF does', () => {
    expect(tfPadding(224, 3, 2, 1, 'same')).toEqual([0, 1]); // MobileNetV2Mid's first convolution
    expect(tfPadding(112, 3, 1, 1, 'same')).toEqual([1, 1]);
    expect(tfPadding(17, 7, 1, 1, 'same')).toEqual([3, 3]); // InceptionV3's 1x7 / 7x1
    expect(tfPadding(14, 2, 1, 2, 'same')).toEqual([1, 1]);
    expect(tfPadding(15, 4, 2, 1, 'same')).toEqual([1, 2]);
    expect(tfPadding(8, 3, 2, 1, 'valid')).toEqual([0, 0]);
  });
});

// ---------------------------------------------------------------- a small Keras model

/**
 * A small functional model with deterministic weights, with the layers and
 * corner cases nsfwjs's models do not have (a folded depthwise multiplier, a
 * BN and a ZeroPadding2D with no convolution to fold into, even and dilated
 * kernels under 'same', 'same' pooling, Flatten over 3x3, global pooling),
 * with nsfwjs-mobilenet-v2's contract so that the CLI can install it.
 */
function smallModel(): tf.LayersModel {
  const L = tf.layers;
  type Node = tf.SymbolicTensor | tf.SymbolicTensor[];
  /** `x` through each layer in turn. */
  const pipe = (x: Node, ...layers: tf.layers.Layer[]) =>
    layers.reduce<Node>((v, layer) => layer.apply(v) as tf.SymbolicTensor, x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [224, 224, 3] });
  const p0 = pipe(input, L.averagePooling2d({ poolSize: 4, strides: 4 })); // 56x56
  const pad = L.zeroPadding2d({
    padding: [
      [0, 1],
      [0, 1],
    ],
  }); // becomes the next convolution's pads
  const c1 = pipe(p0, pad, L.conv2d({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu' })); // 28x28x8
  const conv31 = L.conv2d({ filters: 6, kernelSize: [3, 1], strides: 2, padding: 'same', useBias: false });
  const c2 = pipe(p0, conv31, L.batchNormalization(), L.reLU({ maxValue: 6 })); // 28x28x6
  const dw = L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' });
  const d = pipe(c1, dw, L.batchNormalization()); // 28x28x16: BN folded per (channel, multiplier)
  const cat = pipe([d, c2], L.concatenate(), L.batchNormalization({ scale: false })); // BN with no convolution before it
  const mp = pipe(cat, L.zeroPadding2d({ padding: 1 }), L.maxPooling2d({ poolSize: 3, strides: 2 })); // a real Pad node
  const ap = pipe(cat, L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })); // 14x14
  const act = pipe([mp, ap], L.add(), L.activation({ activation: 'tanh' }));
  const c3 = pipe(act, L.conv2d({ filters: 4, kernelSize: 2, dilationRate: 2, padding: 'same', activation: 'sigmoid' }));
  const flat = pipe(c3, L.averagePooling2d({ poolSize: 4, strides: 4 }), L.flatten()); // 3x3x4, read in NHWC order
  const features = [pipe(c3, L.globalAveragePooling2d({})), pipe(act, L.globalMaxPooling2d({})), flat];
  const head = [L.dense({ units: 16, activation: 'relu' }), L.dropout({ rate: 0.5 }), L.dense({ units: 5 }), L.softmax()];
  const output = pipe(features, L.concatenate(), ...head);
  const model = tf.model({ inputs: input, outputs: output });
  // Deterministic weights on the scale of trained ones, so that no activation
  // saturates and the output depends on the image.
  const next = random(11);
  model.setWeights(
    model.weights.map((w) => {
      const shape = w.shape as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      const kind = w.name.split('/').at(-1)!;
      const fanIn = kind === 'depthwise_kernel' ? shape[0]! * shape[1]! : n / shape.at(-1)!;
      const [offset, spread] = kind.endsWith('kernel')
        ? [0, Math.sqrt(3 / fanIn)]
        : kind === 'gamma' || kind === 'moving_variance'
          ? [1, 0.5]
          : [0, 0.1];
      return tf.tensor(
        Float32Array.from({ length: n }, () => offset + spread * (2 * next() - 1)),
        shape,
      );
    }),
  );
  return model;
}

/** Saves `model` as TF.js's own files (model.json and two .bin shards) in `dir`. */
async function saveModel(model: tf.LayersModel, dir: string, edit: (topology: any) => void = () => {}): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = new Uint8Array(a.weightData as ArrayBuffer);
      const half = Math.floor(data.length / 2);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'a.bin'), data.subarray(0, half));
      fs.writeFileSync(path.join(dir, 'b.bin'), data.subarray(half));
      edit(a.modelTopology);
      const json = {
        format: 'layers-model',
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ['a.bin', 'b.bin'], weights: a.weightSpecs }],
      };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

describe('converting a TF.js layers model from files, a URL and the CLI', () => {
  let model: tf.LayersModel;
  let dir = '';
  let server: http.Server;
  let base = '';
  const entry = () => classifiers['nsfwjs-mobilenet-v2']!;

  beforeAll(async () => {
    model = smallModel();
    dir = path.join(outDir, 'small');
    await saveModel(model, dir);
    server = http.createServer((req, res) => {
      const file = path.join(dir, path.basename(req.url ?? ''));
      if (!req.url?.startsWith('/small/') || !fs.existsSync(file)) return res.writeHead(404).end();
      res.writeHead(200).end(fs.readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    model.dispose();
    await new Promise((r) => server.close(r));
  });

  async function compare(file: string): Promise<number> {
    const session = await ort.InferenceSession.create(file);
    const img = syntheticImage(224, 224, 5);
    const expected = tf.tidy(() => (model.predict(img.toFloat().div(255).expandDims(0)) as tf.Tensor).dataSync());
    const input = new ort.Tensor('float32', preprocess(img, 224), [1, 3, 224, 224]);
    const got = (await session.run({ input })).probabilities!.data as Float32Array;
    img.dispose();
    await session.release();
    const diff = Math.max(...Array.from(got, (v, k) => Math.abs(v - expected[k]!)));
    console.log(`small model: [${Array.from(got, (v) => v.toFixed(3))}], max |onnx - tfjs| = ${diff.toExponential(2)}`);
    return diff;
  }

  it('converts a model folder given with --file, matching TF.js', async () => {
    const out = path.join(outDir, 'from-file');
    const r = await fetchClassifier({ id: 'small', entry: entry(), outDir: out, file: dir });
    expect(r.status).toBe('converted');
    expect(r.conversion!.handled).toEqual(
      expect.arrayContaining(['ZeroPadding2D', 'DepthwiseConv2D', 'GlobalMaxPooling2D', 'Softmax']),
    );
    // The unfoldable ZeroPadding2D, BN and Flatten over 3x3 each need their own nodes; no Pad,
    // which onnxruntime would fuse into the MaxPool after it (see zeroPad in nhwc-ops.ts).
    expect(r.conversion!.onnxOps).toEqual(expect.arrayContaining(['Mul', 'Transpose', 'GlobalMaxPool', 'Concat']));
    expect(r.conversion!.onnxOps).not.toContain('Pad');
    expect(await compare(r.path)).toBeLessThanOrEqual(1e-5);
    expect(fs.readdirSync(out)).toEqual(['nsfwjs-mobilenet-v2.onnx']);
  });

  it('downloads a hosted model.json and its shards given with --url', async () => {
    const out = path.join(outDir, 'from-url');
    const r = await fetchClassifier({ id: 'small', entry: entry(), outDir: out, url: `${base}/small/` });
    expect(r.source).toBe(`${base}/small/model.json`);
    expect(await compare(r.path)).toBeLessThanOrEqual(1e-5);
    expect(fs.readdirSync(out)).toEqual(['nsfwjs-mobilenet-v2.onnx']); // no shard left behind
  });

  it('says which shard is missing at the URL', async () => {
    fs.renameSync(path.join(dir, 'b.bin'), path.join(dir, 'gone.bin'));
    try {
      const err = await fetchClassifier({
        id: 'small',
        entry: entry(),
        outDir,
        force: true,
        url: `${base}/small/model.json`,
      }).catch((e: Error) => e);
      expect((err as Error).message).toMatch(
        /^Could not download b\.bin from http:\/\/127\.0\.0\.1:\d+\/small\/b\.bin: the server answered HTTP 404/,
      );
      expect((err as Error).message).toMatch(
        /; check the URL, or download the TF\.js model \(model\.json and its shards\) .* with --file FOLDER\.$/,
      );
    } finally {
      fs.renameSync(path.join(dir, 'gone.bin'), path.join(dir, 'b.bin'));
    }
  });

  it('refuses a layer it does not know, by name', async () => {
    const odd = path.join(outDir, 'odd');
    await saveModel(model, odd, (t) => (t.config.layers.find((l: any) => l.class_name === 'Flatten').class_name = 'LSTM'));
    const err = await fetchClassifier({
      id: 'small',
      entry: entry(),
      outDir,
      force: true,
      file: path.join(odd, 'model.json'),
    }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /^The model uses the Keras layer LSTM \(flatten_\w+\), which the converter does not handle; it handles InputLayer, /,
    );
  });

  it('CLI: converts with --file and prints the contract, or fails in one line', { timeout: 30_000 }, async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const script = path.join(REPO_ROOT, 'scripts/cli/main.ts');
        execFile(process.execPath, ['--import', 'tsx', script, 'models', ...args], { cwd: REPO_ROOT }, (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        );
      });
    const out = path.join(outDir, 'cli');
    const [ok, bad] = await Promise.all([
      run(['nsfwjs-mobilenet-v2', '--file', dir, '--out', out, '--compress']),
      run(['nsfwjs-inception-v3', '--file', path.join(outDir, 'absent'), '--out', out]),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^Converted .*small\/model\.json to .*nsfwjs-mobilenet-v2\.onnx \([\d.]+ KB\) in [\d.]+ s\./);
    expect(ok.stdout).toContain('input [1,3,224,224] -> probabilities [1,5] (Drawing, Hentai, Neutral, Porn, Sexy)');
    // With --compress, beside the model, its brotli and gzip copies, for servers that send precompressed files.
    const model = fs.readFileSync(path.join(out, 'nsfwjs-mobilenet-v2.onnx'));
    expect(zlib.brotliDecompressSync(fs.readFileSync(path.join(out, 'nsfwjs-mobilenet-v2.onnx.br'))).equals(model)).toBe(true);
    expect(zlib.gunzipSync(fs.readFileSync(path.join(out, 'nsfwjs-mobilenet-v2.onnx.gz'))).equals(model)).toBe(true);
    expect(ok.stdout).toMatch(/wrote .*nsfwjs-mobilenet-v2\.onnx\.br \([\d.]+ [KM]B\) and \.gz/);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/absent does not exist\.$/)]);
  });
});

// ---------------------------------------------------------------- manifest

describe('classifiers in models/manifest.json', () => {
  const raw = () => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'models/manifest.json'), 'utf8'));
  const refusal = (data: unknown) => {
    try {
      checkManifest(data);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected the manifest to be refused');
  };

  it("describes nsfwjs's three models with its classes, licence and preprocessing", () => {
    expect(Object.keys(classifiers)).toEqual(['nsfwjs-mobilenet-v2', 'nsfwjs-mobilenet-v2-mid', 'nsfwjs-inception-v3']);
    // nsfwjs's own class table (its output order), read past its exports map.
    const { NSFW_CLASSES } = createRequire(import.meta.url)(path.join(REPO_ROOT, 'node_modules/nsfwjs/dist/cjs/nsfw_classes.js'));
    const licence = fs.readFileSync(path.join(REPO_ROOT, 'node_modules/nsfwjs/LICENSE'), 'utf8');
    for (const [id, e] of Object.entries(classifiers)) {
      expect(e.file).toBe(`${id}.onnx`);
      expect(e.kind).toBe('classifier');
      expect(e.classes).toEqual(Object.values(NSFW_CLASSES));
      expect(e.categories).toEqual({ Drawing: 'normal', Hentai: 'porn', Neutral: 'normal', Porn: 'porn', Sexy: 'sexy' });
      expect(licence).toContain(e.licence.copyright);
      expect(e.licence.name).toBe('MIT');
      expect(e.preprocessing).toMatchObject({
        layout: 'NCHW',
        divisor: 255,
        mean: [0, 0, 0],
        std: [1, 1, 1],
        resize: { alignCorners: true, halfPixelCenters: false },
      });
      expect(fs.existsSync(path.join(REPO_ROOT, 'node_modules/nsfwjs', e.source.path, 'model.min.js'))).toBe(true);
    }
    expect(classifiers['nsfwjs-inception-v3']!.input.shape).toEqual([1, 3, 299, 299]);
  });

  it('refuses shapes that disagree with inputSize or the classes, and classes without a category', () => {
    const input = raw();
    input.classifiers['nsfwjs-mobilenet-v2'].inputSize = 299;
    expect(refusal(input)).toMatch(
      /gives the classifier "nsfwjs-mobilenet-v2" the input shape \[1,3,224,224\], but an inputSize of 299 means \[1,3,299,299\]/,
    );
    const output = raw();
    output.classifiers['nsfwjs-mobilenet-v2'].classes.pop();
    expect(refusal(output)).toMatch(/the output shape \[1,5\] for 4 classes; it should be \[1,4\]/);
    const category = raw();
    category.classifiers['nsfwjs-inception-v3'].categories.Sexy = 'racy';
    expect(refusal(category)).toMatch(
      /gives the class "Sexy" of "nsfwjs-inception-v3" the category "racy"; it should be one of porn, sexy, normal/,
    );
    const missing = raw();
    delete missing.classifiers['nsfwjs-inception-v3'].categories.Hentai;
    expect(refusal(missing)).toMatch(/gives the class "Hentai" of "nsfwjs-inception-v3" no category/);
    const layout = raw();
    layout.classifiers['nsfwjs-mobilenet-v2'].preprocessing.layout = 'NHWC';
    expect(refusal(layout)).toMatch(/has no usable "preprocessing" for "nsfwjs-mobilenet-v2"/);
    const twice = raw();
    twice.classifiers['320n'] = twice.classifiers['nsfwjs-mobilenet-v2'];
    expect(refusal(twice)).toMatch(/lists "320n" both as a model and as a classifier/);
  });
});
