/**
 * What storing the weights as float16 (`npx veil-nsfw models 320n-fp16`) changes
 * in the outputs, where it can be measured here: NudeNet's own weights cannot be
 * fetched offline, so (1) the YOLOv8n-shaped test model (public/models/
 * yolov8n-twin-320.onnx, `npm run models`), whose outputs are raw numbers, and
 * (2) the same transformation on nsfwjs's MobileNetV2 (float32 file), whose real
 * weights give real probabilities on the real photos (test/.cache/photos).
 * Both run in onnxruntime-node with Veil's session options; the float16 files
 * are checked to hold no Cast after load (the weights are float32 again).
 *
 *   npx tsx bench/fp16-drift.mts        prints a table and writes bench/results/fp16-drift.json
 */
import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { loadManifest } from '../scripts/model-fetch/manifest.js';
import { readTfjsFromPackage } from '../scripts/model-fetch/tfjs/artifacts.js';
import { convertTfjsModel } from '../scripts/model-fetch/tfjs/convert.js';
import { withFloat16Weights } from '../scripts/model-fetch/fp16.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const PHOTOS = path.join(ROOT, 'test/.cache/photos');
const OUT = path.join(ROOT, 'bench/results');
const options = { graphOptimizationLevel: 'all' } as const;

const photos = fs.readdirSync(PHOTOS).filter((n) => /\.(jpe?g|png|webp)$/.test(n)).sort();
if (photos.length < 5) throw new Error('test/.cache/photos has no photos: run node test/fixtures/prepare.mjs');

/** RGB / 255, NCHW, stretched to size x size: the same input for both files is all a comparison needs. */
async function input(name: string, size: number): Promise<Float32Array> {
  const { data } = await sharp(path.join(PHOTOS, name)).rotate().removeAlpha().resize(size, size, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const out = new Float32Array(3 * size * size);
  for (let i = 0; i < size * size; i++) for (let c = 0; c < 3; c++) out[c * size * size + i] = data[i * 3 + c]! / 255;
  return out;
}

/** Operators left after onnxruntime's load-time folding ('basic' level), written out to check. */
async function opsAfterLoad(bytes: Uint8Array, tag: string): Promise<string[]> {
  const file = path.join(OUT, `.${tag}.onnx`);
  const optimized = path.join(OUT, `.${tag}.loaded.onnx`);
  fs.writeFileSync(file, bytes);
  await (await ort.InferenceSession.create(file, { graphOptimizationLevel: 'basic', optimizedModelFilePath: optimized })).release();
  const ops = onnxProto.onnx.ModelProto.decode(fs.readFileSync(optimized)).graph!.node!.map((n) => n.opType!);
  fs.rmSync(file);
  fs.rmSync(optimized);
  return ops;
}

async function compare(name: string, float: Uint8Array, size: number, inputName: string) {
  const half = withFloat16Weights(float, name).bytes;
  const left = await opsAfterLoad(half, name);
  if (left.includes('Cast')) throw new Error(`${name}: onnxruntime did not fold the float16 weights' Cast at load`);
  const [a, b] = await Promise.all([float, half].map((m) => ort.InferenceSession.create(m, options)));
  const rows = [];
  for (const photo of photos) {
    const x = new ort.Tensor('float32', await input(photo, size), [1, 3, size, size]);
    const [ya, yb] = [await a!.run({ [inputName]: x }), await b!.run({ [inputName]: x })];
    const key = a!.outputNames[0]!;
    rows.push({ photo, float: ya[key]!.data as Float32Array, half: yb[key]!.data as Float32Array, dims: ya[key]!.dims });
  }
  await Promise.all([a!.release(), b!.release()]);
  return { bytes: { float: float.length, half: half.length }, rows };
}

fs.mkdirSync(OUT, { recursive: true });
const maxAbs = (p: ArrayLike<number>, q: ArrayLike<number>, from = 0, to = p.length) => {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(p[i]! - q[i]!));
  return m;
};

// (1) the YOLOv8n twin: raw output [1, 22, 2100], rows 0-3 the box (pixels), 4-21 the class scores.
const twin = await compare('yolov8n-twin-320', fs.readFileSync(path.join(ROOT, 'public/models/yolov8n-twin-320.onnx')), 320, 'images');
const anchors = 2100;
const yolo = twin.rows.map((r) => ({
  photo: r.photo,
  box_px: maxAbs(r.float, r.half, 0, 4 * anchors),
  score: maxAbs(r.float, r.half, 4 * anchors, 22 * anchors),
  // Scores that cross the detection threshold (0.25) one way or the other.
  crossings: Array.from(r.float.subarray(4 * anchors), (v, i) => (v >= 0.25) !== (r.half[4 * anchors + i]! >= 0.25)).filter(Boolean).length,
  score_range: [Math.min(...r.float.subarray(4 * anchors)), Math.max(...r.float.subarray(4 * anchors))],
}));

// (2) nsfwjs's MobileNetV2 as a float32 file, and the same with float16 weights.
const entry = loadManifest().classifiers!['nsfwjs-mobilenet-v2']!;
const tfjs = readTfjsFromPackage(entry.source.package, entry.source.path);
const floatClassifier = convertTfjsModel(tfjs, { inputName: 'input', outputName: 'probabilities', inputSize: 224, docString: '', keepQuantized: false }).bytes;
const cls = await compare('nsfwjs-mobilenet-v2', floatClassifier, 224, 'input');
const argmax = (p: Float32Array) => p.indexOf(Math.max(...p));
const classifier = cls.rows.map((r) => ({
  photo: r.photo,
  max_probability_change: maxAbs(r.float, r.half),
  top_class_same: argmax(r.float) === argmax(r.half),
  float: Array.from(r.float, (v) => +v.toFixed(5)),
  half: Array.from(r.half, (v) => +v.toFixed(5)),
}));

const result = {
  photos: photos.length,
  yolov8n_twin: { bytes: twin.bytes, per_photo: yolo, max_box_px: Math.max(...yolo.map((y) => y.box_px)), max_score: Math.max(...yolo.map((y) => y.score)), threshold_crossings: yolo.reduce((s, y) => s + y.crossings, 0) },
  nsfwjs_mobilenet_v2: {
    bytes: cls.bytes,
    per_photo: classifier,
    max_probability_change: Math.max(...classifier.map((c) => c.max_probability_change)),
    top_class_changes: classifier.filter((c) => !c.top_class_same).length,
  },
};
fs.writeFileSync(path.join(OUT, 'fp16-drift.json'), `${JSON.stringify(result, null, 2)}\n`);
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
console.log(`float16 weights, ${photos.length} real photos, onnxruntime-node (graphOptimizationLevel 'all')`);
console.log(`YOLOv8n twin: ${mb(twin.bytes.float)} -> ${mb(twin.bytes.half)}; max |d box| ${result.yolov8n_twin.max_box_px.toExponential(2)} px, max |d score| ${result.yolov8n_twin.max_score.toExponential(2)}, scores crossing 0.25: ${result.yolov8n_twin.threshold_crossings} of ${photos.length * 18 * anchors}`);
console.log(`nsfwjs MobileNetV2: ${mb(cls.bytes.float)} -> ${mb(cls.bytes.half)}; max |d probability| ${result.nsfwjs_mobilenet_v2.max_probability_change.toExponential(2)}, top class changed on ${result.nsfwjs_mobilenet_v2.top_class_changes} of ${photos.length}`);
for (const c of classifier) console.log(`  ${c.photo.padEnd(24)} ${c.max_probability_change.toExponential(2)}  ${c.float.join(' ')}`);
