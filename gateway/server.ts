/**
 * The gateway: one endpoint, `POST /api/image-nsfw`, speaking the image-nsfw
 * gateway API's protocol, plus `GET /healthz`. Order of checks, so that cheap
 * refusals come before expensive work: route, CORS, API key from the header or
 * query (before reading the body), rate limit, body (limit enforced while
 * reading), key from a form field if that is where it came, parameters,
 * backend, image, inference.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCodes } from '../src/errors.js';
import { resolvePolicy, type Policy } from '../src/policy.js';
import { buildResult } from '../src/nudenet/build-result.js';
import { KeyRing, RateLimiter } from './auth.js';
import { chooseBackend, CLOUD_BACKENDS } from './backends.js';
import { callCloud } from './cloud.js';
import type { GatewayConfig } from './config.js';
import { Cors } from './cors.js';
import { type Resolver, systemResolver } from './fetch-image.js';
import { loadImage } from './image-input.js';
import { loadNudenet, type NudenetBackend } from './nudenet.js';
import { readParams } from './params.js';
import { bodyKind, parseBody, readBody } from './request-body.js';
import { GatewayError, sendError, sendJson } from './responses.js';

export const ENDPOINT = '/api/image-nsfw';

export interface GatewayOptions {
  /** Test and embedding hook: how image_url hosts are resolved (default: the system resolver). */
  resolve?: Resolver;
  /** Test hook: a ready backend instead of loading `config.model`. */
  nudenet?: NudenetBackend | null;
  /** Where unexpected errors are written (default: stderr). */
  log?: (line: string) => void;
}

export interface Gateway {
  /** http://host:port of the listening server. */
  url: string;
  server: Server;
  nudenet: NudenetBackend | null;
  close(): Promise<void>;
}

const remoteAddressOf = (req: IncomingMessage) => req.socket.remoteAddress ?? '';

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const nudenet = options.nudenet !== undefined ? options.nudenet : config.model ? await loadNudenet(config.model) : null;
  const policy: Policy = resolvePolicy(config.policy);
  const keys = new KeyRing(config.keys);
  const limiter = new RateLimiter(config.qps);
  const cors = new Cors(config.corsOrigins);
  const resolve = options.resolve ?? systemResolver;

  async function detect(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    const headerKey = req.headers['x-api-key'];
    const earlyKey = (Array.isArray(headerKey) ? headerKey[0] : headerKey) || url.searchParams.get('apikey');
    const contentType = req.headers['content-type'] ?? '';
    // A key can only arrive in the body of a form; any other request without one is refused unread.
    const form = /^\s*(multipart\/form-data|application\/x-www-form-urlencoded)\b/i.test(contentType);
    if (earlyKey || !form) limiter.take(keys.check(earlyKey || null));
    const kind = bodyKind(contentType);
    const body = await readBody(req, config.maxBodyBytes);
    const fields = await parseBody(kind, body, contentType);
    if (!earlyKey) {
      const formKey = fields.fields.apikey;
      limiter.take(keys.check(typeof formKey === 'string' && formKey ? formKey : null));
    }
    const params = readParams(fields);
    const backend = chooseBackend(params.backend, nudenet !== null, config.cloud);
    const signal = AbortSignal.timeout(params.timeoutS * 1000);
    const image = await loadImage(params.image, config.maxImageBytes, {
      maxBytes: config.maxImageBytes,
      signal,
      timeoutS: params.timeoutS,
      exempt: config.allowPrivateUrls,
      resolve,
    });
    if (backend === 'nudenet') {
      const raw = await nudenet!.detect(image.pixels, signal);
      sendJson(res, 200, buildResult({ raw, policy, input: image.info, elapsedMs: performance.now() - started, notes: image.notes }));
      return;
    }
    const result = await callCloud(backend, config.cloud[backend]!, image, signal);
    sendJson(res, 200, { ...result, elapsed_ms: Math.round(performance.now() - started) });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    cors.apply(req, res);
    if (url.pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, {
        status: 'ok',
        backends: { nudenet: nudenet !== null, ...Object.fromEntries(CLOUD_BACKENDS.map((b) => [b, config.cloud[b] !== null])) },
      });
      return;
    }
    if (url.pathname !== ENDPOINT) {
      throw new GatewayError(ErrorCodes.NOT_FOUND, `There is no ${url.pathname.slice(0, 100)} here: POST images to ${ENDPOINT}.`, 404);
    }
    if (req.method === 'OPTIONS') return cors.preflight(req, res);
    if (req.method !== 'POST') {
      throw new GatewayError(ErrorCodes.BAD_INPUT, `${ENDPOINT} takes POST, not ${req.method}.`, 405, { allow: 'POST, OPTIONS' });
    }
    await detect(req, res, url);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Whatever of the body is left unread (a refusal before reading it, or past
      // the limit) is not read: the answer goes out and the connection closes.
      const unread = !req.readableEnded;
      if (unread) res.setHeader('connection', 'close');
      sendError(res, error, (line) => log(`${line} (from ${remoteAddressOf(req)})`));
      if (unread) discardRest(req, res, config.maxBodyBytes);
    });
  });
  server.requestTimeout = 120_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(config.port, config.host, () => {
      server.off('error', fail);
      ready();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    server,
    nudenet,
    async close() {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await nudenet?.close();
    },
  };
}

/**
 * After an early answer, lets the client read it: closing at once would reset a
 * connection the client is still writing to, and a reset can drop the answer
 * from its receive buffer. So, like a web server's lingering close, the rest is
 * read into nothing for at most a second and at most `maxBytes`, then the socket
 * is closed either way.
 */
function discardRest(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  const close = () => req.socket.destroy();
  const timer = setTimeout(close, 1000);
  timer.unref();
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > maxBytes) close();
  });
  req.on('end', () => {
    clearTimeout(timer);
    if (res.writableFinished) close();
    else res.once('finish', close);
  });
  req.on('error', close);
  req.resume();
}
