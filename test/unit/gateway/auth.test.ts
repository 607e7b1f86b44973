/** API keys and the token bucket, with a clock the test moves by hand. */
import { describe, expect, it } from 'vitest';
import { KeyRing } from '../../../gateway/api-keys.js';
import { RateLimiter } from '../../../gateway/rate-limit.js';
import { GatewayError } from '../../../gateway/responses.js';

const thrown = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error('expected a throw');
};

describe('KeyRing', () => {
  const ring = new KeyRing(['alpha', 'beta']);

  it('names the matching key', () => {
    expect(ring.check('alpha')).toBe(0);
    expect(ring.check('beta')).toBe(1);
  });

  it('refuses missing, wrong, longer and shorter keys with 4015 and HTTP 401', () => {
    for (const key of [null, '', 'gamma', 'alphaa', 'alph', 'ALPHA']) {
      const error = thrown(() => ring.check(key));
      expect([error.code, error.status], String(key)).toEqual(['4015', 401]);
    }
  });
});

describe('RateLimiter', () => {
  it('allows a burst of qps, then refuses with Retry-After until tokens come back', () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    limiter.take(0);
    limiter.take(0);
    const error = thrown(() => limiter.take(0));
    expect([error.code, error.status, error.headers['retry-after']]).toEqual(['4029', 429, '1']);
    now = 499;
    expect(() => limiter.take(0)).toThrow();
    now = 600; // 0.6 s at 2 per second: 1.2 tokens back
    limiter.take(0);
    expect(() => limiter.take(0)).toThrow();
  });

  it('keeps one bucket per key', () => {
    const limiter = new RateLimiter(1, () => 0);
    limiter.take(0);
    expect(() => limiter.take(0)).toThrow();
    limiter.take(1);
  });

  it('never stores more than its burst, and a slow rate asks for a longer wait', () => {
    let now = 0;
    const limiter = new RateLimiter(0.5, () => now);
    limiter.take(0);
    now = 60_000; // a minute idle refills to 1 token, not 30
    limiter.take(0);
    expect(thrown(() => limiter.take(0)).headers['retry-after']).toBe('2');
  });
});
