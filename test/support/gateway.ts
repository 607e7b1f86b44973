/**
 * The gateway server for tests, started for real on loopback on a free port, and
 * a loopback "image host" that image_url tests download from: it serves the
 * fixture photos and can redirect, fail, stall or send too much.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readConfig, type GatewayConfig } from '../../gateway/config.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../gateway/server.js';
import { ROOT } from './fixture-data.js';

export const KEY = 'test-key-1';
export const OTHER_KEY = 'test-key-2';
export const MODEL_320 = join(ROOT, 'public/models/veil-fixture-320.onnx');
export const MODEL_640 = join(ROOT, 'public/models/veil-fixture-640.onnx');
export const IMAGES = join(ROOT, 'test/.cache/images');

export const imageBytes = (name: string) => readFileSync(join(IMAGES, name));

/**
 * Starts a gateway from command-line style flags: port 0, two keys, a rate limit
 * high enough not to interfere, and `model` (the 320 fixture model unless given; null for none).
 */
export async function startTestGateway(
  flags: string[] = [],
  { model = MODEL_320, env = {}, ...options }: GatewayOptions & { env?: NodeJS.ProcessEnv; model?: string | null } = {},
): Promise<Gateway & { config: GatewayConfig; endpoint: string }> {
  const base = ['--port', '0', '--keys', `${KEY},${OTHER_KEY}`, '--qps', '1000', ...(model ? ['--model', model] : [])];
  const config = readConfig([...base, ...flags], env);
  if (config === 'help') throw new Error('unexpected --help');
  const gateway = await startGateway(config, { log: () => undefined, ...options });
  return { ...gateway, config, endpoint: `${gateway.url}/api/image-nsfw` };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, any>;
}

/** POSTs JSON with the key in X-Api-Key (unless `key` is null) and returns status, headers and parsed body. */
export async function postJson(endpoint: string, body: unknown, key: string | null = KEY, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

export async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, headers: response.headers, body: await response.json() };
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
