/**
 * What an instance does when its shared state goes away and comes back (a real
 * redis-server stopped and started again on its port), and around its own life:
 * /readyz while the models load, and a graceful stop that finishes the request
 * it holds. Each concern's rule when Redis is down is admission.ts's: the rate
 * falls back to this process, a key with a daily allowance is refused with 5021,
 * the cache misses; nothing waits on Redis, and everything recovers by itself.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../../gateway/config.js';
import { createNudenet, type NudenetBackend } from '../../../gateway/nudenet.js';
import { createLogger } from '../../../gateway/request-log.js';
import { startGateway } from '../../../gateway/server.js';
import { imageBytes, KEY, OTHER_KEY, postJson, startTestGateway } from '../../support/gateway.js';
import { freePort, startRedis, type RedisServer } from '../../support/redis.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.close());
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const photo = { image_b64: imageBytes('landscape-640x480.jpg').toString('base64') };
const readyz = async (url: string) => {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: await response.json() };
};
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
/** An answer and how long it took: nothing may wait on a Redis that is gone. */
async function timed<T>(work: Promise<T>): Promise<T & { ms: number }> {
  const started = performance.now();
  const answer = await work;
  return { ...answer, ms: performance.now() - started };
}

describe('Redis stopped and started again', () => {
  it('refuses keys with an allowance (5021), serves the others on local limits without the cache, and recovers by itself', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'veil-keys-')), 'keys.json');
    writeFileSync(file, JSON.stringify([{ key: 'sk-shop', id: 'shop', daily_quota: 100 }]));
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const gateway = await startTestGateway(['--redis', redis.url, '--redis-prefix', 'outage:', '--keys-file', file, '--qps', '2'], { logger });
    closers.push(() => gateway.close());
    await until(async () => (await readyz(gateway.url)).status === 200, 'ready');
    expect((await postJson(gateway.endpoint, photo)).headers.get('x-cache')).toBe('miss');
    expect((await postJson(gateway.endpoint, {}, 'sk-shop')).headers.get('x-quota-remaining')).toBe('99');

    await redis.stop();
    await until(async () => (await readyz(gateway.url)).status === 503, 'not ready once Redis is gone');
    expect((await readyz(gateway.url)).body).toEqual({ status: 'not ready', reasons: ['Redis is unreachable'] });
    const refused = await timed(postJson(gateway.endpoint, {}, 'sk-shop'));
    expect(refused).toMatchObject({ status: 503, body: { code: 5021 } });
    expect(refused.body.desc).toContain('Redis');
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.ms).toBeLessThan(1000);
    // The cached image is screened again, and rightly; the hash look-up has nothing to say.
    const served = await timed(postJson(gateway.endpoint, photo, OTHER_KEY));
    expect(served).toMatchObject({ status: 200, body: { code: 200, decision: 'block', notes: [] } });
    expect(served.headers.get('x-cache')).toBe('miss');
    expect(served.ms).toBeLessThan(2000);
    expect((await postJson(`${gateway.endpoint}/hash`, { sha256: served.body.input.sha256 }, OTHER_KEY)).body.code).toBe(4040);
    // The rate falls back to this process's own bucket: still 2 a second for KEY, here.
    const burst = await Promise.all(Array.from({ length: 6 }, () => postJson(gateway.endpoint, {}, KEY)));
    expect(burst.filter((a) => a.status === 400).length).toBeLessThanOrEqual(3);
    expect(burst.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(3);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toContain('veil_gateway_redis_up 0');
    expect(metrics).toContain('veil_gateway_rate_limited_total{limit="quota_unavailable"} 1');

    await redis.start();
    await until(async () => (await readyz(gateway.url)).status === 200, 'ready again once Redis is back');
    // Counts start again from what Redis holds: this one kept nothing on disk.
    expect((await postJson(gateway.endpoint, {}, 'sk-shop')).headers.get('x-quota-remaining')).toBe('99');
    expect((await postJson(gateway.endpoint, photo, OTHER_KEY)).headers.get('x-cache')).toBe('miss');
    expect((await postJson(gateway.endpoint, photo, OTHER_KEY)).headers.get('x-cache')).toBe('hit');
    const said = lines.map((l) => JSON.parse(l)).filter((l) => l.msg !== 'request');
    expect(said.map((l) => [l.level, l.msg.split(':')[0]])).toEqual([
      ['warn', 'Redis is unreachable'],
      ['info', 'Redis is reachable again'],
    ]);
  });
});

describe('the instance itself', () => {
  it('listens while its model loads: /readyz 503 and the endpoint 5024 (busy) until it is loaded', async () => {
    const port = await freePort();
    const config = readConfig(['--port', String(port), '--keys', KEY, '--model', 'loading.onnx'], {});
    if (config === 'help') throw new Error('help');
    let loaded!: (backend: NudenetBackend) => void;
    const nudenet = new Promise<NudenetBackend>((resolve) => (loaded = resolve));
    const starting = startGateway(config, { nudenet, log: () => undefined, logger: createLogger('silent') });
    const url = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${url}/healthz`).catch(() => null))?.status === 200, 'listening');
    expect(await readyz(url)).toEqual({ status: 503, body: { status: 'not ready', reasons: ['the models are loading'] } });
    const early = await postJson(`${url}/api/image-nsfw`, photo);
    expect(early).toMatchObject({ status: 503, body: { code: 5024 } });
    loaded(createNudenet('loading.onnx', 320, async () => new Float32Array(22 * 2100), async () => undefined));
    const gateway = await starting;
    closers.push(() => gateway.close());
    expect((await readyz(url)).status).toBe(200);
    expect((await postJson(`${url}/api/image-nsfw`, photo)).status).toBe(200);
  });

  it('stops gracefully: no new connection, the request it holds answered, then it closes', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const nudenet = createNudenet('held.onnx', 320, async () => (await held, new Float32Array(22 * 2100)), async () => undefined);
    const gateway = await startTestGateway([], { nudenet });
    closers.push(() => gateway.close());
    const answer = postJson(gateway.endpoint, photo);
    await until(async () => (await (await fetch(`${gateway.url}/healthz`)).json()).load.in_flight === 1, 'the request held');
    const draining = gateway.drain(10_000);
    await until(async () => (await fetch(`${gateway.url}/healthz`).then(() => false, () => true)), 'new connections refused');
    release();
    expect(await answer).toMatchObject({ status: 200, body: { code: 200 } });
    await draining;
    expect(gateway.server.listening).toBe(false);
  });
});
