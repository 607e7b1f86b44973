/**
 * The endpoint against a real gateway on loopback, running the fixture model:
 * the image-nsfw gateway API's result schema from JSON, form and multipart requests, and the
 * documented code and HTTP status for each malformed request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerOf, imageBytes, KEY, postJson, startTestGateway } from '../../support/gateway.js';

let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const photo = 'landscape-640x480.jpg';
const b64 = () => imageBytes(photo).toString('base64');

beforeAll(async () => {
  gateway = await startTestGateway(['--max-image', '200kb']);
});
afterAll(() => gateway.close());

const SCHEMA_KEYS = ['code', 'desc', 'backend', 'elapsed_ms', 'input', 'decision', 'label', 'score', 'categories', 'detections', 'raw', 'notes', 'tips'];

describe('success', () => {
  it('answers JSON image_b64 in the image-nsfw gateway API schema, key for key', async () => {
    const { status, body } = await postJson(gateway.endpoint, { image_b64: b64(), backend: 'auto', timeout: '' });
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(SCHEMA_KEYS);
    expect(body).toMatchObject({
      code: 200,
      desc: 'success',
      backend: 'nudenet',
      input: { type: 'base64', source: 'base64', size_bytes: imageBytes(photo).length, mime: 'image/jpeg', width: 640, height: 480 },
      decision: 'block',
      label: 'porn',
      notes: [],
    });
    expect(body.input.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(body.detections.map((d: { cls: string }) => d.cls)).toEqual(['FEMALE_BREAST_EXPOSED', 'FACE_FEMALE', 'ANUS_EXPOSED']);
    expect(body.detections[0]).toEqual({ cls: 'FEMALE_BREAST_EXPOSED', score: 0.9, box: [100, 120, 120, 100] });
    expect(body.raw.nudenet[0]).toEqual({ class: 'FEMALE_BREAST_EXPOSED', score: Math.fround(0.9), box: [100, 120, 120, 100] });
    expect(Object.keys(body.categories)).toEqual(['porn', 'sexy', 'normal']);
    expect(body.score).toBe(body.categories[body.label]);
  });

  it('gives the same answer for a data URI, a form field and a multipart upload', async () => {
    const first = await postJson(gateway.endpoint, { image_b64: `data:image/jpeg;base64,${b64()}` });
    const form = await answerOf(
      await fetch(`${gateway.endpoint}?apikey=${KEY}`, { method: 'POST', body: new URLSearchParams({ image_b64: b64(), timeout: '10' }) }),
    );
    // A key in the form itself comes before the image: nothing past a keyless form's first 4 KB is read before it.
    const multipart = new FormData();
    multipart.set('apikey', KEY);
    multipart.set('image', new Blob([imageBytes(photo)], { type: 'image/jpeg' }), 'holiday.jpg');
    const upload = await answerOf(await fetch(gateway.endpoint, { method: 'POST', body: multipart }));
    for (const answer of [first, form, upload]) {
      expect(answer.status).toBe(200);
      expect(answer.body.detections).toEqual(first.body.detections);
      expect(answer.body.input.sha256).toBe(first.body.input.sha256);
    }
    expect(first.body.input).toMatchObject({ type: 'base64', source: 'data:image/jpeg;base64,' });
    expect(upload.body.input).toMatchObject({ type: 'file', source: 'holiday.jpg' });
  });

  it("accepts backend local (the image-nsfw gateway API error table's name for nudenet) and notes a declared type that lies", async () => {
    const { status, body } = await postJson(gateway.endpoint, { image_b64: `data:image/png;base64,${b64()}`, backend: 'local' });
    expect(status).toBe(200);
    expect(body.backend).toBe('nudenet');
    expect(body.notes).toEqual(['The input says it is image/png but its bytes are image/jpeg; it was read as image/jpeg.']);
  });
});

describe('refusals', () => {
  const expectError = (answer: { status: number; body: Record<string, any> }, status: number, code: number, text?: RegExp) => {
    expect(answer.status).toBe(status);
    expect(answer.body.code).toBe(code);
    expect(typeof answer.body.desc).toBe('string');
    if (text) expect(answer.body.desc).toMatch(text);
  };

  it.each([
    ['malformed JSON', '{"image_b64": ', 400, 4000, /does not parse/],
    ['a JSON array', '[1,2]', 400, 4000, /must be an object/],
    ['no image', { backend: 'auto' }, 400, 4000, /No image was given/],
    ['empty image fields', { image_url: '', image_b64: '' }, 400, 4000, /No image was given/],
    ['both image fields', { image_url: 'https://example.com/a.jpg', image_b64: 'AAAA' }, 400, 4000, /one image per request/],
    ['a non-string image_url', { image_url: 42 }, 400, 4000, /image_url must be a string/],
    ['bad base64', { image_b64: 'not base64 at all!' }, 400, 4000, /base64/],
    ['an unsupported backend', { image_b64: 'AAAA', backend: 'marqo' }, 400, 4001, /auto, nudenet/],
    ['a timeout below 3', { image_b64: 'AAAA', timeout: 2 }, 400, 4000, /from 3 to 60/],
    ['a timeout above 60', { image_b64: 'AAAA', timeout: '61' }, 400, 4000, /from 3 to 60/],
    ['a fractional timeout', { image_b64: 'AAAA', timeout: 3.5 }, 400, 4000, /whole number/],
    ['an invalid URL', { image_url: 'not a url' }, 400, 4000, /not a valid URL/],
  ])('%s: %#', async (_name, body, status, code, text) => {
    expectError(await postJson(gateway.endpoint, body), status, code, text);
  });

  it('refuses what is not an image: text (4002), SVG (4002), a truncated JPEG (4003), an empty file (4000)', async () => {
    expectError(await postJson(gateway.endpoint, { image_b64: Buffer.from('hello, world').toString('base64') }), 415, 4002, /not an image/);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>').toString('base64');
    expectError(await postJson(gateway.endpoint, { image_b64: svg }), 415, 4002, /image\/svg\+xml images are not supported/);
    const truncated = imageBytes(photo).subarray(0, 5000).toString('base64');
    expectError(await postJson(gateway.endpoint, { image_b64: truncated }), 422, 4003, /truncated or corrupt/);
    const form = new FormData();
    form.set('image', new Blob([]), 'empty.jpg');
    expectError(await answerOf(await fetch(`${gateway.endpoint}?apikey=${KEY}`, { method: 'POST', body: form })), 400, 4000, /empty/);
  });

  it('refuses an image over --max-image with 4004', async () => {
    const big = imageBytes('large-1920x1080.jpg');
    expect(big.length).toBeGreaterThan(200 * 1024);
    expectError(await postJson(gateway.endpoint, { image_b64: big.toString('base64') }), 413, 4004, /more than this gateway accepts/);
  });

  it('refuses two files in one upload, and a body with a wrong or missing Content-Type (415)', async () => {
    const form = new FormData();
    form.append('a', new Blob([imageBytes(photo)]), 'a.jpg');
    form.append('b', new Blob([imageBytes(photo)]), 'b.jpg');
    expectError(await answerOf(await fetch(`${gateway.endpoint}?apikey=${KEY}`, { method: 'POST', body: form })), 400, 4000, /more than one file/);
    expectError(await postJson(gateway.endpoint, '{}', KEY, { 'content-type': 'text/plain' }), 415, 4000, /Content-Type "text\/plain"/);
    const bare = await fetch(gateway.endpoint, { method: 'POST', headers: { 'x-api-key': KEY }, body: new Uint8Array([1, 2, 3]) });
    expectError(await answerOf(bare), 415, 4000, /Content-Type is missing/);
  });

  it('refuses an empty body, a malformed multipart body, other methods (405) and other paths (4044)', async () => {
    expectError(await postJson(gateway.endpoint, ''), 400, 4000, /body is empty/);
    const broken = await fetch(`${gateway.endpoint}?apikey=${KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: 'this is not multipart',
    });
    expectError(await answerOf(broken), 400, 4000, /multipart body could not be parsed/);
    const get = await fetch(gateway.endpoint, { headers: { 'x-api-key': KEY } });
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
    expectError(await answerOf(get, 'GET'), 405, 4000, /takes POST/);
    expectError(await answerOf(await fetch(`${gateway.url}/api/other`, { method: 'POST' })), 404, 4044, /\/api\/image-nsfw/);
  });

  it('reports its backends on /healthz', async () => {
    const answer = await answerOf(await fetch(`${gateway.url}/healthz`), 'GET');
    expect(answer).toMatchObject({ status: 200, body: { status: 'ok', backends: { nudenet: true, baidu: false, tencent: false, aliyun: false } } });
  });
});
