/**
 * The key check: which of the gateway's API keys a request carries. Keys are
 * compared by their SHA-256 in constant time, so neither a key's length nor its
 * first differing byte shows in the response time. What a key may then do (its
 * rate, and the failed attempts of an address) is rate-limit.ts's.
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

  /**
   * The matching key's index (the rate limiter's bucket), or a 4015 error; `where`
   * says where a missing key belongs when that differs from the usual places.
   */
  check(key: string | null, where = 'in the X-Api-Key header or as the apikey query or form parameter'): number {
    if (!key) {
      throw new GatewayError(ErrorCodes.BAD_API_KEY, `An API key is required: send it ${where}.`, 401, {
        'www-authenticate': 'ApiKey header="X-Api-Key", query="apikey"',
      });
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
