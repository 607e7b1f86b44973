/**
 * Looking up image_url hosts without letting slow DNS stall the server: a look-up
 * gives up after --dns-timeout and when the request's timeout runs out, at most
 * --max-dns-lookups run at once, and the default resolver asks DNS servers itself
 * (c-ares) instead of taking one of libuv's four threads with getaddrinfo.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createResolver } from '../../../gateway/resolver.js';
import { healthLatency, postJson, startTestGateway } from '../../support/gateway.js';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A UDP port that takes DNS queries and never answers. */
async function silentDns(): Promise<string> {
  const socket: Socket = createSocket('udp4');
  const queries: Buffer[] = [];
  socket.on('message', (message) => queries.push(message));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  closers.push(() => socket.close());
  return `127.0.0.1:${(socket.address() as AddressInfo).port}`;
}

describe('a DNS that never answers', () => {
  it("is given up on when the request's timeout runs out: 4005, and the server keeps answering", async () => {
    const calls: string[] = [];
    const gateway = await startTestGateway([], { resolve: (host) => (calls.push(host), new Promise<string[]>(() => undefined)) });
    closers.push(() => gateway.close());
    const started = performance.now();
    const answer = postJson(gateway.endpoint, { image_url: 'http://never.test/a.jpg', timeout: 3 });
    expect(await healthLatency(gateway.url)).toBeLessThan(500);
    const { status, body } = await answer;
    expect([status, body.code]).toEqual([422, 4005]);
    expect(body.desc).toMatch(/within the request's timeout of 3 s/);
    expect(performance.now() - started).toBeLessThan(4500);
    expect(calls).toEqual(['never.test']);
  }, 15_000);

  it('is given up on after --dns-timeout, and at most --max-dns-lookups run at once', async () => {
    let calls = 0;
    const gateway = await startTestGateway(['--dns-timeout', '1', '--max-dns-lookups', '2'], {
      resolve: () => (calls++, new Promise<string[]>(() => undefined)),
    });
    closers.push(() => gateway.close());
    const started = performance.now();
    const answers = Array.from({ length: 4 }, (_, i) => postJson(gateway.endpoint, { image_url: `http://never-${i}.test/a.jpg`, timeout: 10 }));
    // All four in: two look-ups run and two wait for them, awaited as /healthz shows it rather than after a fixed wait.
    await vi.waitFor(async () => expect((await (await fetch(`${gateway.url}/healthz`)).json()).load.dns).toEqual({ running: 2, queued: 2 }), { timeout: 900, interval: 20 });
    expect(calls).toBe(2);
    for (const { status, body } of await Promise.all(answers)) {
      expect([status, body.code]).toEqual([422, 4005]);
      expect(body.desc).toMatch(/did not answer within 1 s/);
    }
    expect(calls).toBe(4);
    // Two rounds of 1 s, not the request's 10.
    expect(performance.now() - started).toBeLessThan(3500);
  }, 15_000);
});

describe('the default resolver', () => {
  it('gives up on a silent DNS server after its timeout, leaving the thread pool free', async () => {
    const server = await silentDns();
    const resolve = createResolver({ timeoutMs: 800, servers: [server] });
    const started = performance.now();
    const lookups = Array.from({ length: 8 }, (_, i) => resolve(`host-${i}.example`).then(() => 'answered', (e: Error) => e.message));
    // getaddrinfo would hold libuv's 4 threads here, and file reads would wait behind them.
    const readStarted = performance.now();
    await Promise.all(Array.from({ length: 8 }, () => readFile(new URL(import.meta.url))));
    expect(performance.now() - readStarted).toBeLessThan(300);
    for (const outcome of await Promise.all(lookups)) expect(outcome).toMatch(/did not answer within 0\.8 s/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('reads A and AAAA answers from a DNS server', async () => {
    const socket = createSocket('udp4');
    socket.on('message', (query, peer) => {
      // Answer with the question echoed and one record: A 93.184.216.34 or AAAA 2606:2800::1.
      const type = query.readUInt16BE(query.length - 4);
      const rdata = type === 1 ? Buffer.from([93, 184, 216, 34]) : Buffer.from('26062800000000000000000000000001', 'hex');
      const header = Buffer.from(query.subarray(0, 12));
      header.writeUInt16BE(0x8180, 2);
      header.writeUInt16BE(1, 6);
      const answer = Buffer.concat([Buffer.from([0xc0, 0x0c]), Buffer.from([0, type, 0, 1, 0, 0, 0, 60, 0, rdata.length]), rdata]);
      socket.send(Buffer.concat([header, query.subarray(12), answer]), peer.port, peer.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    closers.push(() => socket.close());
    const resolve = createResolver({ timeoutMs: 2000, servers: [`127.0.0.1:${(socket.address() as AddressInfo).port}`] });
    expect(await resolve('images.example')).toEqual(['93.184.216.34', '2606:2800::1']);
  });
});
