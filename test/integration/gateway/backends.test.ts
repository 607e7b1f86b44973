/**
 * Backend choice and failures, against real gateways on loopback: no model, cloud
 * backends without credentials, and a nudenet backend that does not answer
 * within the request's timeout. The cloud backends' calls: clouds.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createNudenet } from '../../../gateway/nudenet.js';
import { imageBytes, postJson, startTestGateway } from '../../support/gateway.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
async function start(...args: Parameters<typeof startTestGateway>) {
  const gateway = await startTestGateway(...args);
  closers.push(() => gateway.close());
  return gateway;
}
const image_b64 = imageBytes('portrait-480x640.png').toString('base64');

describe('without a model', () => {
  it('answers auto with 5020 and nudenet with 5021 (HTTP 503)', async () => {
    const gateway = await start([], { model: null });
    const auto = await postJson(gateway.endpoint, { image_b64 });
    expect([auto.status, auto.body.code]).toEqual([503, 5020]);
    expect(auto.body.desc).toMatch(/no backend configured/);
    const nudenet = await postJson(gateway.endpoint, { image_b64, backend: 'nudenet' });
    expect([nudenet.status, nudenet.body.code]).toEqual([503, 5021]);
    expect(nudenet.body.desc).toMatch(/started without --model/);
  });
});

describe('cloud backends', () => {
  it('answers 4011 naming the variables when a cloud backend has no credentials', async () => {
    const gateway = await start();
    for (const [backend, variable] of [
      ['baidu', 'VEIL_GATEWAY_BAIDU_API_KEY'],
      ['tencent', 'VEIL_GATEWAY_TENCENT_SECRET_ID'],
      ['aliyun', 'VEIL_GATEWAY_ALIYUN_ACCESS_KEY_ID'],
    ]) {
      const answer = await postJson(gateway.endpoint, { image_b64, backend });
      expect([answer.status, answer.body.code], backend).toEqual([400, 4011]);
      expect(answer.body.desc).toContain(variable);
    }
  });
});

describe('a nudenet backend that does not answer', () => {
  it('answers 5025 when the request timeout runs out, and serves the next request once it recovers', async () => {
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const output = new Float32Array(22 * 2100); // no detections
    const nudenet = createNudenet('stuck.onnx', 320, async () => {
      await stuck;
      return output;
    }, async () => undefined);
    const gateway = await start([], { nudenet });
    const started = performance.now();
    const answer = await postJson(gateway.endpoint, { image_b64, timeout: 3 });
    expect([answer.status, answer.body.code]).toEqual([503, 5025]);
    expect(answer.body.desc).toMatch(/did not answer within the request's timeout/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(2900);
    release();
    const next = await postJson(gateway.endpoint, { image_b64 });
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ decision: 'pass', label: 'normal', detections: [] });
  });
});
