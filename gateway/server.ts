/**
 * The gateway: `POST /api/image-nsfw`, speaking the image-nsfw gateway API's
 * protocol, and its hash look-up `POST /api/image-nsfw/hash`; `GET /healthz`
 * (alive, with the load, whatever the limits say), `GET /readyz` (503 while
 * the models load, Redis is unreachable or the instance is stopping) and `GET
 * /metrics` (Prometheus). Order of checks, so that cheap refusals come before
 * expensive work: connection limits (counted as connections open), route, CORS,
 * failed key attempts from this address, API key from the header or query
 * (before reading the body) or else from a form's first few KB, rate limit and
 * daily allowance (admission.ts), requests in flight, then detect.ts (body,
 * parameters, backend, image, result cache, inference) or hash-lookup.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ErrorCodes, isVeilError } from '../src/errors.js';
import { resolvePolicy } from '../src/policy.js';
import { Admission } from './admission.js';
import { AnonymousAdmission } from './anonymous.js';
import { KeyRing } from './api-keys.js';
import { FailureLimiter } from './rate-limit.js';
import { CLOUD_BACKENDS } from './backends.js';
import type { ClassifierBackend } from './classifier.js';
import type { GatewayConfig } from './config.js';
import { Cors } from './cors.js';
import { detectImage, type DetectDeps } from './detect.js';
import { formKey } from './form-key.js';
import { lookUpHash, OFFERS_LOOKUP } from './hash-lookup.js';
import { openApiDocument } from './openapi.js';
import { addressKey, Connections, Gate, InFlight } from './concurrency.js';
import { discardRest } from './lingering-close.js';
import { loadModels, modelBackends, type GatewayModels } from './model-runner.js';
import { GatewayMetrics } from './metrics.js';
import type { NudenetBackend } from './nudenet.js';
import { PixelPool } from './pixel-pool.js';
import { clientAddress, isTrusted } from './proxy.js';
import { connectRedis } from './redis.js';
import { createLogger, logRequest, newRecord, type RequestRecord, type Route } from './request-log.js';
import { bodyKind, type BodySoFar, readBodyPart } from './request-body.js';
import { createResolver, limitLookups, type Resolver } from './resolver.js';
import { GatewayError, sendError, sendJson } from './responses.js';
import { fingerprinter, ResultCache, SHARED_SCOPE } from './result-cache.js';

export const ENDPOINT = '/api/image-nsfw';
export const HASH_ENDPOINT = `${ENDPOINT}/hash`;

export interface GatewayOptions {
  /** Test and embedding hook: how image_url hosts are resolved (default: the system's DNS servers, resolver.ts). */
  resolve?: Resolver;
  /** Test hook: a ready backend (or one still loading) instead of loading `config.model`. */
  nudenet?: NudenetBackend | null | Promise<NudenetBackend | null>;
  /** Test hook: a ready classifier instead of loading `config.classifier`. */
  classifier?: ClassifierBackend | null;
  /** Where unexpected errors are written (default: the request log, as errors). */
  log?: (line: string) => void;
  /** The request log (default: pino on stdout at `config.logLevel`). */
  logger?: Logger;
  /** Start the decode workers at once instead of on the first image (the command does; tests need not). */
  warm?: boolean;
  /** Node's own metrics (memory, event loop, GC) on /metrics; the command turns them on. */
  processMetrics?: boolean;
}

export interface Gateway {
  /** http://host:port of the listening server. */
  url: string;
  server: Server;
  nudenet: NudenetBackend | null;
  classifier: ClassifierBackend | null;
  /** Stops at once: connections are cut, requests in flight lost. */
  close(): Promise<void>;
  /** Stops gracefully: no new connections, /readyz 503, held requests finished within `graceMs`, then close(). */
  drain(graceMs: number): Promise<void>;
}

const routeOf = (path: string): Route =>
  path === ENDPOINT ? 'detect' : path === HASH_ENDPOINT ? 'hash' : path === '/healthz' ? 'healthz' : path === '/readyz' ? 'readyz' : path === '/metrics' ? 'metrics' : path === '/openapi.json' ? 'openapi' : 'other';

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const log = options.log ?? ((line: string) => logger.error(line));
  let models: GatewayModels | null = null;
  let state: 'starting' | 'ready' | 'stopping' = 'starting';
  let active = 0;
  const keys = new KeyRing(config.keys);
  const failures = new FailureLimiter(config.authFailures);
  const inFlight = new InFlight(config.maxInFlight, config.maxInFlightPerKey);
  const connections = new Connections(config.maxConnections, config.maxConnectionsPerAddress, (peer) => isTrusted(peer, config.trustProxy));
  const pixels = new PixelPool(config.decodeWorkers);
  if (options.warm) pixels.warm();
  const lookups = new Gate(config.maxDnsLookups);
  const cors = new Cors(config.corsOrigins, config.cacheTtlS > 0 ? ['X-Hash-Lookup', 'X-Cache'] : []);
  const resolve = limitLookups(options.resolve ?? createResolver({ timeoutMs: config.dnsTimeoutMs }), lookups, config.dnsTimeoutMs);
  const idle = { running: 0, queued: 0 };
  const load = () => ({
    connections: connections.count,
    in_flight: inFlight.count,
    decoding: pixels.depth,
    inference: models?.nudenet?.depth ?? idle,
    classifier: models?.classifier?.depth ?? idle,
    dns: lookups.depth,
  });
  const metrics = new GatewayMetrics(load, { redis: config.redis !== null, processMetrics: options.processMetrics });
  metrics.redisUp(false); // until the first connection is ready
  const redis = config.redis ? connectRedis(config.redis, logger, (up) => metrics.redisUp(up)) : null;
  const admission = new Admission(config, redis, (why) => metrics.refused(why));
  const anonymous = new AnonymousAdmission(config, redis, (why) => metrics.refused(why));
  const cache = new ResultCache(config.cacheTtlS, redis, config.redisPrefix, config.cacheSecret, (line) => logger.warn(line));
  if (redis && config.cacheTtlS > 0 && !config.cacheSecret) {
    logger.warn('VEIL_GATEWAY_CACHE_SECRET is not set: results this instance caches in Redis are signed with a secret of its own, so other instances cannot use them. Give every instance of this deployment the same secret.');
  }
  let deps: DetectDeps | null = null;
  const openApi = openApiDocument({ anonymousDaily: config.anonymousDaily });

  /** The key's index; a missing or wrong key counts against the address. */
  function authenticate(key: string | null, address: string, where?: string): number {
    try {
      return keys.check(key, where);
    } catch (error) {
      failures.failed(address);
      throw error;
    }
  }

  /**
   * The key check and admission: the caller's key (from the header or query, or
   * from the first few KB of a form), then its rate, daily allowance and share of
   * the requests in flight. Returns whose cached results it may see and the
   * release of its in-flight place; throws 4015, 4029, 5021 or 5024 instead.
   */
  async function checkKeyAndAdmit(req: IncomingMessage, res: ServerResponse, url: URL, record: RequestRecord): Promise<{ sofar: BodySoFar | undefined; scope: string; leave: () => void }> {
    const address = addressKey(record.client);
    failures.check(address);
    const headerKey = req.headers['x-api-key'];
    const earlyKey = (Array.isArray(headerKey) ? headerKey[0] : headerKey) || url.searchParams.get('apikey');
    const contentType = req.headers['content-type'] ?? '';
    // A key can only arrive in the body of a form; any other request without one is refused unread.
    const form = record.route === 'detect' && /^\s*(multipart\/form-data|application\/x-www-form-urlencoded)\b/i.test(contentType);
    let index: number;
    let sofar: BodySoFar | undefined;
    // -1: no key at all, let through by --anonymous-daily (a wrong key is never anonymous).
    if (earlyKey || !form) {
      index = !earlyKey && anonymous.enabled ? -1 : authenticate(earlyKey || null, address);
    } else {
      // Anyone can make a browser send a form: nothing past its first few KB is read before its key (form-key.ts).
      const keyBytes = config.formKeyBytes;
      sofar = await readBodyPart(req, config.maxBodyBytes, keyBytes);
      const head = Buffer.concat(sofar.chunks, sofar.size).subarray(0, keyBytes);
      const key = formKey(bodyKind(contentType), head, sofar.ended && sofar.size <= keyBytes, contentType);
      const where = `in the X-Api-Key header, as the apikey query parameter, or as an apikey form field before the image (within the body's first ${keyBytes} bytes)`;
      index = !key && anonymous.enabled ? -1 : authenticate(key, address, where);
    }
    record.keyId = index < 0 ? 'anonymous' : config.keyDetails[index]!.id;
    record.admission = true;
    const headers =
      index < 0
        ? await anonymous.admit(address, record.route === 'hash')
        : record.route === 'hash'
          ? await admission.admitLookup(index)
          : await admission.admit(index);
    record.admission = false;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const leave = inFlight.enter(index < 0 ? `anonymous:${address}` : index);
    // Whose cached results this key may see: its tenant's, unless the operator shares them all among the keys. A
    // keyless caller is a tenant of its own per address (":" is in no keys-file tenant) even then: `shared` is a trade
    // among the operator's own customers, and must not let anyone on the internet ask by hash what they sent.
    const scope = index < 0 ? `anonymous:${address}` : config.cacheScope === 'shared' ? SHARED_SCOPE : config.keyDetails[index]!.tenant;
    return { sofar, scope, leave };
  }

  function readiness(): string[] {
    const reasons: string[] = [];
    if (state === 'starting') reasons.push('the models are loading');
    if (state === 'stopping') reasons.push('the instance is stopping');
    if (redis && !redis.up) reasons.push('Redis is unreachable');
    return reasons;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL, record: RequestRecord, started: number): Promise<void> {
    cors.apply(req, res);
    const read = req.method === 'GET' || req.method === 'HEAD';
    // Health checks stay cheap and answered, whatever the connection limits say.
    if (record.route === 'healthz' && read) {
      const backends = { ...(models ? modelBackends(models) : { nudenet: false }), ...Object.fromEntries(CLOUD_BACKENDS.map((b) => [b, config.cloud[b] !== null])) };
      return sendJson(res, 200, { status: 'ok', backends, load: load() });
    }
    if (record.route === 'readyz' && read) {
      const reasons = readiness();
      return sendJson(res, reasons.length ? 503 : 200, reasons.length ? { status: 'not ready', reasons } : { status: 'ready' });
    }
    if (record.route === 'metrics' && read) {
      const text = await metrics.text();
      res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(text);
      return;
    }
    if (record.route === 'openapi' && read) return sendJson(res, 200, openApi);
    connections.check(req.socket);
    if (record.route !== 'detect' && record.route !== 'hash') {
      throw new GatewayError(ErrorCodes.NOT_FOUND, `There is no ${url.pathname.slice(0, 100)} here: POST images to ${ENDPOINT}.`, 404);
    }
    if (cache.enabled) for (const [name, value] of Object.entries(OFFERS_LOOKUP)) res.setHeader(name, value);
    if (req.method === 'OPTIONS') return cors.preflight(req, res);
    if (req.method !== 'POST') {
      throw new GatewayError(ErrorCodes.BAD_INPUT, `${url.pathname} takes POST, not ${req.method}.`, 405, { allow: 'POST, OPTIONS' });
    }
    if (!deps) {
      const why = state === 'starting' ? 'its models are still loading' : 'it is stopping';
      throw new GatewayError(ErrorCodes.BUSY, `This gateway instance cannot answer yet: ${why}. Retry after 1 s.`, 503, { 'retry-after': '1' });
    }
    const { sofar, scope, leave } = await checkKeyAndAdmit(req, res, url, record);
    try {
      if (record.route === 'hash') await lookUpHash(deps, req, res, { started, record, scope });
      else await detectImage(deps, req, res, { sofar, started, record, scope });
    } finally {
      leave();
    }
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://gateway');
    const record = newRecord(routeOf(url.pathname), clientAddress(req, config));
    active++;
    res.once('close', () => {
      active--;
      if (record.route === 'detect' || record.route === 'hash' || record.route === 'other') {
        metrics.answered(record.route, record.code, record.backend, (performance.now() - started) / 1000);
        logRequest(logger, req, res, record, performance.now() - started);
      }
    });
    // A stopping instance answers what it already holds and closes each connection after.
    if (state === 'stopping') res.setHeader('connection', 'close');
    handle(req, res, url, record, started).catch((error: unknown) => {
      record.code = isVeilError(error) ? Number(error.code) : 5000;
      if (record.code === 4029 && !record.admission) metrics.refused('other');
      // Whatever of the body is left unread (a refusal before reading it, or past
      // the limit) is not read: the answer goes out and the connection closes.
      const unread = !req.readableEnded;
      if (unread) {
        res.setHeader('connection', 'close');
        // Node destroys a closing connection once the answer is out, and destroying it with
        // data unread resets it, which can lose the answer: half-close, let discardRest end it.
        req.socket.destroySoon = () => req.socket.end();
      }
      sendError(res, error, (line) => log(`${line} (from ${record.client})`));
      if (unread) discardRest(req, res, config.maxBodyBytes);
    });
  });
  server.requestTimeout = 120_000;
  server.headersTimeout = 30_000;
  connections.attach(server);
  // Listening first, so /healthz and /readyz answer (503: loading) while the models load.
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(config.port, config.host, () => {
      server.off('error', fail);
      ready();
    });
  });

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      state = 'stopping';
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await pixels.close();
      await models?.nudenet?.close();
      await models?.classifier?.close();
      await redis?.close();
    })());

  try {
    models = await loadModels(config, { nudenet: await options.nudenet, classifier: options.classifier });
    const fingerprint = await fingerprinter(models, resolvePolicy(config.policy));
    deps = { config, models, policy: resolvePolicy(config.policy), pixels, resolve, cache, fingerprint, metrics };
  } catch (error) {
    await close();
    throw error;
  }
  state = 'ready';
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    server,
    nudenet: models.nudenet,
    classifier: models.classifier,
    close,
    async drain(graceMs) {
      state = 'stopping';
      const closed = new Promise<void>((done) => server.close(() => done()));
      const deadline = performance.now() + graceMs;
      // Idle keep-alive connections go now; busy ones once their answer is out (Connection: close).
      while (active > 0 && performance.now() < deadline) {
        server.closeIdleConnections();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      if (active > 0) logger.warn({ requests: active }, `Stopping with ${active} request(s) unanswered after the ${graceMs / 1000} s grace`);
      await close();
      await closed;
    },
  };
}
