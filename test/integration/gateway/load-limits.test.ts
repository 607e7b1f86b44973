/**
 * What one key holder can make the gateway do at once, against real gateways on
 * loopback with a nudenet backend held back by the test: requests in flight per
 * key and in all are capped (4029 and 5024, both with Retry-After), the queue's
 * depth shows on /healthz, and a refusal leaves the other requests alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createNudenet } from '../../../gateway/nudenet.js';
import { imageBytes, KEY, OTHER_KEY, postJson, startTestGateway, type Answer } from '../../support/gateway.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A gateway whose model answers only when the test says so. */
async function startHeld(flags: string[]) {
  const waiting: (() => void)[] = [];
  const output = new Float32Array(22 * 2100); // no detections
  const nudenet = createNudenet('held.onnx', 320, () => new Promise((resolve) => waiting.push(() => resolve(output))), async () => undefined);
  const gateway = await startTestGateway(flags, { nudenet });
  closers.push(() => gateway.close());
  const releaseAll = async () => {
    while (waiting.length || (await health(gateway.url)).load.in_flight > 0) {
      waiting.splice(0).forEach((release) => release());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { gateway, releaseAll };
}

const health = async (url: string) => (await fetch(`${url}/healthz`)).json() as Promise<Record<string, any>>;
const image_b64 = imageBytes('portrait-480x640.png').toString('base64');

/** Waits until /healthz shows `n` requests in flight, and `queued` of them waiting for the model if given. */
async function untilInFlight(url: string, n: number, queued?: number): Promise<Record<string, any>> {
  for (let i = 0; i < 200; i++) {
    const body = await health(url);
    if (body.load?.in_flight === n && (queued === undefined || body.load.inference.queued === queued)) return body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never ${n} in flight: ${JSON.stringify(await health(url))}`);
}

describe('requests in flight', () => {
  it('caps one key at --max-in-flight-per-key with 4029 and Retry-After, leaving other keys served', async () => {
    const { gateway, releaseAll } = await startHeld(['--max-in-flight-per-key', '2']);
    const pending: Promise<Answer>[] = [postJson(gateway.endpoint, { image_b64 }), postJson(gateway.endpoint, { image_b64 })];
    await untilInFlight(gateway.url, 2);
    const refused = await postJson(gateway.endpoint, { image_b64 });
    expect([refused.status, refused.body.code]).toEqual([429, 4029]);
    expect(refused.body.desc).toMatch(/2 requests at once/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    pending.push(postJson(gateway.endpoint, { image_b64 }, OTHER_KEY));
    const shown = await untilInFlight(gateway.url, 3, 2);
    expect(shown.load).toMatchObject({ in_flight: 3, inference: { running: 1, queued: 2 } });
    await releaseAll();
    for (const answer of await Promise.all(pending)) expect(answer.status).toBe(200);
    expect((await health(gateway.url)).load).toMatchObject({ in_flight: 0, inference: { running: 0, queued: 0 } });
  });

  it('caps keyless calls per address, so one address cannot take every keyless caller\'s share', async () => {
    const flags = ['--max-in-flight-per-key', '2', '--anonymous-daily', '100', '--anonymous-qps', '1000', '--trust-proxy', '127.0.0.1/32', '--proxy-header', 'x-forwarded-for'];
    const { gateway, releaseAll } = await startHeld(flags);
    const from = (address: string) => postJson(gateway.endpoint, { image_b64 }, null, { 'x-forwarded-for': address });
    const pending: Promise<Answer>[] = [from('203.0.113.7'), from('203.0.113.7')];
    await untilInFlight(gateway.url, 2);
    const refused = await from('203.0.113.7');
    expect([refused.status, refused.body.code]).toEqual([429, 4029]);
    expect(refused.body.desc).toBe('This address already has 2 requests at once, the most this gateway takes from one address without a key: retry after 1 s, or once one is answered.');
    // Another keyless address is still admitted, and so is a key.
    pending.push(from('198.51.100.9'), postJson(gateway.endpoint, { image_b64 }));
    await untilInFlight(gateway.url, 4);
    await releaseAll();
    for (const answer of await Promise.all(pending)) expect(answer.status).toBe(200);
  });

  it('caps all keys together at --max-in-flight with 5024 (HTTP 503) and Retry-After', async () => {
    const { gateway, releaseAll } = await startHeld(['--max-in-flight', '2']);
    const pending = [postJson(gateway.endpoint, { image_b64 }), postJson(gateway.endpoint, { image_b64 }, OTHER_KEY)];
    await untilInFlight(gateway.url, 2);
    const refused = await postJson(gateway.endpoint, { image_b64 }, OTHER_KEY);
    expect([refused.status, refused.body.code]).toEqual([503, 5024]);
    expect(refused.body.desc).toMatch(/busy/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await releaseAll();
    for (const answer of await Promise.all(pending)) expect(answer.status).toBe(200);
    // The slots are given back: the next request is served.
    const next = postJson(gateway.endpoint, { image_b64 }, OTHER_KEY);
    await untilInFlight(gateway.url, 1);
    await releaseAll();
    expect((await next).status).toBe(200);
  });

  it('shows decoding and inference on /healthz', async () => {
    const { gateway } = await startHeld([]);
    const body = await health(gateway.url);
    expect(body).toMatchObject({
      status: 'ok',
      load: { connections: expect.any(Number), in_flight: 0, decoding: { running: 0, queued: 0 }, inference: { running: 0, queued: 0 }, dns: { running: 0, queued: 0 } },
    });
  });
});
