/**
 * Who a request is from, and what the gateway keeps per address:
 * - F4: behind a trusted proxy, only the header the operator names decides the
 *   client's address (`--proxy-header`, `--proxy-hops`); a client rotating the
 *   other one, or the entries it wrote itself, changes nothing.
 * - F5: the failed-key table is bounded: after 100,000 new addresses it holds
 *   no more than its bound (and no fewer than half). That each request is O(1)
 *   is auth.ts's Buckets (no loop); the per-chunk times are printed, not asserted:
 *   speed is measured in benchmarks, never asserted in a test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FailureLimiter, MAX_FAILING_ADDRESSES } from '../../../gateway/rate-limit.js';
import { readConfig } from '../../../gateway/config.js';
import { createLogger } from '../../../gateway/request-log.js';
import { postJson, startTestGateway } from '../../support/gateway.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function behindProxy(flags: string[]) {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  const gateway = await startTestGateway(['--trust-proxy', '127.0.0.1/32', '--auth-failures', '10', ...flags], { logger });
  closers.push(() => gateway.close());
  return { gateway, clients: () => new Set(lines.map((line) => JSON.parse(line).client as string).filter(Boolean)) };
}

/** 30 wrong keys from one client, each with an X-Forwarded-For of the client's own making. */
async function guess(endpoint: string, headers: (i: number) => Record<string, string>) {
  const codes: number[] = [];
  for (let i = 0; i < 30; i++) codes.push((await postJson(endpoint, {}, `wrong-${i}`, headers(i))).body.code);
  return codes;
}
const rotated = (i: number) => `203.0.113.${i + 1}`;

describe('F4: the one header the operator names', () => {
  it('x-real-ip: a client rotating X-Forwarded-For is still one address, and is stopped after 10 failures', async () => {
    const { gateway, clients } = await behindProxy(['--proxy-header', 'x-real-ip']);
    // The proxy sets X-Real-IP and passes the client's own X-Forwarded-For through.
    const codes = await guess(gateway.endpoint, (i) => ({ 'x-real-ip': '198.51.100.7', 'x-forwarded-for': rotated(i) }));
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(4015));
    expect(codes.slice(10)).toEqual(Array(20).fill(4029));
    expect([...clients()]).toEqual(['198.51.100.7']);
  });

  it('x-forwarded-for: only the entry the proxy appended counts, with --proxy-hops for a chain', async () => {
    const one = await behindProxy(['--proxy-header', 'x-forwarded-for']);
    // What the client wrote comes first; the proxy appends the address it saw.
    const codes = await guess(one.gateway.endpoint, (i) => ({ 'x-forwarded-for': `${rotated(i)}, 198.51.100.8`, 'x-real-ip': rotated(i) }));
    expect(codes.filter((c) => c === 4029)).toHaveLength(20);
    expect([...one.clients()]).toEqual(['198.51.100.8']);

    // Two proxies: the client is the second entry from the end; the last is the first proxy.
    const two = await behindProxy(['--proxy-header', 'x-forwarded-for', '--proxy-hops', '2']);
    await guess(two.gateway.endpoint, (i) => ({ 'x-forwarded-for': `${rotated(i)}, 198.51.100.9, 10.0.0.2` }));
    expect([...two.clients()]).toEqual(['198.51.100.9']);
  });

  it('the header must be named: --trust-proxy alone, or a header other than the two, stops the server at start', () => {
    expect(() => readConfig(['--keys', 'a', '--trust-proxy', '127.0.0.1/32'])).toThrow(/--trust-proxy needs --proxy-header/);
    expect(() => readConfig(['--keys', 'a', '--trust-proxy', '127.0.0.1/32', '--proxy-header', 'forwarded'])).toThrow(/must be x-forwarded-for or x-real-ip/);
    expect(() => readConfig(['--keys', 'a', '--trust-proxy', '127.0.0.1/32', '--proxy-header', 'x-real-ip', '--proxy-hops', '2'])).toThrow(/--proxy-hops counts X-Forwarded-For/);
    expect(() => readConfig(['--keys', 'a', '--proxy-header', 'x-real-ip'])).toThrow(/--proxy-header needs --trust-proxy/);
  });
});

describe('F5: the failed-key table', () => {
  it('takes 100,000 new addresses and holds at most its bound', () => {
    const limiter = new FailureLimiter(10);
    const chunk = 10_000;
    const costs: number[] = [];
    for (let c = 0; c < 10; c++) {
      const started = performance.now();
      for (let i = c * chunk; i < (c + 1) * chunk; i++) {
        const address = `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;
        limiter.check(address);
        limiter.failed(address);
      }
      costs.push(performance.now() - started);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratio = median(costs.slice(-3)) / median(costs.slice(1, 4));
    console.log(`failed-key table: 100,000 addresses, ${costs.map((c) => c.toFixed(1)).join(' / ')} ms per 10,000; last/first ratio ${ratio.toFixed(2)}; ${limiter.tracked} kept`);
    expect(limiter.tracked).toBeLessThanOrEqual(MAX_FAILING_ADDRESSES);
    expect(limiter.tracked).toBeGreaterThanOrEqual(MAX_FAILING_ADDRESSES / 2);
  });

  it('an address that has used its attempts stays refused while it keeps failing, whatever else comes', () => {
    let now = 0;
    const limiter = new FailureLimiter(10, () => now, 100);
    for (let i = 0; i < 10; i++) limiter.failed('198.51.100.1');
    expect(() => limiter.check('198.51.100.1')).toThrow(/Too many failed API key attempts/);
    // Checking addresses that never failed stores nothing.
    for (let i = 0; i < 1000; i++) limiter.check(`203.0.113.${i % 250}`);
    expect(limiter.tracked).toBe(1);
    now += 6_000; // one attempt comes back every 6 s
    expect(() => limiter.check('198.51.100.1')).not.toThrow();
  });
});
