/**
 * The gateway server under 200 concurrent requests from a second process on
 * loopback: none lost, none mixed up (each answer is for its own image, by
 * SHA-256), and with the default rate limit, the excess answered 4029 with
 * Retry-After rather than dropped.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from '../test/browser/fixtures.js';
import { KEY, startTestGateway } from '../test/support/gateway.js';
import { recordGroup } from './record.js';

const run = promisify(execFile);
const N = 200;
const IMAGE = 'test/.cache/images/landscape-640x480.jpg';

async function load(endpoint: string) {
  const { stdout } = await run(process.execPath, ['reliability/load.mjs', endpoint, KEY, String(N), IMAGE], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as { i: number; status: number; code?: number; decision?: string; sent?: string; sha256?: string; retryAfter?: string | null }[];
}

test(`gateway: ${N} concurrent requests, unthrottled and at the default rate limit`, async () => {
  const open = await startTestGateway(['--qps', '1000']);
  const limited = await startTestGateway(['--qps', '2']);
  try {
    const all = await load(open.endpoint);
    const right = all.filter((a) => a.status === 200 && a.code === 200 && a.sha256 === a.sent && a.decision === 'block');
    const failures = all.filter((a) => !right.includes(a)).map((a) => `request ${a.i}: ${JSON.stringify(a)}`);
    recordGroup('gateway-concurrent', { tried: N, passed: right.length, failures });

    const burst = await load(limited.endpoint);
    const served = burst.filter((a) => a.status === 200 && a.sha256 === a.sent);
    const refused = burst.filter((a) => a.status === 429 && a.code === 4029 && Number(a.retryAfter) >= 1);
    const limitedOk = served.length + refused.length === N && served.length >= 1 && served.length <= 4;
    recordGroup('gateway-rate-limit', {
      tried: N,
      passed: limitedOk ? N : served.length + refused.length,
      details: { served: served.length, refused_4029: refused.length },
      failures: limitedOk ? [] : [`${served.length} served, ${refused.length} refused with 4029 of ${N}`],
    });
    console.log(`gateway: ${right.length}/${N} right unthrottled; at 2 req/s ${served.length} served, ${refused.length} refused with 4029 + Retry-After`);
    expect(failures).toEqual([]);
    expect(limitedOk).toBe(true);
  } finally {
    await open.close();
    await limited.close();
  }
});
