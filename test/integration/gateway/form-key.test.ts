/**
 * What a request costs before its key is known, against real gateways on
 * loopback: a form with no key in the header or query is read only as far as its
 * `apikey` field, which must come before the image; forms have a bounded number
 * of fields; and connections are capped in all and per address before a body is read.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { answerOf, healthLatency, heldPost, imageBytes, KEY, postJson, startTestGateway } from '../../support/gateway.js';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
async function start(...args: Parameters<typeof startTestGateway>) {
  const gateway = await startTestGateway(...args);
  closers.push(() => gateway.close());
  return gateway;
}
const photo = () => imageBytes('square-500x500.webp').toString('base64');
const FORM = 'application/x-www-form-urlencoded';
const MB14 = 14 * 1024 * 1024;

describe('a form with no key in the header or query', () => {
  it('is refused 4015 after its first few KB, without waiting for the rest of a 14 MB body', async () => {
    const gateway = await start([], { model: null });
    const started = performance.now();
    const held = heldPost(gateway.endpoint, { 'content-type': FORM, 'content-length': MB14 }, Buffer.from('a&'.repeat(32 * 1024)));
    closers.push(held.abort);
    const answer = await held.answer;
    expect([answer.status, answer.body.code]).toEqual([401, 4015]);
    expect(answer.body.desc).toMatch(/before the image/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('is served when apikey is its first field, urlencoded or multipart, however large the image after it', async () => {
    const gateway = await start();
    const big = imageBytes('large-1920x1080.jpg');
    const form = await fetch(gateway.endpoint, { method: 'POST', body: new URLSearchParams({ apikey: KEY, image_b64: big.toString('base64') }) });
    expect(form.status).toBe(200);
    const multipart = new FormData();
    multipart.set('apikey', KEY);
    multipart.set('timeout', '10');
    multipart.set('image', new Blob([big], { type: 'image/jpeg' }), 'big.jpg');
    const upload = await answerOf(await fetch(gateway.endpoint, { method: 'POST', body: multipart }));
    expect([upload.status, upload.body.input.type]).toEqual([200, 'file']);
  });

  it('is refused 4015 when apikey comes after the image, saying where to put it', async () => {
    const gateway = await start();
    const late = new URLSearchParams({ image_b64: photo(), apikey: KEY });
    const answer = await answerOf(await fetch(gateway.endpoint, { method: 'POST', body: late }));
    expect([answer.status, answer.body.code]).toEqual([401, 4015]);
    expect(answer.body.desc).toMatch(/X-Api-Key header.*before the image/);
    const multipart = new FormData();
    multipart.set('image', new Blob([imageBytes('square-500x500.webp')]), 'a.webp');
    multipart.set('apikey', KEY);
    expect((await fetch(gateway.endpoint, { method: 'POST', body: multipart })).status).toBe(401);
  });

  it('does not stall the server: two 14 MB bodies of "a&" leave /healthz answering within 1 s', async () => {
    const gateway = await start([], { model: null });
    const body = Buffer.from('a&'.repeat(MB14 / 2));
    const sends = [0, 1].map(() => heldPost(gateway.endpoint, { 'content-type': FORM, 'content-length': body.length }, body, { end: true }));
    sends.forEach((s) => closers.push(s.abort));
    const latencies: number[] = [];
    const answers = Promise.all(sends.map((s) => s.answer.catch(() => null)));
    for (let i = 0; i < 10; i++) {
      latencies.push(await healthLatency(gateway.url));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const answer of await answers) if (answer) expect(answer.status).toBe(401);
    expect(Math.max(...latencies)).toBeLessThan(1000);
  }, 30_000);
});

describe('--max-form-fields', () => {
  it('refuses a form or upload with more fields than the limit (default 32) with 4000', async () => {
    const gateway = await start();
    const many = new URLSearchParams({ image_b64: photo() });
    for (let i = 0; i < 40; i++) many.append(`extra${i}`, 'x');
    const form = await answerOf(await fetch(`${gateway.endpoint}?apikey=${KEY}`, { method: 'POST', body: many }));
    expect([form.status, form.body.code]).toEqual([400, 4000]);
    expect(form.body.desc).toMatch(/more than 32 fields/);
    const multipart = new FormData();
    for (let i = 0; i < 40; i++) multipart.append(`extra${i}`, 'x');
    multipart.set('image', new Blob([imageBytes('square-500x500.webp')]), 'a.webp');
    const upload = await answerOf(await fetch(gateway.endpoint, { method: 'POST', headers: { 'x-api-key': KEY }, body: multipart }));
    expect([upload.status, upload.body.code]).toEqual([400, 4000]);
    // At the limit, a form is served.
    const few = new URLSearchParams({ image_b64: photo() });
    for (let i = 0; i < 31; i++) few.append(`extra${i}`, 'x');
    expect((await fetch(`${gateway.endpoint}?apikey=${KEY}`, { method: 'POST', body: few })).status).toBe(200);
  });
});

/** Opens `n` idle connections (no request on them yet). */
async function idle(url: string, n: number, localAddress?: string): Promise<Socket[]> {
  const { hostname, port } = new URL(url);
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port), localAddress }, () => resolve(socket));
      socket.on('error', reject);
    })),
  );
  closers.push(() => sockets.forEach((s) => s.destroy()));
  await new Promise((resolve) => setTimeout(resolve, 50));
  return sockets;
}

describe('connection limits', () => {
  it('answers 4029 with Retry-After past --max-connections-per-address, before reading the body, and other addresses are served', async () => {
    const gateway = await start(['--max-connections-per-address', '2']);
    const sockets = await idle(gateway.url, 2);
    const refused = await postJson(gateway.endpoint, { image_b64: photo() });
    expect([refused.status, refused.body.code]).toEqual([429, 4029]);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = heldPost(gateway.endpoint, { 'content-type': 'application/json', 'x-api-key': KEY }, Buffer.from(JSON.stringify({ image_b64: photo() })), {
      end: true,
      localAddress: '127.0.0.2',
    });
    expect((await other.answer).status).toBe(200);
    sockets[0]!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await postJson(gateway.endpoint, { image_b64: photo() })).status).toBe(200);
  });

  it('answers 5024 (HTTP 503) with Retry-After past --max-connections', async () => {
    const gateway = await start(['--max-connections', '2']);
    await idle(gateway.url, 2, '127.0.0.3');
    const refused = await postJson(gateway.endpoint, { image_b64: photo() });
    expect([refused.status, refused.body.code]).toEqual([503, 5024]);
    expect(refused.body.desc).toMatch(/busy/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
