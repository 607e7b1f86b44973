/**
 * Calls without a key (--anonymous-daily), against real gateways on loopback:
 * counted per client address (IPv6 by /64) per UTC day with the keys' headers
 * and 4029, a rate of their own, never touching a key's allowance, a wrong key
 * still refused; and counted once across two instances sharing a real Redis.
 * Through nginx and three processes: cluster.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnonymousAdmission } from '../../../gateway/anonymous.js';
import { imageBytes, KEY, postJson, startTestGateway } from '../../support/gateway.js';
import { startRedis, type RedisServer } from '../../support/redis.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
async function start(flags: string[]) {
  // Model-less: an anonymous call answered 5020 has been admitted and counted all the same, and costs no inference.
  const gateway = await startTestGateway(flags, { model: null });
  closers.push(() => gateway.close());
  return gateway;
}
const image_b64 = imageBytes('portrait-480x640.png').toString('base64');
const keyless = (endpoint: string, headers: Record<string, string> = {}) => postJson(endpoint, { image_b64 }, null, headers);

describe('without --anonymous-daily', () => {
  it('requires a key, as before', async () => {
    const gateway = await start([]);
    const answer = await keyless(gateway.endpoint);
    expect([answer.status, answer.body.code]).toEqual([401, 4015]);
  });
});

describe('--anonymous-daily in one process', () => {
  it('keeps daily counts for a fixed number of addresses, refusing new ones past it rather than forgetting a count', async () => {
    const config = { anonymousDaily: 2, anonymousQps: 1000, hashQps: 20, redisPrefix: 'veil:' };
    const admission = new AnonymousAdmission(config, null, () => undefined, Date.now, 2);
    await admission.admit('203.0.113.1', false);
    await admission.admit('203.0.113.2', false);
    const refused = await admission.admit('203.0.113.3', false).catch((error: unknown) => error as { status: number; code: string; message: string });
    expect(refused).toMatchObject({ status: 429, code: '4029' });
    expect((refused as Error).message).toMatch(/^This gateway has taken calls without an API key from 2 addresses today, the most it counts; new addresses wait until midnight UTC/);
    // The addresses it counts go on until their own allowance is spent.
    await admission.admit('203.0.113.1', false);
    await expect(admission.admit('203.0.113.1', false)).rejects.toThrow(/has used its 2 calls/);
  });

  it("lets a keyless address through N times a day with the keys' headers, then 4029; a wrong key stays 4015 and a key's allowance is untouched", async () => {
    const gateway = await start(['--anonymous-daily', '3', '--anonymous-qps', '1000', '--daily-quota', '5']);
    expect((await postJson(gateway.endpoint, { image_b64 })).headers.get('x-quota-remaining')).toBe('4');
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const answer = await keyless(gateway.endpoint);
      expect([answer.status, answer.body.code]).toEqual([503, 5020]); // admitted: no backend on this gateway
      expect(answer.headers.get('x-quota-limit')).toBe('3');
      expect(answer.headers.get('ratelimit-policy')).toBe('1000;w=1');
      remaining.push(answer.headers.get('x-quota-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await keyless(gateway.endpoint);
    expect([refused.status, refused.body.code]).toEqual([429, 4029]);
    expect(refused.body.desc).toMatch(/^This address has used its 3 calls without an API key for today; they reset at \d{4}-\d\d-\d\dT00:00:00Z \(midnight UTC\), in \d+ min: send an API key to go on\.$/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-quota-remaining')).toBe('0');
    // A keyless hash look-up is still admitted, on the hash rate and nothing from the allowance
    // (answered 5020 for want of a backend on this model-less gateway).
    const look = await postJson(`${gateway.url}/api/image-nsfw/hash`, { sha256: 'a'.repeat(64) }, null);
    expect([look.status, look.body.code]).toEqual([503, 5020]);
    expect([look.headers.get('ratelimit-policy'), look.headers.get('x-quota-limit')]).toEqual(['20;w=1', null]);
    // A keyless form is anonymous too; a wrong key never is.
    const form = await fetch(gateway.endpoint, { method: 'POST', body: new URLSearchParams({ image_b64 }) });
    expect([form.status, ((await form.json()) as { code: number }).code]).toEqual([429, 4029]);
    expect((await postJson(gateway.endpoint, { image_b64 }, 'wrong-key')).body.code).toBe(4015);
    // The key's allowance counted only its own calls, and it is still served.
    const keyed = await postJson(gateway.endpoint, { image_b64 }, KEY);
    expect([keyed.status, keyed.headers.get('x-quota-remaining')]).toEqual([503, '3']);
  });

  it('has its own rate per address, and counts an IPv6 address by its /64', async () => {
    const gateway = await start(['--anonymous-daily', '2', '--anonymous-qps', '0.01', '--trust-proxy', '127.0.0.1/32', '--proxy-header', 'x-forwarded-for']);
    const from = (address: string) => keyless(gateway.endpoint, { 'x-forwarded-for': address });
    expect((await from('2001:db8:1:2::a')).status).toBe(503);
    const limited = await from('2001:db8:1:2:ffff::b'); // the same /64: its one-call burst is spent
    expect([limited.status, limited.body.code]).toEqual([429, 4029]);
    expect(limited.body.desc).toMatch(/^Without an API key this address is limited to 0.01 calls per second: retry after \d+ s\.$/);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect((await from('2001:db8:1:3::a')).status).toBe(503); // another /64
    expect((await from('203.0.113.7')).status).toBe(503);
    expect((await from('203.0.113.8')).status).toBe(503);
    // Keys have their own buckets: a keyed call from the same address is served.
    expect((await postJson(gateway.endpoint, { image_b64 }, KEY, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(503);
  });
});

describe('--anonymous-daily and the result cache', () => {
  it.each<[string[]]>([[[]], [['--cache-scope', 'shared']]])("learns nothing of the keys' images: a keyless caller is a tenant of its own (%j)", async (scope) => {
    const gateway = await startTestGateway(['--anonymous-daily', '5', '--anonymous-qps', '1000', '--cache-ttl', '60', ...scope]);
    closers.push(() => gateway.close());
    const keyed = await postJson(gateway.endpoint, { image_b64 }, KEY);
    expect([keyed.status, keyed.headers.get('x-cache')]).toEqual([200, 'miss']);
    const look = await postJson(`${gateway.url}/api/image-nsfw/hash`, { sha256: keyed.body.input.sha256 }, null);
    expect([look.status, look.body.code]).toEqual([404, 4040]);
    const upload = await keyless(gateway.endpoint);
    expect([upload.status, upload.headers.get('x-cache')]).toEqual([200, 'miss']);
    expect((await keyless(gateway.endpoint)).headers.get('x-cache')).toBe('hit'); // its own results, it may see
  });
});

describe('--anonymous-daily with Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.close());

  it('counts an address once across instances, apart from the keys', async () => {
    const flags = ['--redis', redis.url, '--redis-prefix', 'anon1:', '--anonymous-daily', '4', '--anonymous-qps', '1000', '--daily-quota', '10'];
    const a = await start(flags);
    const b = await start(flags);
    for (const gateway of [a, b]) {
      while ((await fetch(`${gateway.url}/readyz`)).status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const remaining = [];
    for (const gateway of [a, b, a, b]) remaining.push((await keyless(gateway.endpoint)).headers.get('x-quota-remaining'));
    expect(remaining).toEqual(['3', '2', '1', '0']);
    for (const gateway of [a, b]) expect((await keyless(gateway.endpoint)).body.code).toBe(4029);
    const keyed = await postJson(b.endpoint, { image_b64 }, KEY);
    expect([keyed.status, keyed.headers.get('x-quota-remaining')]).toEqual([503, '9']);
    const keys = await fetch(`${a.url}/metrics`).then((r) => r.text());
    expect(keys).toMatch(/veil_gateway_rate_limited_total\{limit="quota"\} 1/);
  });
});
