import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { starterModel } from '../../src/worker/session.js';

describe('the starter model that starts the runtime early', () => {
  it('is one Identity node, float[1] in and out, and runs', async () => {
    const bytes = starterModel();
    const model = onnxProto.onnx.ModelProto.decode(bytes);
    expect(model.graph?.node?.map((n) => n.opType)).toEqual(['Identity']);
    expect(model.graph?.input?.map((v) => v.type?.tensorType?.elemType)).toEqual([1]);
    const session = await ort.InferenceSession.create(bytes);
    const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.of(0.5), [1]) });
    expect([...(y!.data as Float32Array)]).toEqual([0.5]);
    await session.release();
  });
});
