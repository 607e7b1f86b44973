/**
 * The settings for running several instances: Redis, the daily allowance, the
 * cache, the keys file with each key's own id, allowance and rate, trusted
 * proxies, the log level and the shutdown grace; their defaults, their
 * VEIL_GATEWAY_* variables, and the sentence a bad one gets.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../../gateway/config.js';
import { keyIdOf } from '../../../gateway/keys-file.js';

const read = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const config = readConfig(args, env);
  if (config === 'help') throw new Error('help');
  return config;
};
const keysFile = (content: unknown) => {
  const file = join(mkdtempSync(join(tmpdir(), 'veil-keys-')), 'keys.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};

describe('readConfig: several instances', () => {
  it('has the documented defaults: everything in this process, 100 calls a day, no cache without Redis', () => {
    const config = read(['--keys', 'a']);
    expect(config).toMatchObject({
      redis: null,
      redisPrefix: 'veil:',
      dailyQuota: 100,
      hashQps: 20,
      anonymousDaily: 0,
      anonymousQps: 1,
      cacheTtlS: 0,
      trustProxy: [],
      logLevel: 'info',
      shutdownGraceMs: 25_000,
      keyDetails: [{ id: keyIdOf('a'), dailyQuota: 100, qps: 2 }],
    });
    expect(keyIdOf('a')).toMatch(/^key-[0-9a-f]{12}$/);
    // With Redis, results are kept a day unless told otherwise.
    expect(read(['--keys', 'a', '--redis', 'redis://127.0.0.1:6379/0']).cacheTtlS).toBe(86_400);
    expect(read(['--keys', 'a', '--redis', 'redis://127.0.0.1:6379/0', '--cache-ttl', '0']).cacheTtlS).toBe(0);
  });

  it('reads each from VEIL_GATEWAY_* and lets flags win', () => {
    const env = {
      VEIL_GATEWAY_KEYS: 'k',
      VEIL_GATEWAY_REDIS: 'rediss://user:secret@redis.internal:6380/2',
      VEIL_GATEWAY_REDIS_PREFIX: 'veil:prod:',
      VEIL_GATEWAY_DAILY_QUOTA: '0',
      VEIL_GATEWAY_HASH_QPS: '50',
      VEIL_GATEWAY_ANONYMOUS_DAILY: '10',
      VEIL_GATEWAY_ANONYMOUS_QPS: '0.5',
      VEIL_GATEWAY_CACHE_TTL: '600',
      VEIL_GATEWAY_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
      VEIL_GATEWAY_PROXY_HEADER: 'X-Real-IP',
      VEIL_GATEWAY_LOG_LEVEL: 'warn',
      VEIL_GATEWAY_SHUTDOWN_GRACE: '2.5',
    };
    const config = read([], env);
    expect(config).toMatchObject({
      redis: 'rediss://user:secret@redis.internal:6380/2',
      redisPrefix: 'veil:prod:',
      dailyQuota: 0,
      hashQps: 50,
      anonymousDaily: 10,
      anonymousQps: 0.5,
      cacheTtlS: 600,
      logLevel: 'warn',
      shutdownGraceMs: 2500,
      keyDetails: [{ dailyQuota: 0, qps: 2 }],
    });
    expect(config.trustProxy.map((c) => c.text)).toEqual(['10.0.0.0/8', '127.0.0.1/32']);
    expect(config).toMatchObject({ proxyHeader: 'x-real-ip', proxyHops: 1 });
    expect(read(['--daily-quota', '7', '--redis', 'unix:/run/redis.sock', '--anonymous-daily', '3'], env)).toMatchObject({ dailyQuota: 7, redis: 'unix:/run/redis.sock', anonymousDaily: 3 });
  });

  it('reads a keys file: ids, allowances and rates of their own, with --keys beside it', () => {
    const file = keysFile([
      { key: 'sk-shop', id: 'shop', tenant: 'acme', daily_quota: 5000, qps: 10 },
      { key: 'sk-free', daily_quota: 0 },
      { key: 'sk-plain' },
    ]);
    const config = read(['--keys-file', file, '--keys', 'sk-extra,sk-shop', '--daily-quota', '50', '--qps', '3']);
    expect(config.keys).toEqual(['sk-shop', 'sk-free', 'sk-plain', 'sk-extra']);
    expect(config.keyDetails).toEqual([
      { id: 'shop', dailyQuota: 5000, qps: 10, tenant: 'acme' },
      { id: keyIdOf('sk-free'), dailyQuota: 0, qps: 3, tenant: keyIdOf('sk-free') },
      { id: keyIdOf('sk-plain'), dailyQuota: 50, qps: 3, tenant: keyIdOf('sk-plain') },
      { id: keyIdOf('sk-extra'), dailyQuota: 50, qps: 3, tenant: keyIdOf('sk-extra') },
    ]);
    expect(read([], { VEIL_GATEWAY_KEYS_FILE: file }).keys).toHaveLength(3);
  });

  it.each([
    [['--redis', 'localhost:6379'], /--redis takes a URL such as redis:\/\/127.0.0.1:6379\/0/],
    [['--redis-prefix', 'has space'], /--redis-prefix takes up to 64/],
    [['--daily-quota=-1'], /--daily-quota must be an integer of at least 0/],
    [['--daily-quota', '1.5'], /--daily-quota must be an integer/],
    [['--cache-ttl', 'forever'], /--cache-ttl must be an integer of at least 0/],
    [['--hash-qps', '0'], /--hash-qps must be a number of at least 0.01/],
    [['--anonymous-daily', '2.5'], /--anonymous-daily must be an integer of at least 0/],
    [['--anonymous-qps', '0'], /--anonymous-qps must be a number of at least 0.01/],
    [['--trust-proxy', 'nginx'], /--trust-proxy takes address ranges/],
    [['--log-level', 'loud'], /--log-level must be fatal, error, warn, info, debug, trace or silent/],
    [['--shutdown-grace', 'soon'], /--shutdown-grace must be a number of at least 0/],
  ])('refuses %j', (args, message) => {
    expect(() => read(['--keys', 'a', ...args])).toThrow(ConfigError);
    expect(() => read(['--keys', 'a', ...args])).toThrow(message);
  });

  it.each([
    ['not JSON', '{ key', /could not be read \(it is not JSON\)/],
    ['a missing file', null, /could not be read \(ENOENT\)/],
    ['an object', { key: 'a' }, /must hold a JSON list/],
    ['an entry without a key', [{ id: 'x' }], /entry 1 needs "key"/],
    ['an id with a space', [{ key: 'a', id: 'my shop' }], /entry 1: "id" must be 1 to 64 letters/],
    ['a fractional allowance', [{ key: 'a', daily_quota: 2.5 }], /"daily_quota" must be a whole number/],
    ['a rate of zero', [{ key: 'a', qps: 0 }], /"qps" must be a number of requests a second/],
    ['two keys of one id', [{ key: 'a', id: 'x' }, { key: 'b', id: 'x' }], /Two keys are named "x"/],
    ['a key named anonymous', [{ key: 'a', id: 'anonymous' }], /"id" cannot be "anonymous", the name the request log gives calls without a key/],
  ])('refuses a keys file with %s', (_, content, message) => {
    const file = content === null ? '/nonexistent/keys.json' : keysFile(content);
    expect(() => read(['--keys-file', file])).toThrow(ConfigError);
    expect(() => read(['--keys-file', file])).toThrow(message);
  });
});
