/**
 * The cloud backends (baidu, tencent, aliyun) against loopback stand-ins that
 * speak each vendor's documented wire format and check its signature or token
 * (support/cloud-stand-ins.ts): the request each sends, its answers mapped to
 * the result schema for every decision, and each failure's code: credentials
 * refused, the vendor's quota, a body that is not its answer, a timeout. The
 * signatures are checked byte for byte against the vendors' published worked
 * examples. `auto` trying them in order and handing over on a failure.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { aliyunV3 } from '../../../gateway/aliyun.js';
import { forgetBaiduTokens } from '../../../gateway/baidu.js';
import { tc3 } from '../../../gateway/cloud.js';
import { aliyunStandIn, baiduStandIn, type StandIn, tencentStandIn } from '../../support/cloud-stand-ins.js';
import { imageBytes, type ImageHost, postJson, startImageHost, startTestGateway } from '../../support/gateway.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  forgetBaiduTokens();
  await Promise.all(closers.splice(0).map((close) => close()));
});
let host: ImageHost;
beforeAll(async () => {
  host = await startImageHost();
});
afterAll(() => host.close());

async function gatewayWith(env: Record<string, string>, flags: string[] = []) {
  const gateway = await startTestGateway(['--allow-private-urls', '127.0.0.1/32', ...flags], { model: null, env });
  closers.push(() => gateway.close());
  return gateway;
}
async function standIn<T extends StandIn>(made: Promise<T>): Promise<T> {
  const stand = await made;
  closers.push(() => stand.close());
  return stand;
}
const png = imageBytes('portrait-480x640.png');
const image_b64 = png.toString('base64');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const BAIDU = { apiKey: 'baidu-ak', secretKey: 'baidu-sk' };
const baiduEnv = (url: string, secretKey = BAIDU.secretKey) => ({
  VEIL_GATEWAY_BAIDU_API_KEY: BAIDU.apiKey,
  VEIL_GATEWAY_BAIDU_SECRET_KEY: secretKey,
  VEIL_GATEWAY_BAIDU_ENDPOINT: url,
});
const TENCENT = { id: 'AKIDtest', key: 'tencent-secret' };
const tencentEnv = (url: string, key = TENCENT.key) => ({
  VEIL_GATEWAY_TENCENT_SECRET_ID: TENCENT.id,
  VEIL_GATEWAY_TENCENT_SECRET_KEY: key,
  VEIL_GATEWAY_TENCENT_ENDPOINT: url,
});
const ALIYUN = { id: 'LTAItest', key: 'aliyun-secret' };
const aliyunEnv = (url: string, key = ALIYUN.key) => ({
  VEIL_GATEWAY_ALIYUN_ACCESS_KEY_ID: ALIYUN.id,
  VEIL_GATEWAY_ALIYUN_ACCESS_KEY_SECRET: key,
  VEIL_GATEWAY_ALIYUN_ENDPOINT: url,
});

describe('published signature examples, byte for byte', () => {
  it("Tencent's TC3-HMAC-SHA256 worked example: canonical request hash, string to sign, signature", () => {
    const payload = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}';
    const signed = tc3({
      secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
      secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
      service: 'cvm',
      host: 'cvm.tencentcloudapi.com',
      action: 'DescribeInstances',
      version: '2017-03-12',
      region: 'ap-guangzhou',
      payload,
      timestamp: 1551113065,
    });
    expect(sha256(signed.canonicalRequest)).toBe('5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031');
    expect(signed.stringToSign).toBe('TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031');
    expect(signed.headers.authorization).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
  });

  it("Alibaba Cloud's V3 (ACS3-HMAC-SHA256) worked example: canonical headers, canonical request hash, signature", () => {
    const signed = aliyunV3({
      accessKeyId: 'YourAccessKeyId',
      accessKeySecret: 'YourAccessKeySecret',
      method: 'POST',
      host: 'ecs.cn-shanghai.aliyuncs.com',
      action: 'RunInstances',
      version: '2014-05-26',
      query: { RegionId: 'cn-shanghai', ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd' },
      body: '',
      date: '2023-10-26T10:22:32Z',
      nonce: '3156853299f313e23d1673dc12e1703d',
    });
    expect(signed.canonicalRequest).toBe(
      [
        'POST',
        '/',
        'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
        'host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-date:2023-10-26T10:22:32Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\nx-acs-version:2014-05-26\n',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    expect(signed.stringToSign).toBe('ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259');
    expect(signed.headers.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
  });
});

describe('baidu', () => {
  it('gets one token, sends the image as base64 or its URL, and maps each conclusion', async () => {
    const stand = await standIn(baiduStandIn(BAIDU));
    const gateway = await gatewayWith(baiduEnv(stand.url));
    stand.reply = {
      json: {
        log_id: 42,
        conclusion: '不合规',
        conclusionType: 2,
        data: [
          { type: 1, subType: 0, conclusion: '不合规', conclusionType: 2, msg: '存在一般色情不合规', probability: 0.93 },
          { type: 1, subType: 10, conclusion: '不合规', conclusionType: 2, msg: '存在女性性感不合规', probability: 0.41 },
        ],
      },
    };
    const block = await postJson(gateway.endpoint, { image_b64, backend: 'baidu' });
    expect(block.status).toBe(200);
    expect(block.body).toMatchObject({
      backend: 'baidu',
      decision: 'block',
      label: 'porn',
      score: 0.93,
      categories: { porn: 0.93, sexy: 0.41, normal: 0.07 },
      detections: [],
      raw: { baidu: { log_id: 42, conclusionType: 2 } },
      input: { type: 'base64', mime: 'image/png', width: 480, height: 640 },
    });
    expect(new URLSearchParams(stand.calls[0]!.body).get('image')).toBe(image_b64);

    stand.reply = { json: { log_id: 43, conclusion: '疑似', conclusionType: 3, data: [{ type: 1, subType: 3, msg: '存在低俗不合规', probability: 0.62 }] } };
    const url = `${host.url}/images/portrait-480x640.png`;
    const review = await postJson(gateway.endpoint, { image_url: url, backend: 'baidu' });
    expect(review.body).toMatchObject({ decision: 'review', label: 'sexy', score: 0.62, categories: { porn: 0, sexy: 0.62, normal: 0.38 }, input: { type: 'url' } });
    expect(Object.fromEntries(new URLSearchParams(stand.calls[1]!.body))).toEqual({ imgUrl: url });

    stand.reply = { json: { log_id: 44, conclusion: '合规', conclusionType: 1 } };
    const pass = await postJson(gateway.endpoint, { image_b64, backend: 'baidu' });
    expect(pass.body).toMatchObject({ decision: 'pass', label: 'normal', score: 1, categories: { porn: 0, sexy: 0, normal: 1 } });

    stand.reply = { json: { log_id: 45, conclusion: '审核失败', conclusionType: 4 } };
    const failed = await postJson(gateway.endpoint, { image_b64, backend: 'baidu' });
    expect([failed.status, failed.body.code]).toEqual([503, 5021]);
    expect(failed.body.desc).toMatch(/baidu backend could not screen this image/);
    expect(stand.issued).toHaveLength(1); // the token was cached across all four calls
  });

  it('fetches a new token once when Baidu says it expired, and says when the keys are refused', async () => {
    const stand = await standIn(baiduStandIn(BAIDU));
    const gateway = await gatewayWith(baiduEnv(stand.url));
    expect((await postJson(gateway.endpoint, { image_b64, backend: 'baidu' })).status).toBe(200);
    stand.expireTokens();
    const again = await postJson(gateway.endpoint, { image_b64, backend: 'baidu' });
    expect(again.status).toBe(200);
    expect(stand.issued).toHaveLength(2);

    const wrong = await gatewayWith(baiduEnv(stand.url, 'not-the-secret'));
    const refused = await postJson(wrong.endpoint, { image_b64, backend: 'baidu' });
    expect([refused.status, refused.body.code]).toEqual([503, 5021]);
    expect(refused.body.desc).toMatch(/refused this gateway's credentials \(invalid_client.*VEIL_GATEWAY_BAIDU_API_KEY and VEIL_GATEWAY_BAIDU_SECRET_KEY/);
  });

  it("answers 4029 with Retry-After for Baidu's own QPS and daily limits, and 5021 for a body that is not its answer", async () => {
    const stand = await standIn(baiduStandIn(BAIDU));
    const gateway = await gatewayWith(baiduEnv(stand.url));
    stand.queue = [{ json: { log_id: 1, error_code: 18, error_msg: 'Open api qps request limit reached' } }, { json: { log_id: 2, error_code: 17, error_msg: 'Open api daily request limit reached' } }, 'garbage', { json: { log_id: 3, conclusionType: 9 } }];
    const qps = await postJson(gateway.endpoint, { image_b64, backend: 'baidu' });
    expect([qps.status, qps.body.code, qps.headers.get('retry-after')]).toEqual([429, 4029, '1']);
    expect(qps.body.desc).toMatch(/baidu backend's own rate or quota is spent \(error_code 18/);
    const daily = await postJson(gateway.endpoint, { image_b64, backend: 'baidu' });
    expect([daily.status, daily.body.code, daily.headers.get('retry-after')]).toEqual([429, 4029, '3600']);
    for (const why of [/not its documented answer \(HTTP 502/, /not its documented answer \(conclusionType 9/]) {
      const bad = await postJson(gateway.endpoint, { image_b64, backend: 'baidu' });
      expect([bad.status, bad.body.code]).toEqual([503, 5021]);
      expect(bad.body.desc).toMatch(why);
    }
  });
});

describe('aliyun', () => {
  it('passes image_url through in a signed ImageModeration call and maps each risk level', async () => {
    const stand = await standIn(aliyunStandIn(ALIYUN));
    const gateway = await gatewayWith(aliyunEnv(stand.url));
    const url = `${host.url}/images/portrait-480x640.png`;
    const cases = [
      ['high', [{ Label: 'pornographic_adultContent', Confidence: 92.01 }, { Label: 'sexual_partialNudity', Confidence: 40 }], { decision: 'block', label: 'porn', score: 0.9201, categories: { porn: 0.9201, sexy: 0.4, normal: 0.0799 } }],
      ['medium', [{ Label: 'sexual_suggestiveContent', Confidence: 71.5 }], { decision: 'review', label: 'sexy', score: 0.715, categories: { porn: 0, sexy: 0.715, normal: 0.285 } }],
      ['low', [{ Label: 'sexual_suggestiveContent', Confidence: 20 }], { decision: 'pass', label: 'normal', score: 0.8 }],
      ['none', [{ Label: 'nonLabel', Description: '未检测出风险' }], { decision: 'pass', label: 'normal', score: 1, categories: { porn: 0, sexy: 0, normal: 1 } }],
    ] as const;
    for (const [risk, result, expected] of cases) {
      stand.reply = { json: { Code: 200, Msg: 'OK', RequestId: `r-${risk}`, Data: { DataId: 'x', RiskLevel: risk, Result: result } } };
      const answer = await postJson(gateway.endpoint, { image_url: url, backend: 'aliyun' });
      expect(answer.status, risk).toBe(200);
      expect(answer.body, risk).toMatchObject({ backend: 'aliyun', detections: [], raw: { aliyun: { RequestId: `r-${risk}` } }, input: { type: 'url', source: url }, ...expected });
    }
    const call = stand.calls[0]!;
    expect(call.body).toBe('');
    expect(call.query.get('Service')).toBe('baselineCheck');
    expect(JSON.parse(call.query.get('ServiceParameters')!)).toEqual({ imageUrl: url, dataId: createHash('sha256').update(png).digest('hex') });
    expect(call.headers).toMatchObject({ 'x-acs-action': 'ImageModeration', 'x-acs-version': '2022-03-02' });
    expect(String(call.headers.authorization)).toMatch(/^ACS3-HMAC-SHA256 Credential=LTAItest,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/);
  });

  it('refuses image_b64 in one sentence saying why, without calling Aliyun', async () => {
    const stand = await standIn(aliyunStandIn(ALIYUN));
    const gateway = await gatewayWith(aliyunEnv(stand.url));
    const answer = await postJson(gateway.endpoint, { image_b64, backend: 'aliyun' });
    expect([answer.status, answer.body.code]).toEqual([400, 4000]);
    expect(answer.body.desc).toMatch(/takes image_url only: .*could not be tested against Aliyun/);
    expect(stand.calls).toHaveLength(0);
  });

  it('maps a refused signature, its quota, an image it could not download and a malformed answer', async () => {
    const stand = await standIn(aliyunStandIn(ALIYUN));
    const url = `${host.url}/images/portrait-480x640.png`;
    const wrong = await gatewayWith(aliyunEnv(stand.url, 'not-the-secret'));
    const refused = await postJson(wrong.endpoint, { image_url: url, backend: 'aliyun' });
    expect([refused.status, refused.body.code]).toEqual([503, 5021]);
    expect(refused.body.desc).toMatch(/refused this gateway's credentials \(Code SignatureDoesNotMatch.*VEIL_GATEWAY_ALIYUN_ACCESS_KEY_SECRET/);

    const gateway = await gatewayWith(aliyunEnv(stand.url));
    stand.queue = [{ json: { Code: 588, Msg: 'EXCEED_QUOTA', RequestId: 'q' } }, { json: { Code: 404, Msg: 'NOT_FOUND', RequestId: 'n' } }, 'garbage', { json: { Code: 200, Data: {} } }];
    const quota = await postJson(gateway.endpoint, { image_url: url, backend: 'aliyun' });
    expect([quota.status, quota.body.code, quota.headers.get('retry-after')]).toEqual([429, 4029, '1']);
    const notFound = await postJson(gateway.endpoint, { image_url: url, backend: 'aliyun' });
    expect([notFound.status, notFound.body.code]).toEqual([422, 4005]);
    expect(notFound.body.desc).toMatch(/aliyun backend could not download image_url/);
    for (const why of [/HTTP 502/, /RiskLevel undefined/]) {
      const bad = await postJson(gateway.endpoint, { image_url: url, backend: 'aliyun' });
      expect([bad.status, bad.body.code]).toEqual([503, 5021]);
      expect(bad.body.desc).toMatch(why);
    }
  });
});

describe('tencent', () => {
  it('sends a signed ImageModeration call with the image and maps each suggestion', async () => {
    const stand = await standIn(tencentStandIn(TENCENT));
    const gateway = await gatewayWith(tencentEnv(stand.url));
    const cases = [
      [{ Suggestion: 'Block', Label: 'Porn', Score: 91, LabelResults: [{ Scene: 'Porn', Suggestion: 'Block', Label: 'Porn', SubLabel: 'SexBehavior', Score: 91 }] }, { decision: 'block', label: 'porn', score: 0.91, categories: { porn: 0.91, sexy: 0, normal: 0.09 } }],
      [{ Suggestion: 'Review', Label: 'Sexy', Score: 64, LabelResults: [{ Scene: 'Porn', Suggestion: 'Review', Label: 'Sexy', Score: 64 }] }, { decision: 'review', label: 'sexy', score: 0.64 }],
      [{ Suggestion: 'Pass', Label: 'Normal', Score: 0 }, { decision: 'pass', label: 'normal', score: 1, categories: { porn: 0, sexy: 0, normal: 1 } }],
    ] as const;
    for (const [response, expected] of cases) {
      stand.reply = { json: { Response: { ...response, RequestId: 'r-1' } } };
      const answer = await postJson(gateway.endpoint, { image_b64, backend: 'tencent' });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ backend: 'tencent', detections: [], raw: { tencent: { Suggestion: response.Suggestion } }, ...expected });
    }
    const [call] = stand.calls;
    expect(JSON.parse(call!.body)).toEqual({ FileContent: image_b64 });
    expect(call!.headers).toMatchObject({ 'x-tc-action': 'ImageModeration', 'x-tc-version': '2020-12-29', 'x-tc-region': 'ap-guangzhou' });
  });

  it("maps a refused signature, Tencent's rate limit and a malformed answer", async () => {
    const stand = await standIn(tencentStandIn(TENCENT));
    const wrong = await gatewayWith(tencentEnv(stand.url, 'not-the-secret'));
    const refused = await postJson(wrong.endpoint, { image_b64, backend: 'tencent' });
    expect([refused.status, refused.body.code]).toEqual([503, 5021]);
    expect(refused.body.desc).toMatch(/refused this gateway's credentials \(AuthFailure.SignatureFailure.*VEIL_GATEWAY_TENCENT_SECRET_ID/);
    const gateway = await gatewayWith(tencentEnv(stand.url));
    stand.queue = [{ json: { Response: { Error: { Code: 'RequestLimitExceeded', Message: 'too many' }, RequestId: 'l' } } }, 'garbage', { json: { Response: { RequestId: 'x' } } }];
    const limited = await postJson(gateway.endpoint, { image_b64, backend: 'tencent' });
    expect([limited.status, limited.body.code, limited.headers.get('retry-after')]).toEqual([429, 4029, '1']);
    for (const why of [/HTTP 502/, /no Suggestion/]) {
      const bad = await postJson(gateway.endpoint, { image_b64, backend: 'tencent' });
      expect([bad.status, bad.body.code]).toEqual([503, 5021]);
      expect(bad.body.desc).toMatch(why);
    }
  });
});

describe('every cloud backend', () => {
  it("answers 5021 when the vendor does not answer within the request's timeout", async () => {
    const baidu = await standIn(baiduStandIn(BAIDU));
    const tencent = await standIn(tencentStandIn(TENCENT));
    const aliyun = await standIn(aliyunStandIn(ALIYUN));
    for (const stand of [baidu, tencent, aliyun]) stand.reply = 'stall';
    const gateway = await gatewayWith({ ...baiduEnv(baidu.url), ...tencentEnv(tencent.url), ...aliyunEnv(aliyun.url) });
    const url = `${host.url}/images/portrait-480x640.png`;
    const answers = await Promise.all(['baidu', 'tencent', 'aliyun'].map((backend) => postJson(gateway.endpoint, { image_url: url, backend, timeout: 3 })));
    for (const answer of answers) {
      expect([answer.status, answer.body.code]).toEqual([503, 5021]);
      expect(answer.body.desc).toMatch(/did not answer within the request's timeout/);
    }
  });
});

describe('auto', () => {
  it('tries baidu, tencent, aliyun in that order, handing over with a note when one cannot answer', async () => {
    const baidu = await standIn(baiduStandIn(BAIDU));
    const tencent = await standIn(tencentStandIn(TENCENT));
    tencent.reply = { json: { Response: { Suggestion: 'Block', Label: 'Porn', Score: 80, RequestId: 't' } } };
    const gateway = await gatewayWith({ ...baiduEnv(baidu.url), ...tencentEnv(tencent.url) }, ['--cache-ttl', '60']);
    const first = await postJson(gateway.endpoint, { image_b64: imageBytes('landscape-640x480.jpg').toString('base64') });
    expect(first.body).toMatchObject({ backend: 'baidu', decision: 'pass' });
    await baidu.close(); // unreachable from now on
    const handed = await postJson(gateway.endpoint, { image_b64 });
    expect(handed.status).toBe(200);
    expect(handed.body).toMatchObject({ backend: 'tencent', decision: 'block' });
    expect(handed.body.notes[0]).toMatch(/^backend auto: baidu could not answer \(The baidu backend could not be reached .*\) so tencent was asked\.$/);
    // Asked for by name, a backend answers for itself: no hand-over, and no cached answer of another backend's.
    const named = await postJson(gateway.endpoint, { image_b64, backend: 'baidu' });
    expect([named.status, named.body.code]).toEqual([503, 5021]);
    expect((await postJson(gateway.endpoint, { image_b64, backend: 'tencent' })).headers.get('x-cache')).toBe('miss');
  });
});
