// Checks the generated test models (test/models/make-models.mjs) with onnxruntime-node:
// I/O contract, the semantic fixture's boxes and scores, and the YOLOv8n twin's shape,
// cost proxy (parameter count) and silence.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLASS_LABELS,
  FIXTURE_COLORS,
  SHADOWS,
  anchorsFor,
  expectedFixtureBoxes,
} from '../models/fixture-spec.mjs';
import { IR_VERSION, OPSET, makeModels } from '../models/make-models.mjs';

const { onnx } = onnxProto;
const ROWS = 22;

let outDir = '';
let generated: Awaited<ReturnType<typeof makeModels>>;

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'veil-models-'));
  generated = await makeModels(outDir);
});

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

const modelPath = (file: string) => path.join(outDir, file);
const load = (file: string) => ort.InferenceSession.create(modelPath(file));

// ---------------------------------------------------------------- synthetic images

/** A [1,3,S,S] CHW image filled with one grey level. */
function greyImage(size: number, level = 0.5): Float32Array {
  return new Float32Array(3 * size * size).fill(level);
}

/** Paints the inclusive pixel rectangle x0..x1, y0..y1 with rgb given in 0..1 units. */
function paint(
  image: Float32Array,
  size: number,
  rgb: readonly number[],
  [x0, x1]: [number, number],
  [y0, y1]: [number, number],
): void {
  for (let c = 0; c < 3; c += 1) {
    for (let y = y0; y <= y1; y += 1) {
      image.fill(rgb[c], c * size * size + y * size + x0, c * size * size + y * size + x1 + 1);
    }
  }
}

function colour(name: string) {
  const entry = FIXTURE_COLORS.find((e) => e.name === name);
  if (!entry) throw new Error(`no fixture colour ${name}`);
  return { entry, index: FIXTURE_COLORS.indexOf(entry), rgb01: entry.rgb.map((v) => v / 255) };
}

async function runFixture(size: number, image: Float32Array): Promise<Float32Array> {
  const session = await load(`veil-fixture-${size}.onnx`);
  const result = await session.run({ images: new ort.Tensor('float32', image, [1, 3, size, size]) });
  const output = result.output0;
  expect(output.dims).toEqual([1, ROWS, anchorsFor(size)]);
  expect(output.type).toBe('float32');
  return output.data as Float32Array;
}

/** The 22 values of one anchor column of a [1,22,A] output. */
function column(output: Float32Array, anchors: number, j: number): number[] {
  return Array.from({ length: ROWS }, (_, r) => output[r * anchors + j]);
}

/** Asserts one column holds exactly this box, this class score and zero for other classes. */
function expectBox(
  col: number[],
  box: { cx: number; cy: number; w: number; h: number; classIndex: number; score: number },
): void {
  const [cx, cy, w, h, ...scores] = col;
  expect(cx).toBeCloseTo(box.cx, 3);
  expect(cy).toBeCloseTo(box.cy, 3);
  expect(w).toBeCloseTo(box.w, 3);
  expect(h).toBeCloseTo(box.h, 3);
  scores.forEach((s, c) => expect(s).toBeCloseTo(c === box.classIndex ? box.score : 0, 5));
}

/** Asserts every column outside the listed entries' column groups is all zero. */
function expectOnlyEntries(output: Float32Array, anchors: number, entryIndices: number[]): void {
  const owned = new Set(entryIndices.flatMap((k) => SHADOWS.map((_, j) => k * SHADOWS.length + j)));
  const stray: number[] = [];
  for (let j = 0; j < anchors; j += 1) {
    if (owned.has(j)) continue;
    if (column(output, anchors, j).some((v) => v !== 0)) stray.push(j);
  }
  expect(stray).toEqual([]);
}

// ---------------------------------------------------------------- generation

describe('makeModels', () => {
  it('writes the four models, deterministically, and skips unchanged files', async () => {
    expect(generated.files.map((f) => f.file)).toEqual([
      'veil-fixture-320.onnx',
      'veil-fixture-640.onnx',
      'yolov8n-twin-320.onnx',
      'bad-inputs.onnx',
    ]);
    expect(generated.files.every((f) => f.written)).toBe(true);

    const again = await makeModels(outDir);
    expect(again.files.map((f) => f.written)).toEqual([false, false, false, false]);
    expect(again.files.map((f) => f.sha256)).toEqual(generated.files.map((f) => f.sha256));
  });

  it('uses opset 13 and IR version 8', async () => {
    for (const { file } of generated.files) {
      const model = onnx.ModelProto.decode(await readFile(modelPath(file)));
      expect(Number(model.irVersion), file).toBe(IR_VERSION);
      expect(IR_VERSION).toBe(8);
      expect(model.opsetImport.map((o) => [o.domain, Number(o.version)]), file).toEqual([['', OPSET]]);
      expect(OPSET).toBe(13);
    }
  });
});

describe('NudeNet I/O contract', () => {
  it.each([
    { file: 'veil-fixture-320.onnx', size: 320, anchors: 2100 },
    { file: 'veil-fixture-640.onnx', size: 640, anchors: 8400 },
    { file: 'yolov8n-twin-320.onnx', size: 320, anchors: 2100 },
  ])('$file takes images [1,3,$size,$size] and returns output0 [1,22,$anchors]', async ({ file, size, anchors }) => {
    const session = await load(file);
    expect(session.inputMetadata).toEqual([
      { name: 'images', isTensor: true, type: 'float32', shape: [1, 3, size, size] },
    ]);
    expect(session.outputMetadata).toEqual([
      { name: 'output0', isTensor: true, type: 'float32', shape: [1, 22, anchors] },
    ]);
  });

  it('bad-inputs.onnx is valid but has pixels [1,3,64,64] -> out [1,4]', async () => {
    const session = await load('bad-inputs.onnx');
    expect(session.inputNames).toEqual(['pixels']);
    expect(session.outputNames).toEqual(['out']);
    expect(session.inputMetadata[0]).toMatchObject({ type: 'float32', shape: [1, 3, 64, 64] });
    const result = await session.run({ pixels: new ort.Tensor('float32', greyImage(64, 0.25), [1, 3, 64, 64]) });
    expect(result.out.dims).toEqual([1, 4]);
  });

  it('spec constants match NudeNet', () => {
    expect(anchorsFor(320)).toBe(2100);
    expect(anchorsFor(640)).toBe(8400);
    expect(CLASS_LABELS).toHaveLength(18);
    expect(CLASS_LABELS[3]).toBe('FEMALE_BREAST_EXPOSED');
    expect(CLASS_LABELS[17]).toBe('BUTTOCKS_COVERED');
  });
});

// ---------------------------------------------------------------- semantic fixture

describe('veil-fixture-320.onnx', () => {
  const S = 320;
  const A = 2100;

  it('boxes a red and a green patch, with their shadows, and nothing else', async () => {
    const image = greyImage(S);
    const red = colour('red');
    const green = colour('green');
    paint(image, S, red.rgb01, [40, 99], [60, 139]);
    paint(image, S, green.rgb01, [200, 259], [10, 49]);
    const out = await runFixture(S, image);

    // Red is entry 0: columns 0, 1, 2. Literal numbers so a changed SHADOWS table fails here.
    expect(red.index).toBe(0);
    expectBox(column(out, A, 0), { cx: 70, cy: 100, w: 60, h: 80, classIndex: 3, score: 0.9 });
    expectBox(column(out, A, 1), { cx: 70, cy: 100, w: 54, h: 72, classIndex: 3, score: 0.81 });
    expectBox(column(out, A, 2), { cx: 85, cy: 100, w: 60, h: 80, classIndex: 3, score: 0.72 });

    // Green is entry 1: columns 3, 4, 5.
    expect(green.index).toBe(1);
    expectBox(column(out, A, 3), { cx: 230, cy: 30, w: 60, h: 40, classIndex: 1, score: 0.8 });
    expectBox(column(out, A, 4), { cx: 230, cy: 30, w: 54, h: 36, classIndex: 1, score: 0.72 });
    expectBox(column(out, A, 5), { cx: 245, cy: 30, w: 60, h: 40, classIndex: 1, score: 0.64 });

    // Absent colours and all remaining anchors: all zero (box and scores).
    expectOnlyEntries(out, A, [red.index, green.index]);
  });

  it('outputs all zeros for a plain grey image', async () => {
    const out = await runFixture(S, greyImage(S));
    expectOnlyEntries(out, A, []);
  });

  it('matches strictly within COLOR_TOLERANCE per channel', async () => {
    const image = greyImage(S);
    paint(image, S, [0.9, 0.1, 0.05], [5, 5], [7, 7]); // every channel off by < 0.12: red
    paint(image, S, [0.87, 0, 0], [300, 300], [300, 300]); // red channel off by 0.13: nothing
    paint(image, S, [0, 0.87, 0], [310, 310], [310, 310]); // green channel off by 0.13: nothing
    const out = await runFixture(S, image);
    expectBox(column(out, A, 0), { cx: 5.5, cy: 7.5, w: 1, h: 1, classIndex: 3, score: 0.9 });
    expectOnlyEntries(out, A, [0]);
  });
});

describe('veil-fixture-640.onnx', () => {
  const S = 640;
  const A = 8400;

  it('boxes patches anywhere in the frame, including the last pixel', async () => {
    const image = greyImage(S);
    const red = colour('red');
    const orange = colour('orange');
    const teal = colour('teal');
    const olive = colour('olive');
    paint(image, S, red.rgb01, [300, 449], [500, 599]);
    paint(image, S, orange.rgb01, [0, 31], [0, 15]);
    paint(image, S, teal.rgb01, [600, 619], [20, 419]);
    paint(image, S, olive.rgb01, [639, 639], [639, 639]);
    const out = await runFixture(S, image);

    expectBox(column(out, A, 0), { cx: 375, cy: 550, w: 150, h: 100, classIndex: 3, score: 0.9 });
    expectBox(column(out, A, 1), { cx: 375, cy: 550, w: 135, h: 90, classIndex: 3, score: 0.81 });
    expectBox(column(out, A, 2), { cx: 412.5, cy: 550, w: 150, h: 100, classIndex: 3, score: 0.72 });

    // Orange is entry 6 (MALE_GENITALIA_EXPOSED 0.95), teal 8 (FACE_MALE 0.22), olive 9.
    expectBox(column(out, A, 18), { cx: 16, cy: 8, w: 32, h: 16, classIndex: 14, score: 0.95 });
    expectBox(column(out, A, 24), { cx: 610, cy: 220, w: 20, h: 400, classIndex: 12, score: 0.22 });
    expectBox(column(out, A, 27), { cx: 639.5, cy: 639.5, w: 1, h: 1, classIndex: 6, score: 0.3 });
    const extents = [
      [orange, { x0: 0, y0: 0, x1: 32, y1: 16 }],
      [teal, { x0: 600, y0: 20, x1: 620, y1: 420 }],
      [olive, { x0: 639, y0: 639, x1: 640, y1: 640 }],
    ] as const;
    for (const [c, extent] of extents) {
      expectedFixtureBoxes(c.entry, extent).forEach((box, j) =>
        expectBox(column(out, A, c.index * SHADOWS.length + j), box),
      );
    }

    expectOnlyEntries(out, A, [red.index, orange.index, teal.index, olive.index]);
  });
});

// ---------------------------------------------------------------- YOLOv8n twin

/** Parameters = elements of every Conv weight and bias initializer. */
async function countConvParameters(file: string): Promise<{ parameters: number; convs: number }> {
  const model = onnx.ModelProto.decode(await readFile(modelPath(file)));
  const graph = model.graph!;
  const sizes = new Map(
    (graph.initializer ?? []).map((t) => [t.name, (t.dims ?? []).reduce((a: number, d) => a * Number(d), 1)]),
  );
  const convs = (graph.node ?? []).filter((n) => n.opType === 'Conv');
  const parameters = convs.reduce(
    (sum, n) => sum + (n.input ?? []).slice(1).reduce((s, name) => s + (sizes.get(name) ?? 0), 0),
    0,
  );
  return { parameters, convs: convs.length };
}

describe('yolov8n-twin-320.onnx', () => {
  it('has YOLOv8n size: Ultralytics fused yolov8n count with an 18-class head', async () => {
    const { parameters, convs } = await countConvParameters('yolov8n-twin-320.onnx');
    expect(parameters).toBeGreaterThan(2.9e6);
    expect(parameters).toBeLessThan(3.3e6);
    // 3,151,904 (Ultralytics "YOLOv8n summary (fused)", nc=80) minus the nc=80 class branch
    // (80 hidden channels) plus the nc=18 one (64 hidden channels) = 3,009,158.
    expect(parameters).toBe(3_009_158);
    expect(generated.twinParameterCount).toBe(parameters);
    // 57 Conv+SiLU blocks, 6 head 1x1 convs and the DFL conv.
    expect(convs).toBe(64);
    const twin = generated.files.find((f) => f.file === 'yolov8n-twin-320.onnx')!;
    expect(twin.bytes).toBeGreaterThan(11.5e6);
    expect(twin.bytes).toBeLessThan(12.5e6);
  });

  it('returns finite boxes and no class score at or above 0.2', async () => {
    const session = await load('yolov8n-twin-320.onnx');
    const S = 320;
    const A = 2100;
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const inputs = [
      Float32Array.from({ length: 3 * S * S }, random),
      Float32Array.from({ length: 3 * S * S }, random),
      greyImage(S, 0),
      greyImage(S, 1),
    ];
    for (const image of inputs) {
      const result = await session.run({ images: new ort.Tensor('float32', image, [1, 3, S, S]) });
      expect(result.output0.dims).toEqual([1, 22, A]);
      const data = result.output0.data as Float32Array;
      expect(data.every(Number.isFinite)).toBe(true);
      const maxScore = Math.max(...data.subarray(4 * A));
      expect(maxScore).toBeGreaterThan(0);
      expect(maxScore).toBeLessThan(0.2);
      // Box rows: DFL distances are 0..15 bins, so every box is within 15 strides of its anchor.
      const widths = data.subarray(2 * A, 3 * A);
      expect(Math.min(...widths)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...widths)).toBeLessThanOrEqual(30 * 32);
    }
  });
});
