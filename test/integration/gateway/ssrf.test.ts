/**
 * image_url downloads against real gateways and a loopback image host: every
 * non-public address refused in every spelling, before and after redirects;
 * DNS answers checked and pinned; size, time and content checked. Tests fetch
 * from loopback only through the test-only --allow-private-urls exemption, and
 * check that without it loopback is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startImageHost, startTestGateway, type ImageHost } from '../../support/gateway.js';

let host: ImageHost;
let strict: Awaited<ReturnType<typeof startTestGateway>>;
let exempt: Awaited<ReturnType<typeof startTestGateway>>;
const lookups: string[] = [];
/** Plays DNS for *.test names; anything else goes to the system resolver through `localhost` only. */
const DNS: Record<string, string[]> = {
  'pinned.test': ['127.0.0.1'],
  'evil.test': ['127.0.0.1'],
  'mixed.test': ['93.184.216.34', '10.0.0.7'],
  'v6-loop.test': ['::1'],
  'meta.test': ['169.254.169.254'],
};
const resolve = async (name: string) => {
  lookups.push(name);
  if (name === 'localhost') return ['127.0.0.1', '::1'];
  const answer = DNS[name];
  if (!answer) throw new Error(`ENOTFOUND ${name}`);
  return answer;
};

beforeAll(async () => {
  host = await startImageHost();
  strict = await startTestGateway([], { resolve });
  exempt = await startTestGateway(['--allow-private-urls', '127.0.0.1/32', '--max-image', '300kb'], { resolve });
});
afterAll(async () => {
  await Promise.all([host.close(), strict.close(), exempt.close()]);
});

const port = () => new URL(host.url).port;
const detectUrl = (gateway: typeof strict, image_url: string, extra: Record<string, unknown> = {}) =>
  postJson(gateway.endpoint, { image_url, ...extra });

describe('without the exemption', () => {
  it.each([
    ['loopback', () => `${host.url}/images/landscape-640x480.jpg`, 'loopback'],
    ['localhost by name', () => `http://localhost:${port()}/images/landscape-640x480.jpg`, 'resolves to 127.0.0.1'],
    ['decimal 2130706433', () => `http://2130706433:${port()}/x.jpg`, 'loopback'],
    ['octal 0177.0.0.1', () => `http://0177.0.0.1:${port()}/x.jpg`, 'loopback'],
    ['hex 0x7f000001', () => `http://0x7f000001:${port()}/x.jpg`, 'loopback'],
    ['short 127.1', () => `http://127.1:${port()}/x.jpg`, 'loopback'],
    ['0.0.0.0', () => 'http://0.0.0.0/x.jpg', 'this network'],
    ['10/8', () => 'http://10.0.0.1/x.jpg', 'private'],
    ['172.16/12', () => 'http://172.20.1.1/x.jpg', 'private'],
    ['192.168/16', () => 'http://192.168.0.1/x.jpg', 'private'],
    ['100.64/10', () => 'http://100.64.0.1/x.jpg', 'carrier-grade NAT'],
    ['metadata 169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['metadata in hex', () => 'http://0xa9fea9fe/latest/meta-data/', 'link-local'],
    ['multicast', () => 'http://224.0.0.251/x.jpg', 'multicast'],
    ['broadcast', () => 'http://255.255.255.255/x.jpg', 'broadcast'],
    ['[::1]', () => `http://[::1]:${port()}/x.jpg`, 'loopback'],
    ['[::]', () => 'http://[::]/x.jpg', 'unspecified'],
    ['[::ffff:127.0.0.1]', () => `http://[::ffff:127.0.0.1]:${port()}/x.jpg`, 'IPv4-mapped'],
    ['[::ffff:a9fe:a9fe]', () => 'http://[::ffff:a9fe:a9fe]/x.jpg', 'IPv4-mapped IPv6 address of a link-local'],
    ['[fe80::1]', () => 'http://[fe80::1]/x.jpg', 'link-local'],
    ['[fc00::1]', () => 'http://[fc00::1]/x.jpg', 'unique-local'],
    ['[fd00::1]', () => 'http://[fd00::1]/x.jpg', 'unique-local'],
    ['[ff02::1]', () => 'http://[ff02::1]/x.jpg', 'multicast'],
    ['a name resolving to loopback', () => 'http://evil.test/x.jpg', 'resolves to 127.0.0.1'],
    ['a name resolving to ::1', () => 'http://v6-loop.test/x.jpg', 'resolves to ::1'],
    ['a name resolving to metadata', () => 'http://meta.test/x.jpg', 'resolves to 169.254.169.254'],
    ['a name with one private address among public ones', () => 'https://mixed.test/x.jpg', 'resolves to 10.0.0.7'],
    ['file:', () => 'file:///etc/passwd', 'must be http or https'],
    ['ftp:', () => 'ftp://example.com/x.jpg', 'must be http or https'],
    ['gopher:', () => 'gopher://127.0.0.1:70/x', 'must be http or https'],
  ])('refuses %s with 4007', async (_name, url, reason) => {
    const answer = await detectUrl(strict, url());
    expect([answer.status, answer.body.code]).toEqual([400, 4007]);
    expect(answer.body.desc).toContain(reason);
  });

  it("refuses localhost as the system's resolver answers it", async () => {
    const system = await startTestGateway();
    try {
      const answer = await detectUrl(system, `http://localhost:${port()}/images/landscape-640x480.jpg`);
      expect([answer.status, answer.body.code]).toEqual([400, 4007]);
      expect(answer.body.desc).toMatch(/resolves to (127\.0\.0\.1|::1), which is a loopback address/);
    } finally {
      await system.close();
    }
  });

  it('never connected to the image host for any of them', () => {
    expect(host.requests).toEqual([]);
  });
});

describe('with --allow-private-urls 127.0.0.1/32', () => {
  it('downloads a fixture photo and answers for it', async () => {
    const url = `${host.url}/images/half-round-201x640.png`;
    const answer = await detectUrl(exempt, url);
    expect(answer.status).toBe(200);
    expect(answer.body.input).toMatchObject({ type: 'url', source: url, mime: 'image/png', width: 201, height: 640 });
    expect(answer.body.detections.length).toBeGreaterThan(0);
  });

  it('connects to the address it vetted: a name resolved once, by the gateway, to 127.0.0.1', async () => {
    lookups.length = 0;
    const answer = await detectUrl(exempt, `http://pinned.test:${port()}/images/landscape-640x480.jpg`);
    expect(answer.status).toBe(200);
    // One resolution, by our resolver; the system's DNS has never heard of pinned.test.
    expect(lookups).toEqual(['pinned.test']);
  });

  it('still refuses what the exemption does not cover', async () => {
    for (const url of ['http://127.0.0.2/x.jpg', `http://[::1]:${port()}/x.jpg`, 'http://169.254.169.254/']) {
      expect((await detectUrl(exempt, url)).body.code, url).toBe(4007);
    }
  });

  it.each([
    ['10.0.0.1', 'http://10.0.0.1/x.jpg', 'private'],
    ['the metadata service', 'http://169.254.169.254/latest/meta-data/iam/', 'link-local'],
    ['127.0.0.2 in decimal', 'http://2130706434/x.jpg', 'loopback'],
    ['127.0.0.2 in octal', 'http://0177.0.0.2/x.jpg', 'loopback'],
    ['127.0.0.2 in hex', 'http://0x7f000002/x.jpg', 'loopback'],
    ['[::1]', 'http://[::1]/x.jpg', 'loopback'],
    ['[::ffff:7f00:2]', 'http://[::ffff:7f00:2]/x.jpg', 'IPv4-mapped'],
    ['a name resolving to metadata', 'http://meta.test/x.jpg', 'resolves to 169.254.169.254'],
    ['file:', 'file:///etc/passwd', 'must be http or https'],
  ])('refuses a redirect to %s with 4007', async (_name, target, reason) => {
    const answer = await detectUrl(exempt, `${host.url}/redirect?to=${encodeURIComponent(target)}`);
    expect([answer.status, answer.body.code]).toEqual([400, 4007]);
    expect(answer.body.desc).toContain(reason);
  });

  it('follows up to 5 redirects and refuses a 6th with 4005', async () => {
    expect((await detectUrl(exempt, `${host.url}/chain/5`)).status).toBe(200);
    const tooMany = await detectUrl(exempt, `${host.url}/chain/6`);
    expect([tooMany.status, tooMany.body.code]).toEqual([422, 4005]);
    expect(tooMany.body.desc).toMatch(/more than 5 times/);
  });

  it('answers 4005 for an HTTP error and a host that does not resolve, 4002 for a page that is not an image', async () => {
    const missing = await detectUrl(exempt, `${host.url}/status/404`);
    expect([missing.status, missing.body.code]).toEqual([422, 4005]);
    expect(missing.body.desc).toContain('HTTP 404');
    expect((await detectUrl(exempt, 'http://nowhere.test/x.jpg')).body).toMatchObject({ code: 4005 });
    const html = await detectUrl(exempt, `${host.url}/html`);
    expect([html.status, html.body.code]).toEqual([415, 4002]);
  });

  it('stops a download over --max-image with 4004, declared or streamed', async () => {
    for (const path of ['/big?bytes=400000', '/big-chunked?bytes=400000']) {
      const answer = await detectUrl(exempt, `${host.url}${path}`);
      expect([answer.status, answer.body.code], path).toEqual([413, 4004]);
    }
  });

  it("gives up on a server that stalls once the request's timeout runs out (4005)", async () => {
    const started = performance.now();
    const answer = await detectUrl(exempt, `${host.url}/stall`, { timeout: 3 });
    expect([answer.status, answer.body.code]).toEqual([422, 4005]);
    expect(answer.body.desc).toMatch(/within the request's timeout of 3 s/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(2900);
  });
});
