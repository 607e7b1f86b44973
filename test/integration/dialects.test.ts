/**
 * Every dialect against a loopback server replaying its service's documented bodies,
 * plus error bodies and malformed JSON: what is sent, and what comes back.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, isVeilError } from '../../src/errors.js';
import { resolvePolicy } from '../../src/policy.js';
import type { Dialect, RemoteContext, RemoteImage, RemoteVerdict } from '../../src/remote/dialect.js';
import {
  gatewayDialect,
  nsfwCategorizeDialect,
  tencentAiDialect,
  tencentAiSign,
  tencentCosDialect,
  yuanxiDialect,
} from '../../src/remote/dialects/index.js';
import { md5Hex } from '../../src/remote/md5.js';
import { completeResult } from '../../src/remote/remote-detector.js';
import {
  GATEWAY_OK,
  NSFW_CATEGORIZE_ERR,
  NSFW_CATEGORIZE_NOQUOTA,
  NSFW_CATEGORIZE_OK,
  TENCENT_AI_OK,
  TENCENT_COS_FAIL,
  TENCENT_COS_OK,
  YUANXI_OK,
} from '../fixtures/documented-bodies.js';
import { imagePath } from '../support/fixture-data.js';
import { startReplayServer, type ReplayServer } from '../support/replay-server.js';

const bytes = new Uint8Array(readFileSync(imagePath('landscape-640x480.jpg')));
const sha256 = createHash('sha256').update(bytes).digest('hex');
const image: RemoteImage = {
  bytes,
  info: { type: 'file', source: 'photo.jpg', size_bytes: bytes.length, sha256, mime: 'image/jpeg', width: 640, height: 480 },
};
const byUrl: RemoteImage = {
  url: 'https://cdn.example/photo.jpg',
  info: { type: 'url', source: 'https://cdn.example/photo.jpg', size_bytes: 0, sha256: '', mime: null, width: 0, height: 0 },
};
const policy = resolvePolicy();

let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

function context(path = '/api', overrides: Partial<RemoteContext> = {}): RemoteContext {
  return { endpoint: `${server.url}${path}`, apiKey: 'sk_test', headers: {}, timeoutMs: 5000, signal: new AbortController().signal, policy, ...overrides };
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isVeilError(error), String(error)).toBe(true);
  return error as { code: string; message: string };
}

const finish = (v: RemoteVerdict) => completeResult(v, image.info, policy, 10, undefined, []);

describe('gateway (the image-nsfw gateway API)', () => {
  it('POSTs JSON with a data URI, backend, timeout in seconds, and the key in X-Api-Key', async () => {
    server.reply({ body: GATEWAY_OK });
    await gatewayDialect().screen(image, context('/api/image-nsfw', { timeoutMs: 90_000 }));
    const [req] = server.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/api/image-nsfw' });
    expect(req!.headers['x-api-key']).toBe('sk_test');
    expect(req!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req!.body.toString());
    expect(body).toEqual({ backend: 'auto', timeout: 60, image_b64: `data:image/jpeg;base64,${Buffer.from(bytes).toString('base64')}` });
  });

  it('sends image_url when only the URL is known, and clamps the timeout to 3 s at least', async () => {
    server.reply({ body: GATEWAY_OK });
    await gatewayDialect({ backend: 'nudenet' }).screen(byUrl, context('/api', { timeoutMs: 500 }));
    expect(JSON.parse(server.requests[0]!.body.toString())).toEqual({ backend: 'nudenet', timeout: 3, image_url: 'https://cdn.example/photo.jpg' });
  });

  it("reads the API's documented example into the result schema, the gateway's backend saying what answered", async () => {
    server.reply({ body: GATEWAY_OK });
    const result = finish(await gatewayDialect().screen(image, context()));
    expect(result).toMatchObject({
      code: 200,
      backend: 'nudenet',
      decision: 'pass',
      label: 'normal',
      categories: { porn: 0, sexy: 0, normal: 1 },
      detections: GATEWAY_OK.detections,
      raw: GATEWAY_OK.raw,
      tips: GATEWAY_OK.tips,
    });
    // The caller's own file facts stand; the gateway's example described another image.
    expect(result.input).toEqual(image.info);
  });

  it("re-applies the caller's policy to NudeNet detections the gateway returns", async () => {
    const explicit = { ...GATEWAY_OK, raw: { nudenet: [{ class: 'FEMALE_BREAST_EXPOSED', score: 0.5, box: [1, 2, 3, 4] }] } };
    server.reply({ body: explicit });
    const verdict = await gatewayDialect().screen(image, context());
    expect(completeResult(verdict, image.info, resolvePolicy('strict'), 1, undefined, []).decision).toBe('block');
    expect(completeResult(verdict, image.info, resolvePolicy('lenient'), 1, undefined, []).decision).toBe('pass');
  });

  it.each([
    [{ code: 4015, desc: 'API Key 缺失或非法' }, 401, ErrorCodes.BAD_API_KEY, /code 4015: API Key 缺失或非法\. Check remote\.apiKey\./],
    [{ code: 4000, desc: '参数错误' }, 400, ErrorCodes.BAD_INPUT, /code 4000/],
    [{ code: 4011, desc: '后端凭证缺失' }, 400, ErrorCodes.MISSING_CREDENTIALS, /code 4011/],
    [{ code: 5020, desc: '未配置任何后端' }, 503, ErrorCodes.NO_BACKEND, /code 5020/],
    [{ code: 5021, desc: '本地 server.py 不可达' }, 502, ErrorCodes.REMOTE_UNREACHABLE, /code 5021/],
    [{ code: '0001', desc: '通用错误' }, 200, ErrorCodes.REMOTE_FAILED, /code 0001/],
  ])('maps error body %j to its code', async (body, status, code, message) => {
    server.reply({ status, body });
    const error = await failure(gatewayDialect().screen(image, context()));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('fails with 5022 on malformed JSON, 5021 on a bare 502, 4015 on a bare 401', async () => {
    server.reply({ body: '{"code": 200, "categ' });
    expect((await failure(gatewayDialect().screen(image, context()))).code).toBe(ErrorCodes.REMOTE_BAD_RESPONSE);
    server.reply({ status: 502, body: '<html>Bad Gateway</html>' });
    expect((await failure(gatewayDialect().screen(image, context()))).code).toBe(ErrorCodes.REMOTE_UNREACHABLE);
    server.reply({ status: 401, body: 'Unauthorized' });
    expect((await failure(gatewayDialect().screen(image, context()))).code).toBe(ErrorCodes.BAD_API_KEY);
    server.reply({ body: { code: 200, desc: 'success' } });
    expect((await failure(gatewayDialect().screen(image, context()))).message).toContain('without categories');
  });

  it('fails with 5021 when nothing listens, and never puts the key in the message', async () => {
    const error = await failure(gatewayDialect().screen(image, { ...context(), endpoint: 'http://127.0.0.1:9/api?apikey=sk_secret' }));
    expect(error.code).toBe(ErrorCodes.REMOTE_UNREACHABLE);
    expect(error.message).not.toContain('sk_secret');
  });
});

describe("gateway: the hash look-up of Veil's gateway server", () => {
  const offers = { 'x-hash-lookup': 'sha256' };
  const known = { ...GATEWAY_OK, input: { ...GATEWAY_OK.input, sha256 }, notes: ['Answered from the gateway\'s result cache.'] };
  const notSeen = { status: 404, body: { code: 4040, desc: 'This gateway has no result for that image yet.' }, headers: offers };
  // Each test its own endpoint path: what a dialect learns about an endpoint lasts the page's life.
  let paths = 0;
  const at = () => context(`/veil-${++paths}/api/image-nsfw`);
  const calls = () => server.requests.map((r) => `${r.method} ${r.path.replace(/^\/veil-\d+/, '')}`);

  it("'auto' uploads until the gateway says it offers the look-up, then asks it first and uploads nothing it knows", async () => {
    const endpoint = at();
    server.reply({ body: GATEWAY_OK, headers: offers }, { body: known, headers: offers });
    await gatewayDialect().screen(image, endpoint);
    const verdict = await gatewayDialect().screen(image, endpoint);
    expect(calls()).toEqual(['POST /api/image-nsfw', 'POST /api/image-nsfw/hash']);
    expect(JSON.parse(server.requests[1]!.body.toString())).toEqual({ sha256, backend: 'auto' });
    expect(server.requests[1]!.headers['x-api-key']).toBe('sk_test');
    expect(verdict.notes).toEqual(['The gateway knew this image by its SHA-256: answered without uploading it.', "Answered from the gateway's result cache."]);
    expect(finish(verdict)).toMatchObject({ backend: 'nudenet', decision: 'pass', categories: { porn: 0, sexy: 0, normal: 1 } });
  });

  it('uploads an image the look-up has not seen, or one whose answer is for other bytes', async () => {
    server.reply(notSeen, { body: GATEWAY_OK, headers: offers }, { body: GATEWAY_OK, headers: offers });
    const endpoint = at();
    const dialect = gatewayDialect({ backend: 'nudenet', hashLookup: true });
    await dialect.screen(image, endpoint);
    // GATEWAY_OK describes another image (its own sha256): never taken as this one's verdict.
    await dialect.screen(image, endpoint);
    expect(calls()).toEqual(['POST /api/image-nsfw/hash', 'POST /api/image-nsfw', 'POST /api/image-nsfw/hash', 'POST /api/image-nsfw']);
    expect(JSON.parse(server.requests[1]!.body.toString())).toMatchObject({ backend: 'nudenet', image_b64: expect.stringMatching(/^data:image\/jpeg;base64,/) });
  });

  it('keeps the query (a key may be there), fails a wrong key before uploading, and never looks up a URL', async () => {
    server.reply({ status: 401, body: { code: 4015, desc: 'API Key 缺失或非法' }, headers: offers });
    const endpoint = { ...at(), endpoint: `${server.url}/veil-key/api/image-nsfw?apikey=sk_query` };
    const error = await failure(gatewayDialect({ hashLookup: true }).screen(image, endpoint));
    expect(error.code).toBe(ErrorCodes.BAD_API_KEY);
    expect(server.requests.map((r) => r.path)).toEqual(['/veil-key/api/image-nsfw/hash?apikey=sk_query']);
    server.requests.length = 0;
    server.reply({ body: GATEWAY_OK, headers: offers });
    await gatewayDialect({ hashLookup: true }).screen(byUrl, at());
    expect(calls()).toEqual(['POST /api/image-nsfw']);
  });

  it('uploads when the look-up is not there (an HTML 404), and with hashLookup: false never asks', async () => {
    server.reply({ status: 404, body: '<html>Not Found</html>' }, { body: GATEWAY_OK, headers: offers }, { body: GATEWAY_OK, headers: offers });
    const endpoint = at();
    await gatewayDialect({ hashLookup: true }).screen(image, endpoint);
    await gatewayDialect({ hashLookup: false }).screen(image, endpoint);
    expect(calls()).toEqual(['POST /api/image-nsfw/hash', 'POST /api/image-nsfw', 'POST /api/image-nsfw']);
  });
});

describe('yuanxi (the yuanxiapi.cn image-review API)', () => {
  it('posts id, key and img_Base64 as a form; the example (URL and ads violations) is not nudity', async () => {
    server.reply({ body: YUANXI_OK });
    const result = finish(await yuanxiDialect().screen(image, context()));
    const form = new URLSearchParams(server.requests[0]!.body.toString());
    expect([form.get('id'), form.get('key'), form.get('img_Base64')]).toEqual(['69', 'sk_test', Buffer.from(bytes).toString('base64')]);
    expect(result).toMatchObject({ backend: 'yuanxi', decision: 'pass', label: 'normal', categories: { porn: 0, normal: 1 } });
    expect(result.notes).toHaveLength(2);
    expect(result.notes[1]).toContain('存在广告不合规');
    expect(result.raw.yuanxi).toEqual(YUANXI_OK);
  });

  it('blocks non-compliant pornography (type 1) and reviews suspected pornography', async () => {
    const porn = (result: string) => ({ ...YUANXI_OK, data: { result, resultItems: [{ msg: '色情', nonComplianceMainType: 1, hits: [{ probability: 0.97 }] }] } });
    server.reply({ body: porn('2') });
    expect(finish(await yuanxiDialect().screen(image, context()))).toMatchObject({ decision: 'block', label: 'porn', score: 0.97 });
    server.reply({ body: porn('3') });
    expect(finish(await yuanxiDialect().screen(image, context()))).toMatchObject({ decision: 'review', label: 'porn', score: 0.5 });
  });

  it('maps result 4, system error codes and service codes', async () => {
    server.reply({ body: { code: 200, data: { result: '4' } } });
    expect((await failure(yuanxiDialect().screen(image, context()))).code).toBe(ErrorCodes.REMOTE_FAILED);
    server.reply({ body: { error_code: 101, reason: '错误的请求KEY' } });
    const key = await failure(yuanxiDialect().screen(image, context()));
    expect([key.code, key.message]).toEqual([ErrorCodes.BAD_API_KEY, 'The review service refused the call (error_code 101: the key is wrong).']);
    server.reply({ body: { error_code: 105 } });
    expect((await failure(yuanxiDialect().screen(image, context()))).code).toBe(ErrorCodes.RATE_LIMITED);
    server.reply({ body: { code: 201, msg: '请求参数错误' } });
    expect((await failure(yuanxiDialect().screen(image, context()))).message).toContain('code 201');
    server.reply({ body: 'not json' });
    expect((await failure(yuanxiDialect().screen(image, context()))).code).toBe(ErrorCodes.REMOTE_BAD_RESPONSE);
  });
});

describe('tencent-cos (Tencent COS image review)', () => {
  it('uploads the file as multipart `image`; the example (HitFlag 0, Score 19) passes', async () => {
    server.reply({ body: TENCENT_COS_OK });
    const result = finish(await tencentCosDialect().screen(image, context('/api/image_review.php')));
    const req = server.requests[0]!;
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(req.body.includes(Buffer.from('name="image"; filename="image.jpeg"'))).toBe(true);
    expect(req.body.includes(Buffer.from(bytes.subarray(0, 200)))).toBe(true);
    expect(result).toMatchObject({ backend: 'tencent-cos', decision: 'pass', label: 'normal', categories: { porn: 0.19, normal: 0.81 } });
  });

  it('blocks HitFlag 1, reviews HitFlag 2, and reads a Sexy label as sexy', async () => {
    const with_ = (porn: object) => ({ ...TENCENT_COS_OK, data: { ...TENCENT_COS_OK.data, review_result: { ...TENCENT_COS_OK.data.review_result, PornInfo: porn } } });
    server.reply({ body: with_({ HitFlag: '1', Score: '96', Label: 'Porn' }) });
    expect(finish(await tencentCosDialect().screen(image, context()))).toMatchObject({ decision: 'block', label: 'porn', score: 0.96 });
    server.reply({ body: with_({ HitFlag: '2', Score: '72', Label: 'Sexy', SubLabel: 'SexyBehavior' }) });
    expect(finish(await tencentCosDialect().screen(image, context()))).toMatchObject({ decision: 'review', label: 'sexy', categories: { sexy: 0.72 } });
  });

  it('sends a JSON url for URL inputs and maps its failures', async () => {
    server.reply({ body: TENCENT_COS_FAIL });
    const error = await failure(tencentCosDialect().screen(byUrl, context()));
    expect(JSON.parse(server.requests[0]!.body.toString())).toEqual({ url: 'https://cdn.example/photo.jpg' });
    expect([error.code, error.message]).toEqual([ErrorCodes.REMOTE_FAILED, 'The COS review service failed: 错误信息.']);
    server.reply({ body: { ...TENCENT_COS_FAIL, message: '图片文件过大' } });
    expect((await failure(tencentCosDialect().screen(image, context()))).code).toBe(ErrorCodes.TOO_LARGE);
  });
});

describe("tencent-ai (the Tencent AI open platform's vision_porn)", () => {
  it("signs as Tencent's documentation does (its own example gives BE918C28827E0783D1E5F8E6D7C37A61)", () => {
    const sign = tencentAiSign(
      { app_id: '10000', time_stamp: '1493449657', nonce_str: '20e3408a79', key1: '腾讯AI开放平台', key2: '示例仅供参考', empty: '' },
      'a95eceb1ac8c24ee28b70f7dbba912bf',
    );
    expect(sign).toBe('BE918C28827E0783D1E5F8E6D7C37A61');
  });

  it('md5 equals node:crypto', () => {
    for (const n of [0, 1, 55, 56, 64, 1000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 255);
      expect(md5Hex(data)).toBe(createHash('md5').update(data).digest('hex'));
    }
  });

  const dialect = () => tencentAiDialect({ appId: 1000001, now: () => 1493468759, nonce: () => 'fa577ce340859f9fe' });

  it('posts the signed form; the example (normal 91, hot 8) is normal and passes', async () => {
    server.reply({ body: TENCENT_AI_OK });
    const result = finish(await dialect().screen(image, { ...context(), apiKey: 'a95eceb1ac8c24ee28b70f7dbba912bf' }));
    const form = Object.fromEntries(new URLSearchParams(server.requests[0]!.body.toString()));
    const { sign, ...rest } = form;
    expect(rest).toEqual({ app_id: '1000001', time_stamp: '1493468759', nonce_str: 'fa577ce340859f9fe', image: Buffer.from(bytes).toString('base64') });
    expect(sign).toBe(tencentAiSign(rest, 'a95eceb1ac8c24ee28b70f7dbba912bf'));
    expect(result).toMatchObject({ backend: 'tencent-ai', label: 'normal', decision: 'pass' });
    expect(result.categories.normal).toBeCloseTo(91 / 99, 3);
  });

  it('applies its documented rule: porn > 83 is porn, hot > normal is sexy', async () => {
    const tags = (normal: number, hot: number, porn: number) => ({
      ret: 0,
      msg: 'ok',
      data: { tag_list: [{ tag_name: 'normal', tag_confidence: normal }, { tag_name: 'hot', tag_confidence: hot }, { tag_name: 'porn', tag_confidence: porn }] },
    });
    server.reply({ body: tags(5, 10, 85) });
    expect(finish(await dialect().screen(image, context()))).toMatchObject({ label: 'porn', decision: 'block' });
    server.reply({ body: tags(10, 15, 75) }); // porn is the largest, but not over 83
    expect(finish(await dialect().screen(image, context())).label).toBe('sexy');
    server.reply({ body: tags(60, 30, 10) });
    expect(finish(await dialect().screen(image, context()))).toMatchObject({ label: 'normal', decision: 'pass' });
  });

  it('fails on a non-zero ret, a missing key, or a missing appId', async () => {
    server.reply({ body: { ret: 16389, msg: 'app_id not exist', data: {} } });
    expect((await failure(dialect().screen(image, context()))).message).toBe('Tencent AI answered ret 16389: app_id not exist.');
    expect((await failure(dialect().screen(image, { ...context(), apiKey: undefined }))).code).toBe(ErrorCodes.MISSING_CREDENTIALS);
    expect(() => tencentAiDialect({} as never)).toThrow(expect.objectContaining({ code: ErrorCodes.BAD_OPTION }));
  });
});

describe('nsfw-categorize (nsfw-categorize.it)', () => {
  const sha1 = createHash('sha1').update(bytes).digest('hex');

  it('asks the free hash look-up first and uploads nothing when it knows the image', async () => {
    server.reply({ body: NSFW_CATEGORIZE_OK });
    const result = finish(await nsfwCategorizeDialect().screen(image, context('/api')));
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /api/hash/${sha1}`]);
    expect(server.requests[0]!.headers.nsfwkey).toBe('sk_test');
    expect(result).toMatchObject({ backend: 'nsfw-categorize', label: 'sexy', categories: { sexy: 0.9874 } });
    expect(result.notes[0]).toContain('without uploading');
  });

  it('uploads the image when the hash is unknown', async () => {
    server.reply({ body: { status: 'ERR', reason: 'Hash not found' } }, { body: { ...NSFW_CATEGORIZE_OK, data: { ...NSFW_CATEGORIZE_OK.data, porn: true } } });
    const result = finish(await nsfwCategorizeDialect().screen(image, context('/api/')));
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /api/hash/${sha1}`, 'POST /api/upload']);
    expect(server.requests[1]!.body.includes(Buffer.from('name="image"'))).toBe(true);
    expect(result).toMatchObject({ label: 'porn', decision: 'block' });
  });

  it('passes a URL as ?url= and maps ERR and NOQUOTA', async () => {
    server.reply({ body: NSFW_CATEGORIZE_ERR });
    const invalid = await failure(nsfwCategorizeDialect().screen(byUrl, context('/api')));
    expect(server.requests[0]!.path).toBe('/api/upload?url=https%3A%2F%2Fcdn.example%2Fphoto.jpg');
    expect(invalid.code).toBe(ErrorCodes.UNSUPPORTED_FORMAT);
    server.reply({ body: NSFW_CATEGORIZE_NOQUOTA });
    expect((await failure(nsfwCategorizeDialect().screen(byUrl, context('/api')))).code).toBe(ErrorCodes.RATE_LIMITED);
  });
});

describe('timeouts', () => {
  it('a service that never answers fails with 5021 when the signal fires', async () => {
    server.reply('hang');
    const controller = new AbortController();
    const { VeilError } = await import('../../src/errors.js');
    setTimeout(() => controller.abort(new VeilError(ErrorCodes.REMOTE_UNREACHABLE, 'The remote service did not answer within 200 ms (remote.timeoutMs).')), 200);
    const error = await failure((gatewayDialect() as Dialect).screen(image, { ...context(), signal: controller.signal }));
    expect(error.code).toBe(ErrorCodes.REMOTE_UNREACHABLE);
    expect(error.message).toContain('did not answer within 200 ms');
  });
});
