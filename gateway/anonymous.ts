/**
 * Calls without an API key, as the image-nsfw gateway API's quota section
 * allows them (10 a day per IP there): `--anonymous-daily N` lets a request
 * that carries no key at all through N times a UTC day per client address, an
 * IPv6 address counted by its /64 (one subscriber's whole network), at
 * `--anonymous-qps` a second per address. A wrong key is still 4015: only a
 * missing one is anonymous. The default, 0, requires a key, as before.
 *
 * The counts are the keys' machinery with names of their own, so nothing a
 * keyless caller does can touch a key's allowance or rate: with Redis, the same
 * script as admission.ts on `<prefix>anon-rate:<address>` and
 * `<prefix>anon-quota:<address>:<day>`, counted once across all instances and
 * refused while Redis is unreachable (fail closed, 5021), as a key's allowance
 * is; without Redis, in this process. The answers carry the same RateLimit-*
 * and X-Quota-* headers, and past either limit the same 4029 with Retry-After.
 * Hash look-ups without a key take `--hash-qps` from a bucket of the address's
 * own and nothing from its allowance, as a key's do.
 */
import { ErrorCodes } from '../src/errors.js';
import { ADMIT, type AdmitReply, limitHeaders, nextMidnight, quotaHeaders, type Refusal, utcDay } from './admission.js';
import { Buckets } from './rate-limit.js';
import type { GatewayConfig } from './config.js';
import type { RedisLink } from './redis.js';
import { GatewayError } from './responses.js';

type AdmittingRedis = RedisLink['client'] & { veilAdmit(rate: string, quota: string, ...args: (string | number)[]): Promise<AdmitReply> };

/**
 * Addresses whose rate buckets this process keeps at most (rate-limit.ts's Buckets: the least recently used go first), so
 * keyless calls from ever new addresses cost a fixed amount of memory; a forgotten address only gets its burst back.
 */
export const MAX_ANONYMOUS_ADDRESSES = 50_000;

/**
 * Addresses whose daily count this process keeps at most without Redis (about 20 MB). Unlike a rate, a forgotten
 * count would give an address its whole allowance back, so past this a new address is refused until midnight UTC
 * (fail closed; a key, or Redis, goes on): a fixed amount of memory whatever the number of keyless callers.
 */
export const MAX_ANONYMOUS_DAILY_ADDRESSES = 200_000;

export class AnonymousAdmission {
  private readonly rate: Buckets<string>;
  private readonly hashRate: Buckets<string>;
  /** This process's counts for today by address (without Redis); yesterday's are dropped when the day turns. */
  private counts = { day: '', used: new Map<string, number>() };

  constructor(
    private readonly config: Pick<GatewayConfig, 'anonymousDaily' | 'anonymousQps' | 'hashQps' | 'redisPrefix'>,
    private readonly redis: RedisLink | null,
    private readonly onRefused: (why: Refusal) => void = () => undefined,
    private readonly now: () => number = Date.now,
    private readonly maxDailyAddresses = MAX_ANONYMOUS_DAILY_ADDRESSES,
  ) {
    this.rate = new Buckets(config.anonymousQps, Math.max(1, config.anonymousQps), () => performance.now(), MAX_ANONYMOUS_ADDRESSES);
    this.hashRate = new Buckets(config.hashQps, Math.max(1, config.hashQps), () => performance.now(), MAX_ANONYMOUS_ADDRESSES);
    redis?.client.defineCommand('veilAdmit', { numberOfKeys: 2, lua: ADMIT });
  }

  get enabled(): boolean {
    return this.config.anonymousDaily > 0;
  }

  /** Takes a keyless call from `address` (concurrency.ts's addressKey: IPv6 by /64); its headers, or a 4029 or 5021 carrying them. */
  async admit(address: string, lookup: boolean): Promise<Record<string, string>> {
    const qps = lookup ? this.config.hashQps : this.config.anonymousQps;
    const quota = lookup ? 0 : this.config.anonymousDaily;
    const prefix = this.config.redisPrefix;
    const day = utcDay(this.now());
    if (this.redis) {
      let reply: AdmitReply | null = null;
      if (this.redis.up) {
        const interval = 1000 / qps;
        try {
          reply = await (this.redis.client as AdmittingRedis).veilAdmit(
            `${prefix}${lookup ? 'anon-hash-rate' : 'anon-rate'}:${address}`,
            `${prefix}anon-quota:${address}:${day}`,
            interval,
            interval * Math.max(1, qps),
            quota,
            2 * 86_400,
          );
        } catch {
          reply = null; // redis.ts logs the outage once
        }
      }
      if (!reply) {
        if (lookup) return this.inProcess(address, qps, 0, true);
        this.onRefused('quota_unavailable');
        throw new GatewayError(
          ErrorCodes.REMOTE_UNREACHABLE,
          'The gateway cannot count calls without an API key now: its shared state (Redis) is unreachable. Retry after 5 s, or send an API key.',
          503,
          { 'retry-after': '5' },
        );
      }
      const [status, remaining, ms, used] = reply;
      const limit = Math.max(1, qps);
      if (status === 1) return limitHeaders({ limit, remaining: Math.max(0, remaining), resetS: Math.ceil(ms / 1000) }, qps, quota, used, this.now());
      if (status === -1) throw this.quotaUsed(quota);
      throw this.rateLimited(qps, Math.max(1, Math.ceil(ms / 1000)), quota, used, lookup);
    }
    return this.inProcess(address, qps, quota, lookup);
  }

  private inProcess(address: string, qps: number, quota: number, lookup: boolean): Record<string, string> {
    const rate = lookup ? this.hashRate : this.rate;
    const day = utcDay(this.now());
    if (this.counts.day !== day) this.counts = { day, used: new Map() };
    const used = this.counts.used.get(address) ?? 0;
    if (quota > 0 && used >= quota) throw this.quotaUsed(quota);
    if (quota > 0 && used === 0 && this.counts.used.size >= this.maxDailyAddresses) throw this.addressesFull(quota);
    const wait = rate.take(address);
    if (wait > 0) throw this.rateLimited(qps, wait, quota, used, lookup);
    if (quota > 0) this.counts.used.set(address, used + 1);
    const limit = Math.max(1, qps);
    const tokens = rate.level(address);
    return limitHeaders({ limit, remaining: Math.floor(tokens), resetS: Math.ceil((limit - tokens) / qps) }, qps, quota, used + (quota > 0 ? 1 : 0), this.now());
  }

  private rateLimited(qps: number, wait: number, quota: number, used: number, lookup: boolean): GatewayError {
    this.onRefused(lookup ? 'hash_rate' : 'rate');
    const noun = lookup ? 'hash look-up' : 'call';
    return new GatewayError(
      ErrorCodes.RATE_LIMITED,
      `Without an API key this address is limited to ${qps} ${noun}${qps === 1 ? '' : 's'} per second: retry after ${wait} s.`,
      429,
      { ...limitHeaders({ limit: Math.max(1, qps), remaining: 0, resetS: wait }, qps, quota, used, this.now()), 'retry-after': String(wait) },
    );
  }

  private addressesFull(quota: number): GatewayError {
    this.onRefused('quota');
    const wait = Math.max(1, Math.ceil((nextMidnight(this.now()).getTime() - this.now()) / 1000));
    return new GatewayError(
      ErrorCodes.RATE_LIMITED,
      `This gateway has taken calls without an API key from ${this.maxDailyAddresses} addresses today, the most it counts; new addresses wait until midnight UTC, in ${Math.ceil(wait / 60)} min: send an API key to go on.`,
      429,
      { ...quotaHeaders(quota, quota, this.now()), 'retry-after': String(wait) },
    );
  }

  private quotaUsed(quota: number): GatewayError {
    this.onRefused('quota');
    const resets = nextMidnight(this.now());
    const wait = Math.max(1, Math.ceil((resets.getTime() - this.now()) / 1000));
    const when = resets.toISOString().replace('.000Z', 'Z');
    return new GatewayError(
      ErrorCodes.RATE_LIMITED,
      `This address has used its ${quota} calls without an API key for today; they reset at ${when} (midnight UTC), in ${Math.ceil(wait / 60)} min: send an API key to go on.`,
      429,
      { ...quotaHeaders(quota, quota, this.now()), 'retry-after': String(wait) },
    );
  }
}
