/**
 * Whether a key may make a call now: its rate (`--qps` or its keys-file entry,
 * a burst of max(1, qps)) and its daily allowance (`--daily-quota` or its
 * keys-file entry, reset at midnight UTC), answered in RateLimit-* and
 * X-Quota-* headers either way.
 *
 * Without Redis both are counted in this process (rate-limit.ts's token bucket and a
 * count per key and day). With Redis, one script checks and takes both at once
 * inside Redis, so no two instances can read the same count and both let a
 * call through: the rate is a generic cell rate algorithm (GCRA: one stored
 * "theoretical arrival time" per key, the same limit as the token bucket) on
 * Redis's own clock, so the instances' clocks do not matter to it.
 *
 * When Redis fails (down, or no answer within a second), each concern has its
 * own rule, because each protects something different:
 * - the rate protects this server's capacity, which each instance also guards
 *   with its own in-flight caps: it falls back to this instance's own bucket
 *   (all instances together then allow up to N times the rate), warned once;
 * - the daily allowance is what a key holder was promised, and no instance can
 *   know what the others counted: a key with one is refused, fail closed, with
 *   5021 (HTTP 503, Retry-After), until Redis answers again. Keys without one
 *   (`--daily-quota 0`) go on being served.
 * The hash look-up has its own rate (`--hash-qps`) and never counts against the allowance.
 */
import { ErrorCodes } from '../src/errors.js';
import { RateLimiter, type RateState } from './rate-limit.js';
import type { GatewayConfig } from './config.js';
import type { RedisLink } from './redis.js';
import { GatewayError } from './responses.js';

/** KEYS: the caller's rate state, its count for today. ARGV: emission interval (ms), burst tolerance (ms), allowance (0: none), seconds a day's count is kept. */
export const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval, tolerance, quota = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local used = 0
if quota > 0 then
  used = tonumber(redis.call('GET', KEYS[2]) or '0')
  if used >= quota then return {-1, 0, 0, used} end
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local next_tat = tat + interval
if now < next_tat - tolerance then return {0, 0, math.ceil(next_tat - tolerance - now), used} end
redis.call('SET', KEYS[1], string.format('%.3f', next_tat), 'PX', math.ceil(next_tat - now))
if quota > 0 then
  used = redis.call('INCR', KEYS[2])
  if used == 1 then redis.call('EXPIRE', KEYS[2], ARGV[4]) end
end
return {1, math.floor((tolerance - (next_tat - now)) / interval), math.ceil(next_tat - now), used}
`;

export type AdmitReply = [status: number, remaining: number, ms: number, used: number];
type AdmittingRedis = RedisLink['client'] & { veilAdmit(rate: string, quota: string, ...args: (string | number)[]): Promise<AdmitReply> };

/** What was refused, for the metrics: the rate, the allowance, the hash look-ups' rate, or the allowance for want of Redis. */
export type Refusal = 'rate' | 'quota' | 'hash_rate' | 'quota_unavailable';

const DAY_MS = 86_400_000;
export const utcDay = (now: number) => new Date(now).toISOString().slice(0, 10);
export const nextMidnight = (now: number) => new Date((Math.floor(now / DAY_MS) + 1) * DAY_MS);

export class Admission {
  /** This process's bucket per key index, each at that key's rate: the rate without Redis, or while it is down. */
  private readonly rates = new Map<number, RateLimiter>();
  private readonly hashRate: RateLimiter;
  /** This process's counts per key index: the allowance without Redis. */
  private readonly used = new Map<number, { day: string; used: number }>();

  constructor(
    private readonly config: Pick<GatewayConfig, 'hashQps' | 'keyDetails' | 'redisPrefix'>,
    private readonly redis: RedisLink | null,
    private readonly onRefused: (why: Refusal) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.hashRate = new RateLimiter(config.hashQps, undefined, 'hash look-up');
    redis?.client.defineCommand('veilAdmit', { numberOfKeys: 2, lua: ADMIT });
  }

  /** Takes a call from key `index`'s rate and allowance; its headers, or a 4029 or 5021 carrying them. */
  async admit(index: number): Promise<Record<string, string>> {
    const { dailyQuota: quota, qps } = this.config.keyDetails[index]!;
    const reply = await this.inRedis('rate', index, qps, quota);
    if (reply) return this.judge(reply, qps, quota, 'rate');
    if (this.redis && quota > 0) {
      this.onRefused('quota_unavailable');
      throw new GatewayError(
        ErrorCodes.REMOTE_UNREACHABLE,
        "The gateway cannot count this key's daily allowance now: its shared state (Redis) is unreachable. Retry after 5 s.",
        503,
        { 'retry-after': '5' },
      );
    }
    let limiter = this.rates.get(index);
    if (!limiter) this.rates.set(index, (limiter = new RateLimiter(qps)));
    return this.inProcess(limiter, index, quota, qps, 'rate');
  }

  /** Takes a hash look-up from key `index`'s own bucket; nothing from its allowance. */
  async admitLookup(index: number): Promise<Record<string, string>> {
    const reply = await this.inRedis('hash-rate', index, this.config.hashQps, 0);
    return reply ? this.judge(reply, this.config.hashQps, 0, 'hash_rate') : this.inProcess(this.hashRate, index, 0, this.config.hashQps, 'hash_rate');
  }

  /** The script's answer, or null when Redis is not configured or did not answer. */
  private async inRedis(bucket: string, index: number, qps: number, quota: number): Promise<AdmitReply | null> {
    if (!this.redis?.up) return null;
    const { id } = this.config.keyDetails[index]!;
    const prefix = this.config.redisPrefix;
    const interval = 1000 / qps;
    try {
      return await (this.redis.client as AdmittingRedis).veilAdmit(
        `${prefix}${bucket}:${id}`,
        `${prefix}quota:${id}:${utcDay(this.now())}`,
        interval,
        interval * Math.max(1, qps),
        quota,
        2 * 86_400,
      );
    } catch {
      return null; // redis.ts logs the outage once
    }
  }

  private judge([status, remaining, ms, used]: AdmitReply, qps: number, quota: number, what: Refusal): Record<string, string> {
    const limit = Math.max(1, qps);
    const rate = { limit, remaining: Math.max(0, remaining), resetS: Math.ceil(ms / 1000) };
    if (status === 1) return this.headers(rate, qps, quota, used);
    if (status === -1) throw this.quotaUsed(quota, rate, qps);
    this.onRefused(what);
    const wait = Math.max(1, Math.ceil(ms / 1000));
    const noun = what === 'rate' ? 'request' : 'hash look-up';
    throw new GatewayError(ErrorCodes.RATE_LIMITED, `This API key is limited to ${qps} ${noun}${qps === 1 ? '' : 's'} per second: retry after ${wait} s.`, 429, {
      ...this.headers({ limit, remaining: 0, resetS: wait }, qps, quota, used),
      'retry-after': String(wait),
    });
  }

  private inProcess(limiter: RateLimiter, index: number, quota: number, qps: number, what: Refusal): Record<string, string> {
    const day = utcDay(this.now());
    const count = this.used.get(index);
    const used = count?.day === day ? count.used : 0;
    if (quota > 0 && used >= quota) throw this.quotaUsed(quota, null, 0);
    let rate: RateState;
    try {
      rate = limiter.take(index);
    } catch (error) {
      this.onRefused(what);
      if (error instanceof GatewayError) throw new GatewayError(error.code, error.message, 429, { ...this.quotaHeaders(quota, used), ...error.headers });
      throw error;
    }
    if (quota > 0) this.used.set(index, { day, used: used + 1 });
    return this.headers(rate, qps, quota, used + (quota > 0 ? 1 : 0));
  }

  private quotaUsed(quota: number, rate: RateState | null, qps: number): GatewayError {
    this.onRefused('quota');
    const resets = nextMidnight(this.now());
    const wait = Math.max(1, Math.ceil((resets.getTime() - this.now()) / 1000));
    const when = resets.toISOString().replace('.000Z', 'Z');
    return new GatewayError(
      ErrorCodes.RATE_LIMITED,
      `This API key has used its daily allowance of ${quota} calls; it resets at ${when} (midnight UTC), in ${Math.ceil(wait / 60)} min.`,
      429,
      { ...(rate ? this.headers(rate, qps, 0, 0) : {}), ...this.quotaHeaders(quota, quota), 'retry-after': String(wait) },
    );
  }

  private headers(rate: RateState, qps: number, quota: number, used: number): Record<string, string> {
    return limitHeaders(rate, qps, quota, used, this.now());
  }

  private quotaHeaders(quota: number, used: number): Record<string, string> {
    return quotaHeaders(quota, used, this.now());
  }
}

/** The RateLimit-* headers of a rate, and the X-Quota-* ones of an allowance (none without one). */
export function limitHeaders(rate: RateState, qps: number, quota: number, used: number, now: number): Record<string, string> {
  return {
    'ratelimit-limit': String(rate.limit),
    'ratelimit-remaining': String(rate.remaining),
    'ratelimit-reset': String(rate.resetS),
    'ratelimit-policy': `${rate.limit};w=${+(rate.limit / qps).toFixed(3)}`,
    ...quotaHeaders(quota, used, now),
  };
}

export function quotaHeaders(quota: number, used: number, now: number): Record<string, string> {
  if (quota <= 0) return {};
  return {
    'x-quota-limit': String(quota),
    'x-quota-remaining': String(Math.max(0, quota - used)),
    'x-quota-reset': nextMidnight(now).toISOString().replace('.000Z', 'Z'),
  };
}
