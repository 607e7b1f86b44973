/**
 * What instances share through a real Redis (Debian's redis-server, started
 * here on a free loopback port), against gateways in this process on loopback:
 * the rate limit and the daily allowance counted once for all of them, the
 * result cache answering one instance's image from another without decoding,
 * the hash look-up, and what the request log and /metrics say. The allowance
 * in one process (no --redis) is checked too, as the embedded default.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../gateway/request-log.js';
import { resolvePolicy } from '../../../src/policy.js';
import { gatewayDialect } from '../../../src/remote/dialects/index.js';
import { CACHE_NOTE } from '../../../gateway/result-cache.js';
import { answerOf, imageBytes, KEY, OTHER_KEY, postJson, startTestGateway } from '../../support/gateway.js';
import { startRedis, type RedisServer } from '../../support/redis.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.close());

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A key with an allowance of 4 a day and one with none, from a keys file. */
const keysFile = () => {
  const file = join(mkdtempSync(join(tmpdir(), 'veil-keys-')), 'keys.json');
  writeFileSync(file, JSON.stringify([{ key: 'sk-shop-secret', id: 'shop', daily_quota: 4 }, { key: 'sk-internal-secret', id: 'internal', daily_quota: 0 }]));
  return file;
};

let prefixes = 0;
/** Gateways sharing this file's Redis under a prefix of their own (counts do not leak between tests), with their request logs. */
async function cluster(count: number, flags: string[] = [], prefix = `t${++prefixes}:`) {
  const logs: string[][] = [];
  const gateways = [];
  for (let i = 0; i < count; i++) {
    const lines: string[] = [];
    logs.push(lines);
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const gateway = await startTestGateway(['--redis', redis.url, '--redis-prefix', prefix, '--keys-file', keysFile(), ...flags], { logger });
    closers.push(() => gateway.close());
    gateways.push(gateway);
  }
  return { gateways, logs, prefix };
}

const photo = imageBytes('landscape-640x480.jpg');
const sha256 = async (bytes: Uint8Array) => Buffer.from(await crypto.subtle.digest('SHA-256', bytes)).toString('hex');
const lookUp = (endpoint: string, body: unknown, key = KEY) => postJson(`${endpoint}/hash`, body, key);

describe('the daily allowance', () => {
  it.each([
    ['in this process (no --redis)', false],
    ['in Redis, counted once across two instances', true],
  ])('%s: headers count it down, the call past it is 4029 with the reset time, hash look-ups are free', async (_, shared) => {
    const gateways = shared ? (await cluster(2)).gateways : [await startTestGateway(['--keys-file', keysFile()])];
    if (!shared) closers.push(() => gateways[0]!.close());
    const at = (i: number) => gateways[i % gateways.length]!.endpoint;
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 4; i++) {
      // A cheap call (no image: 4000 after admission) is a call all the same.
      const answer = await postJson(at(i), {}, 'sk-shop-secret');
      expect(answer.body.code).toBe(4000);
      remaining.push(answer.headers.get('x-quota-remaining'));
      expect(answer.headers.get('x-quota-limit')).toBe('4');
      expect(answer.headers.get('ratelimit-limit')).toBe('1000');
      // Hash look-ups in between take nothing from it.
      expect((await lookUp(at(i + 1), { sha256: 'a'.repeat(64) }, 'sk-shop-secret')).body.code).toBe(4040);
    }
    expect(remaining).toEqual(['3', '2', '1', '0']);
    const refused = await postJson(at(4), {}, 'sk-shop-secret');
    const midnight = new Date(Math.ceil(Date.now() / 86_400_000) * 86_400_000).toISOString().replace('.000Z', 'Z');
    expect(refused).toMatchObject({ status: 429, body: { code: 4029 } });
    expect(refused.body.desc).toContain(`daily allowance of 4 calls; it resets at ${midnight} (midnight UTC)`);
    expect(refused.headers.get('x-quota-reset')).toBe(midnight);
    expect(Math.abs(Number(refused.headers.get('retry-after')) - (Date.parse(midnight) - Date.now()) / 1000)).toBeLessThan(5);
    // Other keys are counted apart: one with no allowance, and the test keys (--daily-quota 0).
    expect((await postJson(at(5), {}, 'sk-internal-secret')).headers.get('x-quota-limit')).toBeNull();
    expect((await postJson(at(5), {}, KEY)).body.code).toBe(4000);
  });
});

describe('the rate limit across instances', () => {
  it('lets a burst spread over three instances through at the rate of one, not three times it', async () => {
    const { gateways } = await cluster(3, ['--qps', '2']);
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 15 }, (_, i) => postJson(gateways[i % 3]!.endpoint, {})));
    const seconds = (performance.now() - started) / 1000;
    const passed = answers.filter((a) => a.status === 400);
    const limited = answers.filter((a) => a.status === 429);
    expect(passed.length + limited.length).toBe(15);
    expect(passed.length).toBeGreaterThanOrEqual(2);
    expect(passed.length).toBeLessThanOrEqual(2 + Math.floor(seconds * 2));
    for (const answer of limited) {
      expect(answer.body.code).toBe(4029);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(answer.headers.get('ratelimit-remaining')).toBe('0');
    }
    expect(passed[0]!.headers.get('ratelimit-policy')).toBe('2;w=1');
    // Another key has its own bucket, on every instance.
    expect((await postJson(gateways[2]!.endpoint, {}, OTHER_KEY)).status).toBe(400);
  });
});

describe('the result cache and the hash look-up', () => {
  it("answers one instance's image on another from the cache, without decoding or inference, and says so", async () => {
    const { gateways, logs } = await cluster(2);
    const [a, b] = gateways as [(typeof gateways)[0], (typeof gateways)[0]];
    const first = await postJson(a.endpoint, { image_b64: photo.toString('base64') });
    expect(first).toMatchObject({ status: 200, body: { code: 200, decision: 'block', notes: [] } });
    expect(first.headers.get('x-cache')).toBe('miss');
    const upload = new FormData();
    upload.set('image', new Blob([photo], { type: 'image/png' }), 'again.jpg');
    const second = await answerOf(await fetch(`${b.endpoint}?apikey=${KEY}`, { method: 'POST', body: upload }));
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(second.headers.get('x-hash-lookup')).toBe('sha256');
    const { elapsed_ms: _a, input: inputA, notes: _n, ...verdictA } = first.body;
    const { elapsed_ms: _b, input: inputB, notes, ...verdictB } = second.body;
    expect(verdictB).toEqual(verdictA);
    // This request's own input and notes (its declared type lied), then the cache's note.
    expect(inputB).toEqual({ ...inputA, type: 'file', source: 'again.jpg' });
    expect(notes).toEqual(['The input says it is image/png but its bytes are image/jpeg; it was read as image/jpeg.', CACHE_NOTE]);
    const [line] = logs[1]!.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(line).toMatchObject({ key_id: 'key-' + (await sha256(new TextEncoder().encode(KEY))).slice(0, 12), code: 200, cache: 'hit', backend: 'nudenet' });
    expect(line.decode_ms).toBeUndefined();
    expect(line.inference_ms).toBeUndefined();
    // The hash look-up answers it too, from any instance, in the result schema.
    const hashed = await lookUp(a.endpoint, { sha256: inputA.sha256, backend: 'nudenet' });
    expect(hashed.status).toBe(200);
    expect(hashed.body).toMatchObject({ code: 200, decision: 'block', detections: first.body.detections, input: { sha256: inputA.sha256, width: 640, height: 480 } });
    expect(hashed.body.notes).toEqual([CACHE_NOTE]);
  });

  it('keeps results apart by policy, and answers bad look-ups with their codes', async () => {
    const { gateways, prefix } = await cluster(1);
    const { gateways: strict } = await cluster(1, ['--policy', 'strict'], prefix);
    const [balanced] = gateways;
    const hash = await sha256(photo);
    expect((await postJson(balanced!.endpoint, { image_b64: photo.toString('base64') })).headers.get('x-cache')).toBe('miss');
    expect((await lookUp(balanced!.endpoint, { sha256: hash })).status).toBe(200);
    // The same Redis, another policy: that result is not this instance's answer.
    expect((await lookUp(strict[0]!.endpoint, { sha256: hash })).body).toMatchObject({ code: 4040, desc: expect.stringContaining('send the image itself') });
    expect((await postJson(strict[0]!.endpoint, { image_b64: photo.toString('base64') })).headers.get('x-cache')).toBe('miss');
    expect((await lookUp(balanced!.endpoint, { sha256: 'xyz' })).body).toMatchObject({ code: 4000 });
    expect((await lookUp(balanced!.endpoint, { sha256: hash, backend: 'marqo' })).body).toMatchObject({ code: 4001 });
    expect((await lookUp(balanced!.endpoint, { sha256: hash }, 'wrong')).status).toBe(401);
  });
});

describe("the library's gateway dialect against the gateway", () => {
  it('learns that the gateway offers the hash look-up, and never uploads an image another instance has seen', async () => {
    const { gateways, logs } = await cluster(2);
    const [a, b] = gateways as [(typeof gateways)[0], (typeof gateways)[0]];
    const context = { endpoint: a.endpoint, apiKey: KEY, headers: {}, timeoutMs: 10_000, signal: new AbortController().signal, policy: resolvePolicy() };
    const remote = async (name: string) => {
      const bytes = new Uint8Array(imageBytes(name));
      const info = { type: 'file' as const, source: name, size_bytes: bytes.length, sha256: await sha256(bytes), mime: null, width: 0, height: 0 };
      return gatewayDialect().screen({ bytes, info }, context);
    };
    // The first call uploads: the dialect does not yet know this gateway has a look-up. Its answer says so.
    await remote('square-500x500.webp');
    // Another client's upload, to the other instance.
    const other = await postJson(b.endpoint, { image_b64: imageBytes('alpha-400x300.png').toString('base64') });
    const known = await remote('alpha-400x300.png');
    expect(known.categories).toEqual(other.body.categories);
    expect(known.notes![0]).toBe('The gateway knew this image by its SHA-256: answered without uploading it.');
    const paths = logs.map((lines) => lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request').map((l) => l.path));
    expect(paths).toEqual([['/api/image-nsfw', '/api/image-nsfw/hash'], ['/api/image-nsfw']]);
  });
});

describe('what operators see', () => {
  it('logs one JSON line per request by key id, never the key, and counts on /metrics', async () => {
    const { gateways, logs } = await cluster(1);
    const [gateway] = gateways;
    await postJson(gateway!.endpoint, { image_b64: photo.toString('base64') }, 'sk-internal-secret');
    await postJson(gateway!.endpoint, { image_b64: photo.toString('base64') }, 'sk-internal-secret');
    await postJson(`${gateway!.endpoint}?apikey=sk-shop-secret`, {}, null);
    await postJson(gateway!.endpoint, {}, 'sk-wrong-secret');
    const lines = logs[0]!.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(lines.map((l) => [l.key_id, l.code, l.cache ?? null, l.status])).toEqual([
      ['internal', 200, 'miss', 200],
      ['internal', 200, 'hit', 200],
      ['shop', 4000, null, 400],
      [undefined, 4015, null, 401],
    ]);
    expect(lines[0]).toMatchObject({ level: 'info', method: 'POST', path: '/api/image-nsfw', backend: 'nudenet' });
    expect(lines[0].decode_ms).toBeGreaterThan(0);
    expect(lines[0].inference_ms).toBeGreaterThan(0);
    expect(logs[0]!.join('\n')).not.toMatch(/sk-\w+-secret/);
    const metrics = await (await fetch(`${gateway!.url}/metrics`)).text();
    expect(metrics).toContain('veil_gateway_requests_total{route="detect",code="200",backend="nudenet"} 2');
    expect(metrics).toContain('veil_gateway_cache_lookups_total{outcome="hit",route="detect"} 1');
    expect(metrics).toContain('veil_gateway_stage_duration_seconds_count{stage="inference",backend="nudenet"} 1');
    expect(metrics).toContain('veil_gateway_redis_up 1');
    expect(metrics).toMatch(/veil_gateway_queue_depth\{queue="decoding",state="running"\} 0/);
    expect(await (await fetch(`${gateway!.url}/readyz`)).json()).toEqual({ status: 'ready' });
  });
});
