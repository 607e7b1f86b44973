/**
 * Backend choice and failures, against real gateways on loopback: no model, cloud
 * backends with and without credentials, Tencent's call against a loopback
 * stand-in (and its signature against Tencent's published test vector), and a
 * nudenet backend that does not answer within the request's timeout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tencentHeaders } from '../../../gateway/cloud.js';
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

  it('says calling baidu is not implemented (5021) when its credentials are set, and auto skips it', async () => {
    const env = { VEIL_GATEWAY_BAIDU_API_KEY: 'ak', VEIL_GATEWAY_BAIDU_SECRET_KEY: 'sk' };
    const gateway = await start([], { model: null, env });
    const baidu = await postJson(gateway.endpoint, { image_b64, backend: 'baidu' });
    expect([baidu.status, baidu.body.code]).toEqual([503, 5021]);
    expect(baidu.body.desc).toMatch(/not implemented/);
    expect((await postJson(gateway.endpoint, { image_b64 })).body.code).toBe(5020);
  });

  it("signs Tencent requests as Tencent's published TC3 example does", () => {
    const headers = tencentHeaders({
      secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
      secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
      service: 'cvm',
      host: 'cvm.tencentcloudapi.com',
      action: 'DescribeInstances',
      version: '2017-03-12',
      region: 'ap-guangzhou',
      payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
      timestamp: 1551113065,
    });
    expect(headers.authorization).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
  });

  it('calls Tencent IMS with the image and maps its answer (auto picks it without a model)', async () => {
    const received: { headers: Record<string, unknown>; body: any }[] = [];
    let reply: unknown = {
      Response: {
        Suggestion: 'Block',
        Label: 'Porn',
        Score: 91,
        LabelResults: [{ Scene: 'Porn', Suggestion: 'Block', Label: 'Porn', SubLabel: 'SexBehavior', Score: 91 }],
        RequestId: 'r-1',
      },
    };
    const stand = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => stand.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => stand.close(() => resolve())));
    const env = {
      VEIL_GATEWAY_TENCENT_SECRET_ID: 'id',
      VEIL_GATEWAY_TENCENT_SECRET_KEY: 'key',
      VEIL_GATEWAY_TENCENT_ENDPOINT: `http://127.0.0.1:${(stand.address() as AddressInfo).port}`,
    };
    const gateway = await start([], { model: null, env });

    const answer = await postJson(gateway.endpoint, { image_b64 });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      code: 200,
      backend: 'tencent',
      decision: 'block',
      label: 'porn',
      score: 0.91,
      categories: { porn: 0.91, sexy: 0, normal: 0.09 },
      detections: [],
      raw: { tencent: { Suggestion: 'Block', RequestId: 'r-1' } },
      input: { type: 'base64', mime: 'image/png', width: 480, height: 640 },
    });
    const [call] = received;
    expect(call!.body).toEqual({ FileContent: image_b64 });
    expect(call!.headers).toMatchObject({ 'x-tc-action': 'ImageModeration', 'x-tc-version': '2020-12-29', 'x-tc-region': 'ap-guangzhou' });
    expect(String(call!.headers.authorization)).toMatch(/^TC3-HMAC-SHA256 Credential=id\/\d{4}-\d\d-\d\d\/ims\/tc3_request, SignedHeaders=content-type;host, Signature=[0-9a-f]{64}$/);

    reply = { Response: { Error: { Code: 'AuthFailure.SignatureFailure', Message: 'bad signature' }, RequestId: 'r-2' } };
    const failed = await postJson(gateway.endpoint, { image_b64, backend: 'tencent' });
    expect([failed.status, failed.body.code]).toEqual([503, 5021]);
    expect(failed.body.desc).toContain('AuthFailure.SignatureFailure');
  });
});

describe('a nudenet backend that does not answer', () => {
  it('answers 5021 when the request timeout runs out, and serves the next request once it recovers', async () => {
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
    expect([answer.status, answer.body.code]).toEqual([503, 5021]);
    expect(answer.body.desc).toMatch(/did not answer within the request's timeout/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(2900);
    release();
    const next = await postJson(gateway.endpoint, { image_b64 });
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ decision: 'pass', label: 'normal', detections: [] });
  });
});
