/**
 * A deployment on loopback, as docs/gateway.md describes one: Debian's
 * redis-server, three gateway instances (each its own process), Debian's nginx
 * in front as the load balancer, all on free ports and all started here. Through
 * nginx: the rate and the daily allowance hold in total, and so do calls
 * without a key (--anonymous-daily), a result cached by one
 * instance is answered by another, the hash look-up costs nothing. Then faults
 * under load from a second process (reliability/cluster-load.mjs, which checks
 * every answer against its image by SHA-256): an instance killed, Redis stopped
 * and started again, a rolling restart of all three.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deployment, type Instance, runLoad, startDeployment } from '../../support/cluster.js';
import { IMAGES, MODEL_320, postJson } from '../../support/gateway.js';
import type { RedisServer } from '../../support/redis.js';

let deployment: Deployment;
let instances: Instance[] = [];
let redis: RedisServer;
let endpoint: string;

const KEYS = [
  { key: 'sk-load', id: 'load', qps: 100_000, daily_quota: 0 },
  { key: 'sk-rate', id: 'rate', qps: 2, daily_quota: 0 },
  { key: 'sk-quota', id: 'quota', qps: 1000, daily_quota: 6 },
];

beforeAll(async () => {
  deployment = await startDeployment(3, ['--model', MODEL_320, '--shutdown-grace', '10', '--anonymous-daily', '5', '--anonymous-qps', '1000'], KEYS);
  ({ instances, redis, endpoint } = deployment);
}, 60_000);
afterAll(() => deployment?.close());

/** The request log lines each instance wrote for `keyId`. */
const linesFor = (keyId: string) => instances.map((i) => i.requests().filter((l) => l.key_id === keyId));

const ready = async (instance: Instance) => (await fetch(`${instance.url}/readyz`).catch(() => null))?.status === 200;
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The load process against nginx with the load key (test/support/cluster.ts). */
const load = (requests: number, concurrency: number, distinct: number, during?: () => Promise<void>, options: { steady?: boolean } = {}) =>
  runLoad(endpoint, 'sk-load', { requests, concurrency, distinct, during, ...options });

describe('three instances behind nginx, sharing Redis', () => {
  it('holds the rate in total: a burst spread over the three is refused beyond the rate of one', async () => {
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 18 }, () => postJson(endpoint, {}, 'sk-rate')));
    const seconds = (performance.now() - started) / 1000;
    const passed = answers.filter((a) => a.status === 400).length;
    expect(passed + answers.filter((a) => a.status === 429 && a.body.code === 4029).length).toBe(18);
    expect(passed).toBeGreaterThanOrEqual(2);
    expect(passed).toBeLessThanOrEqual(2 + Math.floor(seconds * 2));
    // nginx did spread it: every instance answered some of the burst.
    expect(linesFor('rate').map((lines) => lines.length > 0)).toEqual([true, true, true]);
  });

  it('counts the daily allowance once, and the hash look-up not at all', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) {
      const look = await postJson(`${endpoint}/hash`, { sha256: 'b'.repeat(64) }, 'sk-quota');
      expect(look.body.code).toBe(4040);
      codes.push((await postJson(endpoint, {}, 'sk-quota')).body.code);
    }
    expect(codes).toEqual([4000, 4000, 4000, 4000, 4000, 4000, 4029, 4029]);
    expect(linesFor('quota').filter((lines) => lines.some((l) => l.code === 4000)).length).toBeGreaterThan(1);
  });

  it('counts calls without a key once per address across the instances, apart from any key', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await postJson(endpoint, {}, null)).body.code);
    expect(codes).toEqual([4000, 4000, 4000, 4000, 4000, 4029, 4029, 4029]);
    expect(linesFor('anonymous').filter((lines) => lines.length > 0).length).toBeGreaterThan(1);
    // A key is still served from the same address: its limits are its own.
    expect((await postJson(endpoint, {}, 'sk-load')).body.code).toBe(4000);
  });

  it('answers an image cached by one instance from the others, and its hash from any', async () => {
    const body = { image_b64: readFileSync(join(IMAGES, 'portrait-480x640.png')).toString('base64') };
    const first = await postJson(`${instances[0]!.url}/api/image-nsfw`, body, 'sk-load');
    expect(first.headers.get('x-cache')).toBe('miss');
    const again = await Promise.all(Array.from({ length: 4 }, () => postJson(endpoint, body, 'sk-load')));
    for (const answer of again) {
      expect(answer.headers.get('x-cache')).toBe('hit');
      expect(answer.body.detections).toEqual(first.body.detections);
    }
    const hits = linesFor('load').map((lines) => lines.filter((l) => l.cache === 'hit').length);
    expect(hits[1]! + hits[2]!).toBeGreaterThan(0);
    for (const instance of instances) {
      const looked = await postJson(`${instance.url}/api/image-nsfw/hash`, { sha256: first.body.input.sha256 }, 'sk-load');
      expect(looked.body).toMatchObject({ code: 200, decision: first.body.decision, detections: first.body.detections });
    }
  });
});

describe('faults under load from a second process', () => {
  it('an instance killed mid-load: nothing wrong or mixed, nginx sends the rest elsewhere', async () => {
    let served = 0;
    try {
      const report = await load(
        90,
        6,
        45,
        async () => {
          await until(async () => instances[2]!.requests().filter((l) => l.key_id === 'load').length >= 10, 'the third instance serving');
          await instances[2]!.kill();
          served = linesFor('load').reduce((n, lines) => n + lines.length, 0);
        },
        { steady: false },
      );
      expect(report.wrong).toEqual([]);
      // Requests it held were retried on another instance by nginx, or failed cleanly with the API's JSON.
      for (const failure of report.failed) expect([failure.status, failure.code]).toEqual([503, 5021]);
      expect(report.requests).toBe(90);
      expect(report.ok).toBeGreaterThanOrEqual(84);
      // The rest went to the two left.
      expect(linesFor('load').slice(0, 2).reduce((n, lines) => n + lines.length, 0)).toBeGreaterThan(served);
    } finally {
      await instances[2]!.restart();
    }
  });

  it('Redis stopped and started mid-load: every answer right and none held, then the cache is shared again', async () => {
    const report = await load(100_000, 4, 50, async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await redis.stop();
      await until(async () => !(await ready(instances[0]!)), 'not ready without Redis');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await redis.start();
      for (const instance of instances) await until(() => ready(instance), 'ready again without a restart');
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    expect(report.wrong).toEqual([]);
    expect(report.failed).toEqual([]);
    expect(report.requests).toBeGreaterThan(20);
    expect(report.max_ms).toBeLessThan(5000);
    const after = await load(60, 4, 20);
    expect([after.ok, after.wrong_total]).toEqual([60, 0]);
    expect(after.hit_rate).toBeGreaterThanOrEqual(0.5);
  });

  it('a rolling restart of all three under steady traffic fails no request', async () => {
    // Steady, not saturating: two at a time, mostly answered from the cache, so the restarts get the CPU they need.
    const report = await load(100_000, 2, 20, async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const instance of instances) {
        expect(await instance.stop()).toBe(0);
        await instance.restart();
        await until(() => ready(instance), 'the restarted instance ready');
      }
    });
    expect(report.wrong).toEqual([]);
    expect(report.failed).toEqual([]);
    expect(report.requests).toBeGreaterThan(20);
  });

  it('200 requests through nginx, none lost or mixed up, with figures', async () => {
    const report = await load(200, 16, 80);
    console.log(`cluster load: ${report.requests} requests, ${report.per_second}/s, p50 ${report.p50_ms} ms, p95 ${report.p95_ms} ms, cache hit rate ${report.hit_rate}`);
    expect([report.requests, report.ok, report.wrong_total, report.failed_total]).toEqual([200, 200, 0, 0]);
  });
});
