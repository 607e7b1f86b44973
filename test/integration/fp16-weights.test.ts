// @vitest-environment node
/**
 * `npx veil-nsfw models 320n-fp16`: NudeNet's 320n with its weights stored as
 * float16 (scripts/model-fetch/fp16.ts), made from the installed float model.
 * Offline, the YOLOv8n-shaped test model stands in for 320n (--file). What a
 * user notices: half the bytes, the same contract, and after load a float32
 * model whose weights are the nearest float16 values (the arithmetic stays
 * float32), giving nearly the same outputs.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { toHalf } from '../../scripts/model-fetch/fp16.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TWIN = path.join(ROOT, 'public/models/yolov8n-twin-320.onnx');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'veil-fp16-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

const { onnx } = onnxProto;

describe('float16 weights', () => {
  it('rounds float32 to the nearest float16, ties to even, as numpy does', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff], // largest half
      [65520, 0x7c00], // rounds up to infinity
      [1 + 2 ** -11, 0x3c00], // a tie: to the even mantissa
      [1 + 3 * 2 ** -11, 0x3c02], // a tie: to the even mantissa, upwards
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // a tie between 0 and it: to 0
      [3 * 2 ** -25, 0x0002],
      [2 ** -14 - 2 ** -25, 0x0400], // the largest subnormal's tie rounds to the smallest normal
      [0.1, 0x2e66],
    ];
    for (const [value, half] of cases) expect(toHalf(value).toString(16), String(value)).toBe(half.toString(16));
  });

  it('models 320n-fp16 --file: half the bytes, the contract, float32 weights after load, nearly the same outputs', { timeout: 60_000 }, async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const script = path.join(ROOT, 'scripts/cli/main.ts');
      execFile(process.execPath, ['--import', 'tsx', script, 'models', '320n-fp16', '--file', TWIN, '--out', out], { cwd: ROOT }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Made .*320n-fp16\.onnx \([\d.]+ MB\) from .*320n\.onnx: \d+ weight tensors stored as float16, cast to float32 at load\./);
    expect(fs.readdirSync(out).sort()).toEqual(['320n-fp16.onnx', '320n.onnx']);
    const half = path.join(out, '320n-fp16.onnx');
    expect(fs.statSync(half).size).toBeLessThan(0.51 * fs.statSync(TWIN).size);

    // After load (onnxruntime's constant folding, written out): no Cast, every weight float32,
    // and each one the float16 nearest to the original's.
    const loaded = path.join(out, 'loaded.onnx');
    await (await ort.InferenceSession.create(half, { graphOptimizationLevel: 'basic', optimizedModelFilePath: loaded })).release();
    const graph = onnx.ModelProto.decode(fs.readFileSync(loaded)).graph!;
    expect(graph.node!.map((n) => n.opType)).not.toContain('Cast');
    expect(graph.initializer!.every((t) => t.dataType === onnx.TensorProto.DataType.FLOAT || t.dataType === onnx.TensorProto.DataType.INT64)).toBe(true);
    const original = onnx.ModelProto.decode(fs.readFileSync(TWIN)).graph!;
    const conv = original.node!.find((n) => n.opType === 'Conv')!;
    const weights = (g: typeof graph, name: string) => {
      const t = g.initializer!.find((i) => i.name === name)!;
      const raw = new Uint8Array(t.rawData!);
      return new Float32Array(raw.buffer, 0, raw.length / 4);
    };
    const before = weights(original, conv.input![1]!);
    const after = weights(graph, graph.node!.find((n) => n.opType === 'Conv' || n.opType === 'FusedConv')!.input![1]!);
    expect(after.length).toBe(before.length);
    for (let i = 0; i < before.length; i++) expect(toHalf(after[i]!)).toBe(toHalf(before[i]!));

    // The same input through both: boxes within a pixel, scores within 1e-4.
    const x = new ort.Tensor('float32', Float32Array.from({ length: 3 * 320 * 320 }, (_, i) => ((i * 7919) % 256) / 255), [1, 3, 320, 320]);
    const [a, b] = await Promise.all([TWIN, half].map((m) => ort.InferenceSession.create(m)));
    const [ya, yb] = [(await a!.run({ images: x })).output0!.data as Float32Array, (await b!.run({ images: x })).output0!.data as Float32Array];
    await Promise.all([a!.release(), b!.release()]);
    let box = 0;
    let score = 0;
    for (let i = 0; i < ya.length; i++) {
      const d = Math.abs(ya[i]! - yb[i]!);
      if (i < 4 * 2100) box = Math.max(box, d);
      else score = Math.max(score, d);
    }
    expect(box).toBeLessThan(1);
    expect(score).toBeLessThan(1e-4);
    expect(box).toBeGreaterThan(0); // the weights did change
  });
});
