/**
 * What the result cache lets one key learn and trust, with Redis:
 * - F2: entries and hash look-ups are scoped by tenant (a keys-file field, else
 *   the key itself): a key whose allowance is spent cannot ask whether another
 *   tenant sent an image, nor see it through X-Cache; keys of one tenant share;
 *   `--cache-scope shared` shares across tenants; look-ups have a rate.
 * - F3: everything that can change a verdict is in the fingerprint.
 * - F7: an entry is served only when signed by this deployment for its very key,
 *   and shaped as the gateway writes them; else it is a miss, logged.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackendChoice } from '../../../gateway/backends.js';
import type { GatewayModels } from '../../../gateway/model-runner.js';
import { createLogger } from '../../../gateway/request-log.js';
import { fingerprinter } from '../../../gateway/result-cache.js';
import { CACHE_SECRET, imageBytes, postJson, startTestGateway } from '../../support/gateway.js';
import { type RedisServer, startRedis } from '../../support/redis.js';

let redis: RedisServer;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  client?.disconnect();
  await redis?.close();
});
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Tenant "acme" has two keys; "rival" one, whose daily allowance is a single call. */
const KEYS = [
  { key: 'sk-acme-1', id: 'acme-1', tenant: 'acme' },
  { key: 'sk-acme-2', id: 'acme-2', tenant: 'acme' },
  { key: 'sk-rival', id: 'rival', tenant: 'rival', daily_quota: 1 },
];
let prefixes = 0;

async function gatewayWith(flags: string[] = [], { prefix = `sec${++prefixes}:`, env = {} as NodeJS.ProcessEnv } = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'veil-keys-')), 'keys.json');
  writeFileSync(file, JSON.stringify(KEYS));
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  const gateway = await startTestGateway(['--redis', redis.url, '--redis-prefix', prefix, '--keys-file', file, ...flags], { logger, env });
  closers.push(() => gateway.close());
  return { gateway, lines, prefix };
}

const photo = imageBytes('landscape-640x480.jpg');
const photoSha = createHash('sha256').update(photo).digest('hex');
const upload = (endpoint: string, key: string) => postJson(endpoint, { image_b64: photo.toString('base64') }, key);
const lookUp = (endpoint: string, key: string) => postJson(`${endpoint}/hash`, { sha256: photoSha }, key);

describe('F2: results are scoped by tenant', () => {
  it("a key learns nothing of another tenant's images, even with its allowance spent; its own tenant's keys share", async () => {
    const { gateway } = await gatewayWith();
    expect((await upload(gateway.endpoint, 'sk-acme-1')).headers.get('x-cache')).toBe('miss');
    // The same tenant's other key is answered from the cache, and its look-up knows the image.
    expect((await upload(gateway.endpoint, 'sk-acme-2')).headers.get('x-cache')).toBe('hit');
    expect((await lookUp(gateway.endpoint, 'sk-acme-2')).body).toMatchObject({ code: 200, input: { sha256: photoSha } });
    // The rival tenant: not seen (4040), however it asks.
    const asked = await lookUp(gateway.endpoint, 'sk-rival');
    expect(asked).toMatchObject({ status: 404, body: { code: 4040 } });
    expect(asked.body).not.toHaveProperty('decision');
    // Its one upload of the day is screened afresh (X-Cache says nothing of acme's)…
    expect((await upload(gateway.endpoint, 'sk-rival')).headers.get('x-cache')).toBe('miss');
    // …and with its allowance spent, look-ups still answer only from its own uploads.
    expect((await upload(gateway.endpoint, 'sk-rival')).body.code).toBe(4029);
    expect((await lookUp(gateway.endpoint, 'sk-rival')).body).toMatchObject({ code: 200, input: { sha256: photoSha } });
  });

  it('--cache-scope shared shares results across tenants, as the operator chose', async () => {
    const { gateway } = await gatewayWith(['--cache-scope', 'shared']);
    await upload(gateway.endpoint, 'sk-acme-1');
    expect((await lookUp(gateway.endpoint, 'sk-rival')).body).toMatchObject({ code: 200, decision: 'block', input: { sha256: photoSha } });
  });

  it('look-ups cost no allowance but count against their own rate (--hash-qps)', async () => {
    const { gateway } = await gatewayWith(['--hash-qps', '1']);
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await lookUp(gateway.endpoint, 'sk-rival')).body.code);
    expect(codes.filter((c) => c === 4029).length).toBeGreaterThanOrEqual(3);
    expect(codes[0]).toBe(4040);
  });
});

describe('F3: the fingerprint holds everything that can change a verdict', () => {
  const description = {
    name: 'same-name',
    inputSize: 224,
    classes: ['drawings', 'hentai', 'neutral', 'porn', 'sexy'],
    categories: { drawings: 'normal', hentai: 'porn', neutral: 'normal', porn: 'porn', sexy: 'sexy' },
    preprocessing: { divisor: 255, mean: [0, 0, 0], std: [1, 1, 1] },
  };
  // The same .onnx file under the same name: only the description differs.
  const models = (d: object) => ({ nudenet: null, classifier: { modelPath: join(tmpdir(), 'no-such-model.onnx'), description: d } }) as unknown as GatewayModels;
  const choice = { models: { nudenet: false, classifier: true } } as BackendChoice;
  const print = async (d: object, policy: unknown = 'balanced') => (await fingerprinter(models(d), policy))(choice);

  it('differs when the classifier maps a class elsewhere, takes another input size or scales otherwise', async () => {
    const base = await print(description);
    const prints = [
      await print({ ...description, categories: { ...description.categories, porn: 'normal' } }),
      await print({ ...description, inputSize: 299 }),
      await print({ ...description, preprocessing: { divisor: 127.5, mean: [1, 1, 1], std: [1, 1, 1] } }),
      await print(description, 'strict'),
    ];
    expect(new Set([base, ...prints]).size).toBe(5);
    // The same description written in another key order is the same classifier.
    const reordered = Object.fromEntries(Object.entries(description).reverse());
    expect(await print(reordered)).toBe(base);
  });
});

describe('F7: cache entries are signed per deployment and shape-checked', () => {
  /** The entry the gateway wrote for the photo: its Redis key and text. */
  async function written(prefix: string): Promise<{ key: string; value: string }> {
    const keys = await client.keys(`${prefix}result:*`);
    expect(keys).toHaveLength(1);
    return { key: keys[0]!, value: (await client.get(keys[0]!))! };
  }

  it('a forged entry, one from another deployment, and a signed one of the wrong shape are misses, logged; never served', async () => {
    const { gateway, prefix, lines } = await gatewayWith();
    const first = await upload(gateway.endpoint, 'sk-acme-1');
    expect(first.body.decision).toBe('block');
    const { key, value } = await written(prefix);

    // Forged: a bare "pass" for this image's bytes, as anyone with write access to Redis could write.
    await client.set(key, JSON.stringify({ result: { decision: 'pass' }, input: { sha256: photoSha } }));
    const forged = await upload(gateway.endpoint, 'sk-acme-1');
    expect(forged.headers.get('x-cache')).toBe('miss');
    expect(forged.body.decision).toBe('block');

    // Another deployment's entry (same Redis, its own secret), copied here.
    const other = await gatewayWith([], { env: { VEIL_GATEWAY_CACHE_SECRET: 'another-deployment-secret-0123456789abcdef' } });
    await upload(other.gateway.endpoint, 'sk-acme-1');
    const theirs = await written(other.prefix);
    await client.set(key, theirs.value);
    expect((await upload(gateway.endpoint, 'sk-acme-1')).headers.get('x-cache')).toBe('miss');

    // Signed with this deployment's secret, but no verdict in it.
    const text = JSON.stringify({ result: { decision: 'pass', backend: 'nudenet' }, input: { sha256: photoSha } });
    await client.set(key, `${createHmac('sha256', CACHE_SECRET).update(`${key}\n${text}`).digest('hex')}:${text}`);
    const shapeless = await upload(gateway.endpoint, 'sk-acme-1');
    expect(shapeless.headers.get('x-cache')).toBe('miss');
    expect(shapeless.body.decision).toBe('block');

    const logged = lines.map((line) => JSON.parse(line).msg as string).filter((msg) => msg?.startsWith('Result cache:'));
    expect(logged.filter((msg) => msg.includes('not signed by this deployment'))).toHaveLength(2);
    expect(logged.filter((msg) => msg.includes('not a result for this image'))).toHaveLength(1);
    // The entry it wrote itself, untouched, is served.
    await client.set(key, value);
    expect((await upload(gateway.endpoint, 'sk-acme-1')).headers.get('x-cache')).toBe('hit');
  });
});
