/**
 * The gateway server for tests, started for real on loopback on a free port, and
 * a loopback "image host" that image_url tests download from: it serves the
 * fixture photos and can redirect, fail, stall or send too much.
 */
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { readConfig, type GatewayConfig } from '../../gateway/config.js';
import { createLogger } from '../../gateway/request-log.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../gateway/server.js';
import { ROOT } from './fixture-data.js';
import { checkAgainstOpenApi } from './openapi.js';

export const KEY = 'test-key-1';
/** The cache-signing secret test gateways share, as one deployment's instances do (VEIL_GATEWAY_CACHE_SECRET). */
export const CACHE_SECRET = 'test-cache-secret-0123456789abcdef0123456789abcdef';
export const OTHER_KEY = 'test-key-2';
export const MODEL_320 = join(ROOT, 'public/models/veil-fixture-320.onnx');
export const MODEL_640 = join(ROOT, 'public/models/veil-fixture-640.onnx');
export const IMAGES = join(ROOT, 'test/.cache/images');
/** nsfwjs's MobileNetV2, converted by `npm run model:fetch -- nsfwjs-mobilenet-v2` (test/fixtures/prepare.mjs makes it too). */
export const CLASSIFIER = 'nsfwjs-mobilenet-v2';
export const CLASSIFIER_MODEL = join(ROOT, 'public/models/nsfwjs-mobilenet-v2.onnx');
/** Real photographs (test/fixtures/prepare.mjs). */
export const PHOTOS = join(ROOT, 'test/.cache/photos');

export const imageBytes = (name: string) => readFileSync(join(IMAGES, name));

/** Concurrency caps raised out of the way; a test of a cap passes its own value after these. */
export const UNCAPPED = ['--max-in-flight', '1000', '--max-in-flight-per-key', '1000', '--max-connections-per-address', '1000'];

/**
 * Starts a gateway from command-line style flags: port 0, two keys, a rate limit,
 * no daily allowance and concurrency caps high enough not to interfere (load
 * tests send hundreds at once from one address), no request log unless a test
 * passes `logger`, and `model` (the 320 fixture model unless given; null for none).
 */
export async function startTestGateway(
  flags: string[] = [],
  { model = MODEL_320, env = {}, ...options }: GatewayOptions & { env?: NodeJS.ProcessEnv; model?: string | null } = {},
): Promise<Gateway & { config: GatewayConfig; endpoint: string }> {
  const base = ['--port', '0', '--keys', `${KEY},${OTHER_KEY}`, '--qps', '1000', '--daily-quota', '0', ...UNCAPPED, ...(model ? ['--model', model] : [])];
  const config = readConfig([...base, ...flags], { VEIL_GATEWAY_CACHE_SECRET: CACHE_SECRET, ...env });
  if (config === 'help') throw new Error('unexpected --help');
  const gateway = await startGateway(config, { log: () => undefined, logger: createLogger('silent'), ...options });
  return { ...gateway, config, endpoint: `${gateway.url}/api/image-nsfw` };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, any>;
}

/**
 * Every answer these helpers return is first checked against the gateway's
 * OpenAPI document (openapi.ts): a status or body it does not describe fails the test.
 */
function checked(url: string, method: string, answer: Answer): Answer {
  checkAgainstOpenApi(url, method, answer.status, answer.headers.get('content-type'), answer.body);
  return answer;
}

/** POSTs JSON with the key in X-Api-Key (unless `key` is null) and returns status, headers and parsed body. */
export async function postJson(endpoint: string, body: unknown, key: string | null = KEY, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return checked(endpoint, 'POST', { status: response.status, headers: response.headers, body: await response.json() });
}

/** A fetch's answer, parsed and checked; `method` is the request's (POST unless given). */
export async function answerOf(response: Response, method = 'POST'): Promise<Answer> {
  return checked(response.url, method, { status: response.status, headers: response.headers, body: await response.json() });
}

/**
 * A POST whose body the test writes itself: `body` is sent, then the request is
 * held open (`end: false`) or ended. Resolves with the answer, whether or not the
 * server read the whole body; write errors after an early answer are expected.
 */
export function heldPost(
  url: string,
  headers: Record<string, string | number>,
  body: Buffer,
  { end = false, localAddress }: { end?: boolean; localAddress?: string } = {},
): { answer: Promise<Answer>; abort(): void } {
  const req = request(url, { method: 'POST', headers, localAddress });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const answer = { status: res.statusCode!, headers: new Headers(res.headers as Record<string, string>), body: text ? JSON.parse(text) : {} };
        try {
          resolve(checked(url, 'POST', answer));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('error', reject);
  });
  answer.catch(() => undefined);
  req.write(body);
  if (end) req.end();
  return { answer, abort: () => req.destroy() };
}

/** Milliseconds /healthz takes to answer: the event loop's responsiveness as a client sees it. */
export async function healthLatency(gatewayUrl: string): Promise<number> {
  const started = performance.now();
  await (await fetch(`${gatewayUrl}/healthz`)).json();
  return performance.now() - started;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A black 1-bit greyscale PNG: a few KB on the wire however many pixels it declares. */
export function blackPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([1, 0, 0, 0, 0], 8); // 1-bit grey, no interlace
  const rows = Buffer.alloc((Math.ceil(width / 8) + 1) * height); // filter byte 0, all pixels 0
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A 1-bit BMP in diagonal stripes, 1/8 byte a pixel: the cheapest file for a big bitmap. */
export function stripedBmp(width: number, height: number): Buffer {
  const stride = Math.ceil(width / 32) * 4;
  const dataOffset = 14 + 40 + 8;
  const out = Buffer.alloc(dataOffset + stride * height);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(dataOffset, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(1, 28);
  out.writeUInt32LE(2, 46);
  out.set([20, 40, 60, 0, 230, 210, 190, 0], 54);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < stride; i++) out[dataOffset + y * stride + i] = (y >> 4) % 2 ? 0xf0 : 0x0f;
  }
  return out;
}

export interface ImageHost {
  url: string;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Routes: /images/NAME (a fixture photo), /redirect?to=URL (302), /chain/N
 * (N more redirects, then a photo), /status/CODE, /html, /stall (headers, then
 * nothing), /big?bytes=N (a JPEG signature then N bytes, with Content-Length),
 * /big-chunked?bytes=N (the same without it).
 */
export async function startImageHost(): Promise<ImageHost> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    requests.push(url.pathname + url.search);
    const image = /^\/images\/([\w.-]+)$/.exec(url.pathname);
    if (image) {
      const bytes = imageBytes(image[1]!);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length }).end(bytes);
    } else if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    } else if (url.pathname.startsWith('/chain/')) {
      const left = Number(url.pathname.slice('/chain/'.length));
      res.writeHead(302, { location: left > 1 ? `/chain/${left - 1}` : '/images/landscape-640x480.jpg' }).end();
    } else if (url.pathname.startsWith('/status/')) {
      res.writeHead(Number(url.pathname.slice('/status/'.length)), { 'content-type': 'text/plain' }).end('status');
    } else if (url.pathname === '/html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>not an image</title>');
    } else if (url.pathname === '/stall') {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.write(Buffer.from([0xff, 0xd8, 0xff]));
    } else if (url.pathname === '/big' || url.pathname === '/big-chunked') {
      const size = Number(url.searchParams.get('bytes'));
      const body = Buffer.alloc(size, 0x20);
      body.set([0xff, 0xd8, 0xff], 0);
      res.writeHead(200, url.pathname === '/big' ? { 'content-type': 'image/jpeg', 'content-length': size } : { 'content-type': 'image/jpeg' });
      res.end(body);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
