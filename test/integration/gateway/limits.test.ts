/**
 * What protects the gateway, against a real server on loopback: API keys from
 * each place the image-nsfw gateway API allows, the per-key rate limit under a
 * burst, the body limit (declared and streamed), and CORS.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { answerOf, heldPost, imageBytes, KEY, OTHER_KEY, postJson, startTestGateway } from '../../support/gateway.js';

const gateways: { close(): Promise<void> }[] = [];
async function start(...args: Parameters<typeof startTestGateway>) {
  const gateway = await startTestGateway(...args);
  gateways.push(gateway);
  return gateway;
}
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

const photo = () => imageBytes('square-500x500.webp').toString('base64');

describe('API keys', () => {
  it('takes the key from X-Api-Key, the apikey query parameter or an apikey form field', async () => {
    const gateway = await start();
    expect((await postJson(gateway.endpoint, { image_b64: photo() })).status).toBe(200);
    expect((await postJson(`${gateway.endpoint}?apikey=${OTHER_KEY}`, { image_b64: photo() }, null)).status).toBe(200);
    const form = await fetch(gateway.endpoint, { method: 'POST', body: new URLSearchParams({ apikey: KEY, image_b64: photo() }) });
    expect(form.status).toBe(200);
  });

  it('answers 4015 (HTTP 401) for a missing or wrong key, wherever it was looked for', async () => {
    const gateway = await start();
    const cases = [
      await postJson(gateway.endpoint, { image_b64: photo() }, null),
      await postJson(gateway.endpoint, { image_b64: photo() }, 'wrong'),
      await postJson(`${gateway.endpoint}?apikey=wrong`, { image_b64: photo() }, null),
      // JSON bodies carry no key: the image-nsfw gateway API puts it in the header, query or form.
      await postJson(gateway.endpoint, { image_b64: photo(), apikey: KEY }, null),
      await answerOf(await fetch(gateway.endpoint, { method: 'POST', body: new URLSearchParams({ apikey: 'wrong', image_b64: photo() }) })),
      await answerOf(await fetch(gateway.endpoint, { method: 'POST', body: new URLSearchParams({ image_b64: photo() }) })),
      // Without a key, a body that cannot be a form is refused before its Content-Type is judged.
      await answerOf(await fetch(gateway.endpoint, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })),
    ];
    for (const answer of cases) {
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe(4015);
      expect(answer.headers.get('www-authenticate')).toContain('X-Api-Key');
    }
  });
});

describe('failed key attempts', () => {
  const fromAddress = (endpoint: string, key: string, localAddress?: string) =>
    heldPost(endpoint, { 'content-type': 'application/json', 'x-api-key': key }, Buffer.from('{}'), { end: true, localAddress }).answer;

  it('answers 4029 with Retry-After once an address has spent --auth-failures (default 10), right keys included, other addresses unaffected', async () => {
    const gateway = await start();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => fromAddress(gateway.endpoint, `wrong-${i}`)));
    const unauthorised = answers.filter((a) => a.status === 401 && a.body.code === 4015);
    const limited = answers.filter((a) => a.status === 429 && a.body.code === 4029);
    expect(unauthorised.length).toBe(10);
    expect(limited.length).toBe(30);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited[0]!.body.desc).toMatch(/failed API key attempts/);
    // A right key from the same address learns nothing until the bucket refills...
    expect((await fromAddress(gateway.endpoint, KEY)).status).toBe(429);
    // ...while another address is answered as usual.
    expect((await fromAddress(gateway.endpoint, KEY, '127.0.0.2')).status).toBe(400);
    expect((await fromAddress(gateway.endpoint, 'wrong', '127.0.0.2')).status).toBe(401);
  });

  it('refills at --auth-failures a minute', async () => {
    const gateway = await start(['--auth-failures', '120']);
    const answers = await Promise.all(Array.from({ length: 121 }, () => fromAddress(gateway.endpoint, 'wrong')));
    expect(answers.filter((a) => a.status === 429)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // 2 a second come back
    expect((await fromAddress(gateway.endpoint, 'wrong')).status).toBe(401);
  });
});

describe('rate limit', () => {
  it('lets a burst of 2 per key through at --qps 2 and refuses the rest with 4029 and Retry-After', async () => {
    const gateway = await start(['--qps', '2']);
    const started = performance.now();
    // Cheap requests (no image: 4000 after the limiter) so the burst lands within milliseconds.
    const answers = await Promise.all(Array.from({ length: 8 }, () => postJson(gateway.endpoint, {})));
    const seconds = (performance.now() - started) / 1000;
    const passed = answers.filter((a) => a.status === 400);
    const limited = answers.filter((a) => a.status === 429);
    expect(passed.length + limited.length).toBe(8);
    expect(passed.length).toBeGreaterThanOrEqual(2);
    expect(passed.length).toBeLessThanOrEqual(2 + Math.floor(seconds * 2));
    for (const answer of limited) {
      expect(answer.body.code).toBe(4029);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Another key has its own bucket.
    expect((await postJson(gateway.endpoint, {}, OTHER_KEY)).status).toBe(400);
    // After Retry-After, the key is served again.
    await new Promise((resolve) => setTimeout(resolve, Number(limited.at(-1)!.headers.get('retry-after')) * 1000));
    expect((await postJson(gateway.endpoint, {})).status).toBe(400);
  });
});

/** A raw request, so the test controls Content-Length and chunking. */
function rawPost(url: string, body: Buffer, headers: Record<string, string | number>) {
  return new Promise<{ status: number; body: Record<string, any>; connection: string | undefined }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()), connection: res.headers.connection }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('body limit', () => {
  it('refuses a declared Content-Length over --max-body with 4004 (HTTP 413) and closes the connection', async () => {
    const gateway = await start(['--max-body', '1kb']);
    const body = Buffer.from(JSON.stringify({ image_b64: 'A'.repeat(4000) }));
    const answer = await rawPost(gateway.endpoint, body, { 'content-type': 'application/json', 'x-api-key': KEY, 'content-length': body.length });
    expect(answer).toMatchObject({ status: 413, body: { code: 4004 }, connection: 'close' });
    expect(answer.body.desc).toContain('1024 bytes');
  });

  it('counts a chunked body as it streams and refuses it past the limit', async () => {
    const gateway = await start(['--max-body', '1kb']);
    const body = Buffer.from(JSON.stringify({ image_b64: 'A'.repeat(4000) }));
    const answer = await rawPost(gateway.endpoint, body, { 'content-type': 'application/json', 'x-api-key': KEY, 'transfer-encoding': 'chunked' });
    expect(answer).toMatchObject({ status: 413, body: { code: 4004 } });
    // The same body under the limit goes through to the next check.
    const small = Buffer.from(JSON.stringify({ image_b64: 'A'.repeat(100) }));
    const ok = await rawPost(gateway.endpoint, small, { 'content-type': 'application/json', 'x-api-key': KEY, 'transfer-encoding': 'chunked' });
    expect(ok.body.code).not.toBe(4004);
  });

  it('shrugs off a client that goes away mid-body: nothing logged as a bug, the next request served', async () => {
    const logged: string[] = [];
    const gateway = await start([], { log: (line) => logged.push(line) });
    await new Promise<void>((resolve) => {
      const req = request(gateway.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEY, 'content-length': 100_000 },
      });
      req.on('error', () => resolve());
      req.write('{"image_b64": "AAAA');
      setTimeout(() => req.destroy(), 100);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await postJson(gateway.endpoint, { image_b64: photo() })).status).toBe(200);
    expect(logged).toEqual([]);
  });

  it('answers a 200 MB upload at once and closes without reading it', async () => {
    const gateway = await start(['--max-body', '1mb'], { model: null });
    const size = 200 * 1024 * 1024;
    let sent = 0;
    const answer = await new Promise<{ status: number; code: number }>((resolve, reject) => {
      const req = request(gateway.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEY, 'content-length': size },
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, code: JSON.parse(Buffer.concat(chunks).toString()).code }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const pump = () => {
        while (sent < size && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!req.destroyed) req.end();
      };
      pump();
    });
    expect(answer).toEqual({ status: 413, code: 4004 });
    expect(sent).toBeLessThan(size);
  });
});

describe('CORS', () => {
  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-api-key, x-trace' },
    });

  it('sends no CORS headers by default', async () => {
    const gateway = await start();
    const response = await preflight(gateway.endpoint, 'https://app.example');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const post = await postJson(gateway.endpoint, { image_b64: photo() }, KEY, { origin: 'https://app.example' });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows listed origins only, on the preflight and the answer, exposing Retry-After', async () => {
    const gateway = await start(['--cors-origins', 'https://app.example,http://localhost:5173']);
    const allowed = await preflight(gateway.endpoint, 'https://app.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type, x-api-key, x-trace');
    expect(allowed.headers.get('vary')).toBe('Origin');
    const refused = await preflight(gateway.endpoint, 'https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const post = await postJson(gateway.endpoint, {}, null, { origin: 'https://app.example' });
    expect(post.status).toBe(401); // errors carry CORS headers too, so a page can read why
    expect(post.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(post.headers.get('access-control-expose-headers')).toBe('Retry-After');
  });

  it('allows any origin with *', async () => {
    const gateway = await start(['--cors-origins', '*']);
    const response = await preflight(gateway.endpoint, 'https://anywhere.example');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });
});
