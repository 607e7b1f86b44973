// The benchmark's own arithmetic: the NMS model rebuilt from NudeNet's in-browser
// demo (bench/lib/nms-model.mjs), run in onnxruntime-node, keeps and drops the rows
// the demo's settings say; and the photo set's headline figures (bench/lib/latency.mjs)
// are the median and the worst of the per-image ratios.
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { latencyFigures } from '../../bench/lib/latency.mjs';
import { buildNmsModel } from '../../bench/lib/nms-model.mjs';

const CLASSES = 18;
const ROW = 4 + CLASSES;

/**
 * YOLOv8's output0 layout [1, 4 + classes, anchors] from rows of [cx, cy, w, h, class, score],
 * padded with empty anchors to 2100 (320n's count): the demo's graph takes the class count from
 * the anchors' dimension, which only works with more anchors than 4 + classes, as YOLOv8 has.
 */
function detection(rows: [number, number, number, number, number, number][]) {
  const n = 2100;
  const data = new Float32Array(ROW * n);
  rows.forEach(([cx, cy, w, h, cls, score], j) => {
    data[0 * n + j] = cx;
    data[1 * n + j] = cy;
    data[2 * n + j] = w;
    data[3 * n + j] = h;
    data[(4 + cls) * n + j] = score;
  });
  return new ort.Tensor('float32', data, [1, ROW, n]);
}

async function nms(rows: Parameters<typeof detection>[0], topk: number) {
  const session = await ort.InferenceSession.create(buildNmsModel());
  const config = new ort.Tensor('float32', new Float32Array([topk, 0.45, 0.25]), [3]);
  const { selected } = await session.run({ detection: detection(rows), config });
  const kept = [];
  for (let i = 0; i < selected.dims[1]; i++) kept.push(Array.from((selected.data as Float32Array).slice(i * ROW, i * ROW + 5)));
  return { dims: selected.dims, kept };
}

describe("the NudeNet demo's NMS model, rebuilt", () => {
  const rows: Parameters<typeof detection>[0] = [
    [100, 100, 50, 50, 3, 0.9], // kept
    [105, 100, 50, 50, 5, 0.8], // IoU 0.82 with the first, another class: dropped (the demo's NMS ignores classes)
    [250, 250, 40, 40, 1, 0.6], // apart: kept
    [10, 10, 20, 20, 0, 0.2], // under the score threshold: dropped
  ];

  it('keeps the best of overlapping rows, drops low scores, and returns whole rows by score', async () => {
    const { dims, kept } = await nms(rows, 100);
    expect(dims).toEqual([1, 2, ROW]);
    expect(kept).toEqual([
      [100, 100, 50, 50, 0],
      [250, 250, 40, 40, 0],
    ]);
  });

  it('keeps at most topk rows', async () => {
    const { dims } = await nms(rows, 1);
    expect(dims).toEqual([1, 1, ROW]);
  });
});

describe('the photo set headline', () => {
  const stages = (decode: number) => ({ decode_ms: decode, preprocess_ms: 1, inference_ms: 80, postprocess_ms: 0 });
  const samples = (detect: number[], session: number[], demo: number, nsfwjs: number) => ({
    session,
    native: [20],
    detect,
    stages: detect.map((d) => stages(d - 81)),
    demo: [demo],
    demoStages: [{ load_ms: 1, preprocess_ms: 1, inference_ms: 1, nms_ms: 1 }],
    demoBoxes: 0,
    nsfwjs: [nsfwjs],
    nsfwjsClassify: [nsfwjs - 10],
    nsfwjsTop: null,
  });

  it('is the median and the worst over images of detect() over that image’s session.run', () => {
    const { byImage, figures } = latencyFigures({
      'a.jpg': samples([100, 100], [100, 100], 200, 300), // 1.0
      'b.jpg': samples([120, 120], [80, 80], 100, 300), // 1.5, behind the demo
      'c.png': samples([300, 300], [100, 100], 400, 200), // 3.0, behind nsfwjs
    });
    expect(byImage['b.jpg'].detect_over_session).toBe(1.5);
    expect(figures.detect_over_session).toBe(1.5);
    expect(figures.detect_over_session_worst).toBe(3);
    expect(figures.worst_image).toBe('c.png');
    expect(figures.leads_nudenet_demo_on).toBe(2);
    expect(figures.leads_nsfwjs_on).toBe(2);
    expect(figures.detect_over_nsfwjs_worst).toBe(1.5);
  });
});
