/**
 * API keys and the per-key rate limit. Keys are compared by their SHA-256 in
 * constant time, so neither a key's length nor its first differing byte shows in
 * the response time. The limit is a token bucket per key: `qps` tokens a second,
 * holding at most `max(1, qps)`, so a key may burst up to its rate and no further.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCodes } from '../src/errors.js';
import { GatewayError } from './responses.js';

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

export class KeyRing {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** The matching key's index (the rate limiter's bucket), or a 4015 error. */
  check(key: string | null): number {
    if (!key) {
      throw new GatewayError(
        ErrorCodes.BAD_API_KEY,
        'An API key is required: send it in the X-Api-Key header or as the apikey query or form parameter.',
        401,
        { 'www-authenticate': 'ApiKey header="X-Api-Key", query="apikey"' },
      );
    }
    const candidate = digest(key);
    let match = -1;
    // Compare with every key, not stopping at a match, so timing says nothing about which.
    this.digests.forEach((known, index) => {
      if (timingSafeEqual(known, candidate) && match < 0) match = index;
    });
    if (match < 0) {
      throw new GatewayError(ErrorCodes.BAD_API_KEY, 'The API key is not valid for this gateway.', 401, {
        'www-authenticate': 'ApiKey header="X-Api-Key", query="apikey"',
      });
    }
    return match;
  }
}

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  private readonly buckets = new Map<number, Bucket>();
  private readonly capacity: number;

  /** `now` in milliseconds; injectable so tests can drive time. */
  constructor(
    private readonly qps: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = Math.max(1, qps);
  }

  /** Takes a token for `bucket`; throws 4029 with Retry-After (whole seconds) when none is left. */
  take(bucket: number): void {
    const now = this.now();
    const state = this.buckets.get(bucket) ?? { tokens: this.capacity, updated: now };
    state.tokens = Math.min(this.capacity, state.tokens + ((now - state.updated) / 1000) * this.qps);
    state.updated = now;
    this.buckets.set(bucket, state);
    if (state.tokens >= 1) {
      state.tokens -= 1;
      return;
    }
    const wait = Math.max(1, Math.ceil((1 - state.tokens) / this.qps));
    throw new GatewayError(
      ErrorCodes.RATE_LIMITED,
      `This API key is limited to ${this.qps} request${this.qps === 1 ? '' : 's'} per second: retry after ${wait} s.`,
      429,
      { 'retry-after': String(wait) },
    );
  }
}
