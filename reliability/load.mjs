// @ts-check
/**
 * A second process that loads the gateway: N requests at once, each with its own
 * image (one JPEG with N different tails after its end marker: still valid, each
 * with its own SHA-256). Prints one JSON line per answer: { i, status, code, sha256, retryAfter }.
 *
 *   node reliability/load.mjs ENDPOINT KEY N IMAGE
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [endpoint, key, count, image] = process.argv.slice(2);
const base = readFileSync(/** @type {string} */ (image));
const n = Number(count);
const variants = Array.from({ length: n }, (_, i) => Buffer.concat([base, Buffer.from(`veil-load-${i}`)]));
const answers = await Promise.all(
  variants.map(async (bytes, i) => {
    try {
      const response = await fetch(/** @type {string} */ (endpoint), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': /** @type {string} */ (key) },
        body: JSON.stringify({ image_b64: bytes.toString('base64'), backend: 'nudenet', timeout: 60 }),
      });
      const body = await response.json();
      return {
        i,
        status: response.status,
        code: body.code,
        decision: body.decision,
        sent: createHash('sha256').update(bytes).digest('hex'),
        sha256: body.input?.sha256,
        retryAfter: response.headers.get('retry-after'),
      };
    } catch (error) {
      return { i, status: 0, error: String(error) };
    }
  }),
);
process.stdout.write(JSON.stringify(answers));
