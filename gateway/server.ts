/**
 * The gateway: one endpoint, `POST /api/image-nsfw`, speaking the image-nsfw
 * gateway API's protocol, plus `GET /healthz` (answered whatever the limits
 * say, with the load). Order of checks, so that cheap refusals come before
 * expensive work: connection limits (counted as connections open), route, CORS,
 * failed key attempts from this address, API key from the header or query
 * (before reading the body) or else from a form's first few KB, rate limit,
 * requests in flight, body (limit enforced while reading, fields counted),
 * parameters, backend, image (decoded on a worker), inference (local.ts: NudeNet
 * and the classifier, or a cloud backend).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCodes } from '../src/errors.js';
import { resolvePolicy, type Policy } from '../src/policy.js';
import { FailureLimiter, KeyRing, RateLimiter } from './auth.js';
import { chooseBackend, CLOUD_BACKENDS } from './backends.js';
import type { ClassifierBackend } from './classifier.js';
import { callCloud } from './cloud.js';
import type { GatewayConfig } from './config.js';
import { Cors } from './cors.js';
import { NO_TARGETS } from './decode.js';
import { formKey } from './form-key.js';
import { loadImage } from './image-input.js';
import { addressKey, Connections, Gate, InFlight } from './limits.js';
import { discardRest } from './lingering-close.js';
import { loadLocalModels, localBackends, screenLocally, targetsFor } from './local.js';
import type { NudenetBackend } from './nudenet.js';
import { readParams } from './params.js';
import { PixelPool } from './pixel-pool.js';
import { bodyKind, type BodySoFar, parseBody, readBody, readBodyPart } from './request-body.js';
import { createResolver, limitLookups, type Resolver } from './resolver.js';
import { GatewayError, sendError, sendJson } from './responses.js';

export const ENDPOINT = '/api/image-nsfw';

export interface GatewayOptions {
  /** Test and embedding hook: how image_url hosts are resolved (default: the system's DNS servers, resolver.ts). */
  resolve?: Resolver;
  /** Test hook: a ready backend instead of loading `config.model`. */
  nudenet?: NudenetBackend | null;
  /** Test hook: a ready classifier instead of loading `config.classifier`. */
  classifier?: ClassifierBackend | null;
  /** Where unexpected errors are written (default: stderr). */
  log?: (line: string) => void;
  /** Start the decode workers at once instead of on the first image (the command does; tests need not). */
  warm?: boolean;
}

export interface Gateway {
  /** http://host:port of the listening server. */
  url: string;
  server: Server;
  nudenet: NudenetBackend | null;
  classifier: ClassifierBackend | null;
  close(): Promise<void>;
}

const remoteAddressOf = (req: IncomingMessage) => req.socket.remoteAddress ?? '';

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const models = await loadLocalModels(config, { nudenet: options.nudenet, classifier: options.classifier });
  const { nudenet, classifier } = models;
  const classifierName = classifier?.description.name ?? null;
  const policy: Policy = resolvePolicy(config.policy);
  const keys = new KeyRing(config.keys);
  const limiter = new RateLimiter(config.qps);
  const failures = new FailureLimiter(config.authFailures);
  const inFlight = new InFlight(config.maxInFlight, config.maxInFlightPerKey);
  const connections = new Connections(config.maxConnections, config.maxConnectionsPerAddress);
  const pixels = new PixelPool(config.decodeWorkers);
  if (options.warm) pixels.warm();
  const lookups = new Gate(config.maxDnsLookups);
  const cors = new Cors(config.corsOrigins);
  const resolve = limitLookups(options.resolve ?? createResolver({ timeoutMs: config.dnsTimeoutMs }), lookups, config.dnsTimeoutMs);

  /** The key's bucket; a missing or wrong key counts against the address. */
  function authenticate(key: string | null, address: string, where?: string): number {
    try {
      return keys.check(key, where);
    } catch (error) {
      failures.failed(address);
      throw error;
    }
  }

  async function detect(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    const address = addressKey(req.socket.remoteAddress);
    failures.check(address);
    const headerKey = req.headers['x-api-key'];
    const earlyKey = (Array.isArray(headerKey) ? headerKey[0] : headerKey) || url.searchParams.get('apikey');
    const contentType = req.headers['content-type'] ?? '';
    // A key can only arrive in the body of a form; any other request without one is refused unread.
    const form = /^\s*(multipart\/form-data|application\/x-www-form-urlencoded)\b/i.test(contentType);
    let bucket: number;
    let sofar: BodySoFar | undefined;
    if (earlyKey || !form) {
      bucket = authenticate(earlyKey || null, address);
    } else {
      // Anyone can make a browser send a form: nothing past its first few KB is read before its key (form-key.ts).
      const keyBytes = config.formKeyBytes;
      sofar = await readBodyPart(req, config.maxBodyBytes, keyBytes);
      const head = Buffer.concat(sofar.chunks, sofar.size).subarray(0, keyBytes);
      const key = formKey(bodyKind(contentType), head, sofar.ended && sofar.size <= keyBytes, contentType);
      const where = `in the X-Api-Key header, as the apikey query parameter, or as an apikey form field before the image (within the body's first ${keyBytes} bytes)`;
      bucket = authenticate(key, address, where);
    }
    limiter.take(bucket);
    const leave = inFlight.enter(bucket);
    try {
      const kind = bodyKind(contentType);
      const body = await readBody(req, config.maxBodyBytes, sofar);
      const params = readParams(await parseBody(kind, body, contentType, config.maxFormFields), classifierName);
      const backend = chooseBackend(params.backend, { nudenet: nudenet !== null, classifier: classifierName }, config.cloud);
      const signal = AbortSignal.timeout(params.timeoutS * 1000);
      const fetchOptions = { maxBytes: config.maxImageBytes, signal, timeoutS: params.timeoutS, exempt: config.allowPrivateUrls, resolve };
      const targets = 'local' in backend ? targetsFor(backend.local, models) : NO_TARGETS;
      const image = await loadImage(params.image, config.maxImageBytes, fetchOptions, { pool: pixels, targets });
      if ('local' in backend) {
        sendJson(res, 200, await screenLocally(image, backend.local, models, { policy, signal, started }));
        return;
      }
      const result = await callCloud(backend.cloud, config.cloud[backend.cloud]!, image, signal);
      sendJson(res, 200, { ...result, elapsed_ms: Math.round(performance.now() - started) });
    } finally {
      leave();
    }
  }

  const load = () => ({
    connections: connections.count,
    in_flight: inFlight.count,
    decoding: pixels.depth,
    inference: nudenet?.depth ?? { running: 0, queued: 0 },
    classifier: classifier?.depth ?? { running: 0, queued: 0 },
    dns: lookups.depth,
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    cors.apply(req, res);
    // Health checks stay cheap and answered, whatever the connection limits say.
    if (url.pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, {
        status: 'ok',
        backends: { ...localBackends(models), ...Object.fromEntries(CLOUD_BACKENDS.map((b) => [b, config.cloud[b] !== null])) },
        load: load(),
      });
      return;
    }
    connections.check(req.socket);
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
      if (unread) {
        res.setHeader('connection', 'close');
        // Node destroys a closing connection once the answer is out, and destroying it with
        // data unread resets it, which can lose the answer: half-close, let discardRest end it.
        req.socket.destroySoon = () => req.socket.end();
      }
      sendError(res, error, (line) => log(`${line} (from ${remoteAddressOf(req)})`));
      if (unread) discardRest(req, res, config.maxBodyBytes);
    });
  });
  server.requestTimeout = 120_000;
  server.headersTimeout = 30_000;
  connections.attach(server);
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
    classifier,
    async close() {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await pixels.close();
      await nudenet?.close();
      await classifier?.close();
    },
  };
}
