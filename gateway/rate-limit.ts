/**
 * Rate limits, as token buckets: a key's rate (`qps` tokens a second, holding at
 * most `max(1, qps)`, so a key may burst up to its rate and no further), and the
 * failed key attempts of an address (a bucket per address, so keys cannot be
 * guessed at speed). The key check itself is api-keys.ts's.
 */
import { ErrorCodes } from '../src/errors.js';
import { GatewayError } from './responses.js';

interface Bucket {
  tokens: number;
  updated: number;
}

/**
 * Token buckets by name: `rate` tokens a second, holding at most `capacity`. A
 * full bucket is the same as none, so only a bucket that was taken from is
 * stored, and reading one stores nothing. At most `maxEntries` are kept, in two
 * generations of half as many: when the newer is full it becomes the older and
 * the older is dropped whole, and a bucket taken from moves to the newer. So the
 * buckets least recently taken from go first, every call is O(1) (no scan, no
 * iteration over deleted entries), and the table has a fixed bound however many
 * names (addresses) come.
 */
export class Buckets<K> {
  private newer = new Map<K, Bucket>();
  private older = new Map<K, Bucket>();
  private readonly generation: number;

  constructor(
    private readonly rate: number,
    private readonly capacity: number,
    private readonly now: () => number,
    maxEntries = Number.POSITIVE_INFINITY,
  ) {
    this.generation = Math.max(1, Math.floor(maxEntries / 2));
  }

  /** Buckets stored: those taken from and not yet dropped. */
  get size(): number {
    return this.newer.size + this.older.size;
  }

  /** Tokens `key` holds now, fractions included (a bucket never taken from is full). */
  level(key: K): number {
    const state = this.newer.get(key) ?? this.older.get(key);
    if (!state) return this.capacity;
    return Math.min(this.capacity, state.tokens + ((this.now() - state.updated) / 1000) * this.rate);
  }

  /** Whole seconds until `key` has a token; 0 when it has one now. */
  wait(key: K): number {
    const tokens = this.level(key);
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.rate));
  }

  /** Takes a token if there is one; returns `wait(key)` as it was. */
  take(key: K): number {
    const tokens = this.level(key);
    const wait = tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.rate));
    this.older.delete(key);
    if (!this.newer.has(key) && this.newer.size >= this.generation) {
      this.older = this.newer;
      this.newer = new Map();
    }
    this.newer.set(key, { tokens: wait === 0 ? tokens - 1 : tokens, updated: this.now() });
    return wait;
  }
}

const limited = (message: string, wait: number) =>
  new GatewayError(ErrorCodes.RATE_LIMITED, `${message}: retry after ${wait} s.`, 429, { 'retry-after': String(wait) });

/** A key's bucket after a request was let through: what the RateLimit-* headers say. */
export interface RateState {
  /** The burst: tokens a full bucket holds. */
  limit: number;
  remaining: number;
  /** Whole seconds until the bucket is full again. */
  resetS: number;
}

export class RateLimiter {
  private readonly buckets: Buckets<number>;
  readonly capacity: number;

  /** `now` in milliseconds; injectable so tests can drive time. */
  constructor(
    private readonly qps: number,
    now: () => number = () => performance.now(),
    private readonly what = 'request',
  ) {
    this.capacity = Math.max(1, qps);
    this.buckets = new Buckets(qps, this.capacity, now);
  }

  /** Takes a token for `bucket`; throws 4029 with Retry-After (whole seconds) when none is left. */
  take(bucket: number): RateState {
    const wait = this.buckets.take(bucket);
    if (wait > 0) throw limited(`This API key is limited to ${this.qps} ${this.what}${this.qps === 1 ? '' : 's'} per second`, wait);
    const tokens = this.buckets.level(bucket);
    return { limit: this.capacity, remaining: Math.floor(tokens), resetS: Math.ceil((this.capacity - tokens) / this.qps) };
  }
}

/** Addresses with failed key attempts the gateway keeps count of at most (about 100 bytes each). */
export const MAX_FAILING_ADDRESSES = 50_000;

/**
 * Failed key attempts per address: `perMinute` of them, all at once if need be,
 * coming back at `perMinute` a minute. An address that has used them up is
 * answered 4029 before its key is even compared, right key or not, so guessing
 * keys from one address gets `perMinute` answers a minute. Only addresses that
 * failed are counted, the most recent `maxAddresses` of them, in O(1) a request:
 * a flood of new addresses costs a fixed amount of memory and no scan (one that
 * rotates through more than that many can be forgotten, but then each of its
 * addresses still gets only `perMinute` tries).
 */
export class FailureLimiter {
  private readonly buckets: Buckets<string>;

  constructor(perMinute: number, now: () => number = () => performance.now(), maxAddresses = MAX_FAILING_ADDRESSES) {
    this.buckets = new Buckets(perMinute / 60, perMinute, now, maxAddresses);
  }

  /** Addresses counted now. */
  get tracked(): number {
    return this.buckets.size;
  }

  /** Throws 4029 with Retry-After when `address` has no failed attempt left. */
  check(address: string): void {
    const wait = this.buckets.wait(address);
    if (wait > 0) throw limited('Too many failed API key attempts from this address', wait);
  }

  /** Counts a failed attempt against `address`. */
  failed(address: string): void {
    this.buckets.take(address);
  }
}
