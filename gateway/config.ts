/**
 * The gateway's settings: command-line flags first, then VEIL_GATEWAY_* environment
 * variables, then defaults. Everything is checked here, once, so a bad value stops
 * the server at start with one sentence instead of failing requests later.
 */
import { parseArgs } from 'node:util';
import type { PolicyPreset } from '../src/policy.js';
import { type CloudCredentials, readCloudCredentials } from './backends.js';
import { type ClassifierSpec, isSpecError, readClassifierSpec } from './classifier-spec.js';
import { parseCidr, type Cidr } from './ip-policy.js';
import { type KeyDetails, KeysFileError, mergeKeys, readKeysFile } from './keys-file.js';
import { DEFAULTS, USAGE } from './usage.js';

export interface GatewayConfig {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Path of a NudeNet .onnx; null runs without the local backend. */
  model: string | null;
  /** A whole-image classifier to run beside NudeNet or alone; null for none. */
  classifier: ClassifierSpec | null;
  /** API keys accepted in X-Api-Key or `apikey`; at least one. */
  keys: string[];
  /** Each key's name, daily allowance and rate, in the order of `keys` (keys-file.ts). */
  keyDetails: { id: string; dailyQuota: number; qps: number; tenant: string }[];
  /** Requests per second per key, the token bucket's refill rate and burst size. */
  qps: number;
  /** Calls per key per UTC day unless its keys-file entry says otherwise; 0 for no limit. */
  dailyQuota: number;
  /** Hash look-ups per second per key, a bucket apart from `qps`. */
  hashQps: number;
  /** Calls without a key per client address (IPv6 by /64) per UTC day; 0 requires a key. */
  anonymousDaily: number;
  /** Calls without a key per second per client address. */
  anonymousQps: number;
  /** Redis URL shared by every instance; null keeps limits, allowances and the cache in this process. */
  redis: string | null;
  /** Prefix of every Redis key the gateway writes, so several deployments can share one Redis. */
  redisPrefix: string;
  /** Seconds a result stays in the cache; 0 for none. */
  cacheTtlS: number;
  /** `tenant`: a key is answered from, and looks up, only its tenant's results; `shared`: every key's (result-cache.ts). */
  cacheScope: 'tenant' | 'shared';
  /** Signs cached results (HMAC-SHA256), so that none written by another deployment, or forged, is served; from the environment only. Null: a random secret of this process. */
  cacheSecret: string | null;
  /** Load balancers whose `proxyHeader` names the client. */
  trustProxy: Cidr[];
  /** The one header a trusted proxy names the client in; null without --trust-proxy. */
  proxyHeader: 'x-forwarded-for' | 'x-real-ip' | null;
  /** Trusted proxies that append to X-Forwarded-For: the client is this many entries from its end. */
  proxyHops: number;
  /** pino's level for the request log. */
  logLevel: string;
  /** How long a stopping instance waits for the requests it holds, in milliseconds. */
  shutdownGraceMs: number;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Largest image accepted (decoded base64, upload or download), in bytes. */
  maxImageBytes: number;
  /** How much of a form with no key in the header or query is read to find its apikey field. */
  formKeyBytes: number;
  /** Most fields (a file part included) a form or multipart body may have. */
  maxFormFields: number;
  /** Open connections, all addresses together; past it a request is answered 5024 unread. */
  maxConnections: number;
  /** Open connections from one address (IPv6: one /64); past it a request is answered 4029 unread. */
  maxConnectionsPerAddress: number;
  /** Requests past the key check at once, all keys together (5024 past it). */
  maxInFlight: number;
  /** Requests past the key check at once for one key (4029 past it). */
  maxInFlightPerKey: number;
  /** Failed key attempts an address may make a minute, all at once if it likes; then 4029. */
  authFailures: number;
  /** Worker threads that decode images and build tensors: images decoded at once. */
  decodeWorkers: number;
  /** How long an image_url host's look-up may take, in milliseconds. */
  dnsTimeoutMs: number;
  /** Host look-ups at once; more wait their turn within the request's timeout. */
  maxDnsLookups: number;
  /** Origins allowed to call from a browser; ['*'] for any; [] sends no CORS headers. */
  corsOrigins: string[];
  /** Test-only: address ranges exempted from the image_url address policy. */
  allowPrivateUrls: Cidr[];
  policy: PolicyPreset;
  cloud: CloudCredentials;
}

export { DEFAULTS, USAGE };

/** A setting that cannot work, said in one sentence; the CLI prints it and exits 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const list = (text: string | undefined) => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** "15mb", "512kb", "1048576" -> bytes. */
export function parseSize(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)?$/i.exec(text.trim());
  const unit = { b: 1, kb: 1024, mb: 1024 * 1024 }[(match?.[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'];
  const bytes = match ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!(bytes >= 1)) throw new ConfigError(`${name} must be a size such as 15mb, 512kb or 1048576; got "${text}".`);
  return bytes;
}

function parseNumber(text: string, name: string, { min, integer }: { min: number; integer: boolean }): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new ConfigError(`${name} must be ${integer ? 'an integer' : 'a number'} of at least ${min}; got "${text}".`);
  }
  return value;
}

/** Reads flags (`argv` without node and script) and environment into a checked config. */
export function readConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): GatewayConfig | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        model: { type: 'string' },
        classifier: { type: 'string' },
        'classifier-model': { type: 'string' },
        keys: { type: 'string' },
        'keys-file': { type: 'string' },
        qps: { type: 'string' },
        'daily-quota': { type: 'string' },
        'hash-qps': { type: 'string' },
        'anonymous-daily': { type: 'string' },
        'anonymous-qps': { type: 'string' },
        redis: { type: 'string' },
        'redis-prefix': { type: 'string' },
        'cache-ttl': { type: 'string' },
        'trust-proxy': { type: 'string' },
        'proxy-header': { type: 'string' },
        'proxy-hops': { type: 'string' },
        'cache-scope': { type: 'string' },
        'log-level': { type: 'string' },
        'shutdown-grace': { type: 'string' },
        'max-body': { type: 'string' },
        'max-image': { type: 'string' },
        'form-key-bytes': { type: 'string' },
        'max-form-fields': { type: 'string' },
        'max-connections': { type: 'string' },
        'max-connections-per-address': { type: 'string' },
        'max-in-flight': { type: 'string' },
        'max-in-flight-per-key': { type: 'string' },
        'auth-failures': { type: 'string' },
        'decode-workers': { type: 'string' },
        'dns-timeout': { type: 'string' },
        'max-dns-lookups': { type: 'string' },
        'cors-origins': { type: 'string' },
        policy: { type: 'string' },
        'allow-private-urls': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new ConfigError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
  if (values.help) return 'help';
  const pick = (flag: keyof typeof values, variable: string) => {
    const value = values[flag] ?? env[`VEIL_GATEWAY_${variable}`];
    return typeof value === 'string' ? value : undefined;
  };

  /** A whole-number setting of at least 1, from its flag or variable or default. */
  const count = (flag: keyof typeof values, variable: string, fallback: number) =>
    parseNumber(pick(flag, variable) ?? String(fallback), `--${flag}`, { min: 1, integer: true });

  const port = parseNumber(pick('port', 'PORT') ?? String(DEFAULTS.port), '--port', { min: 0, integer: true });
  if (port > 65535) throw new ConfigError(`--port must be at most 65535; got ${port}.`);
  const keysFile = pick('keys-file', 'KEYS_FILE');
  let keyring: { keys: string[]; details: KeyDetails[] };
  try {
    keyring = mergeKeys(list(pick('keys', 'KEYS')), keysFile ? readKeysFile(keysFile) : null);
  } catch (error) {
    throw error instanceof KeysFileError ? new ConfigError(error.message) : error;
  }
  const { keys } = keyring;
  if (keys.length === 0) {
    throw new ConfigError('Give at least one API key: --keys key1,key2 or VEIL_GATEWAY_KEYS=key1,key2 (the gateway never runs open).');
  }
  const qps = parseNumber(pick('qps', 'QPS') ?? String(DEFAULTS.qps), '--qps', { min: 0.01, integer: false });
  const dailyQuota = parseNumber(pick('daily-quota', 'DAILY_QUOTA') ?? String(DEFAULTS.dailyQuota), '--daily-quota', { min: 0, integer: true });
  const redis = pick('redis', 'REDIS') || null;
  if (redis !== null && !/^(rediss?:\/\/[^\s]+|unix:\/[^\s]+)$/.test(redis)) {
    throw new ConfigError(`--redis takes a URL such as redis://127.0.0.1:6379/0, rediss://… or unix:/run/redis.sock; got "${redis}".`);
  }
  const redisPrefix = pick('redis-prefix', 'REDIS_PREFIX') ?? DEFAULTS.redisPrefix;
  if (!/^[\w.:-]{0,64}$/.test(redisPrefix)) throw new ConfigError(`--redis-prefix takes up to 64 letters, digits, "_", ".", ":" or "-"; got "${redisPrefix}".`);
  const cacheTtl = pick('cache-ttl', 'CACHE_TTL');
  const logLevel = pick('log-level', 'LOG_LEVEL') ?? DEFAULTS.logLevel;
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`--log-level must be fatal, error, warn, info, debug, trace or silent; got "${logLevel}".`);
  }
  const trustProxy = list(pick('trust-proxy', 'TRUST_PROXY')).map((text) => {
    const cidr = parseCidr(text);
    if (!cidr) throw new ConfigError(`--trust-proxy takes address ranges such as 127.0.0.1/32 or 10.0.0.0/8; got "${text}".`);
    return cidr;
  });
  const proxyHeaderText = pick('proxy-header', 'PROXY_HEADER')?.trim().toLowerCase();
  if (proxyHeaderText !== undefined && proxyHeaderText !== 'x-forwarded-for' && proxyHeaderText !== 'x-real-ip') {
    throw new ConfigError(`--proxy-header must be x-forwarded-for or x-real-ip; got "${proxyHeaderText}".`);
  }
  // Proxies differ (Express reads X-Forwarded-For, nginx's real_ip_header defaults to X-Real-IP), so the operator says which one theirs sets.
  if (trustProxy.length > 0 && !proxyHeaderText) {
    throw new ConfigError('--trust-proxy needs --proxy-header: x-forwarded-for (which your proxy appends the client to; --proxy-hops for more than one proxy) or x-real-ip (which it sets).');
  }
  if (trustProxy.length === 0 && proxyHeaderText) throw new ConfigError('--proxy-header needs --trust-proxy: the proxies whose header is believed.');
  const proxyHops = parseNumber(pick('proxy-hops', 'PROXY_HOPS') ?? '1', '--proxy-hops', { min: 1, integer: true });
  if (proxyHops > 1 && proxyHeaderText !== 'x-forwarded-for') throw new ConfigError('--proxy-hops counts X-Forwarded-For entries: it needs --proxy-header x-forwarded-for.');
  const cacheScope = pick('cache-scope', 'CACHE_SCOPE') ?? 'tenant';
  if (cacheScope !== 'tenant' && cacheScope !== 'shared') throw new ConfigError(`--cache-scope must be tenant or shared; got "${cacheScope}".`);
  const cacheSecret = env.VEIL_GATEWAY_CACHE_SECRET || null;
  if (cacheSecret !== null && cacheSecret.length < 32) {
    throw new ConfigError('VEIL_GATEWAY_CACHE_SECRET must be at least 32 characters, e.g. from `openssl rand -hex 32`.');
  }
  const policy = pick('policy', 'POLICY') ?? DEFAULTS.policy;
  if (!['strict', 'balanced', 'lenient'].includes(policy)) {
    throw new ConfigError(`--policy must be strict, balanced or lenient; got "${policy}".`);
  }
  const classifierModel = pick('classifier-model', 'CLASSIFIER_MODEL') || null;
  const classifierName = pick('classifier', 'CLASSIFIER') || null;
  if (classifierModel && !classifierName) throw new ConfigError('--classifier-model needs --classifier: the name of the classifier the file holds, or a JSON file describing it.');
  let classifier: ClassifierSpec | null = null;
  try {
    classifier = classifierName ? readClassifierSpec(classifierName, classifierModel) : null;
  } catch (error) {
    throw isSpecError(error) ? new ConfigError(error.message) : error;
  }
  const corsOrigins = list(pick('cors-origins', 'CORS_ORIGINS'));
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(`--cors-origins takes origins such as https://example.com (scheme and host, no path) or *; got "${origin}".`);
    }
  }
  const allowPrivateUrls = list(pick('allow-private-urls', 'ALLOW_PRIVATE_URLS')).map((text) => {
    const cidr = parseCidr(text);
    if (!cidr) throw new ConfigError(`--allow-private-urls takes address ranges such as 127.0.0.1/32 or ::1/128; got "${text}".`);
    return cidr;
  });

  return {
    host: pick('host', 'HOST') ?? DEFAULTS.host,
    port,
    model: pick('model', 'MODEL') || null,
    classifier,
    keys,
    keyDetails: keyring.details.map((key) => ({ id: key.id, dailyQuota: key.dailyQuota ?? dailyQuota, qps: key.qps ?? qps, tenant: key.tenant })),
    qps,
    dailyQuota,
    hashQps: parseNumber(pick('hash-qps', 'HASH_QPS') ?? String(DEFAULTS.hashQps), '--hash-qps', { min: 0.01, integer: false }),
    anonymousDaily: parseNumber(pick('anonymous-daily', 'ANONYMOUS_DAILY') ?? String(DEFAULTS.anonymousDaily), '--anonymous-daily', { min: 0, integer: true }),
    anonymousQps: parseNumber(pick('anonymous-qps', 'ANONYMOUS_QPS') ?? String(DEFAULTS.anonymousQps), '--anonymous-qps', { min: 0.01, integer: false }),
    redis,
    redisPrefix,
    // A cache in Redis is shared and survives restarts; one in the process only helps that process, so it is asked for.
    cacheTtlS: cacheTtl !== undefined ? parseNumber(cacheTtl, '--cache-ttl', { min: 0, integer: true }) : redis ? DEFAULTS.cacheTtl : 0,
    cacheScope,
    cacheSecret,
    trustProxy,
    proxyHeader: (proxyHeaderText as GatewayConfig['proxyHeader']) ?? null,
    proxyHops,
    logLevel,
    shutdownGraceMs: Math.round(
      1000 * parseNumber(pick('shutdown-grace', 'SHUTDOWN_GRACE') ?? String(DEFAULTS.shutdownGrace), '--shutdown-grace', { min: 0, integer: false }),
    ),
    maxBodyBytes: parseSize(pick('max-body', 'MAX_BODY') ?? DEFAULTS.maxBody, '--max-body'),
    maxImageBytes: parseSize(pick('max-image', 'MAX_IMAGE') ?? DEFAULTS.maxImage, '--max-image'),
    formKeyBytes: parseSize(pick('form-key-bytes', 'FORM_KEY_BYTES') ?? DEFAULTS.formKeyBytes, '--form-key-bytes'),
    maxFormFields: count('max-form-fields', 'MAX_FORM_FIELDS', DEFAULTS.maxFormFields),
    maxConnections: count('max-connections', 'MAX_CONNECTIONS', DEFAULTS.maxConnections),
    maxConnectionsPerAddress: count('max-connections-per-address', 'MAX_CONNECTIONS_PER_ADDRESS', DEFAULTS.maxConnectionsPerAddress),
    maxInFlight: count('max-in-flight', 'MAX_IN_FLIGHT', DEFAULTS.maxInFlight),
    maxInFlightPerKey: count('max-in-flight-per-key', 'MAX_IN_FLIGHT_PER_KEY', DEFAULTS.maxInFlightPerKey),
    authFailures: count('auth-failures', 'AUTH_FAILURES', DEFAULTS.authFailures),
    decodeWorkers: count('decode-workers', 'DECODE_WORKERS', DEFAULTS.decodeWorkers),
    dnsTimeoutMs: Math.round(
      1000 * parseNumber(pick('dns-timeout', 'DNS_TIMEOUT') ?? String(DEFAULTS.dnsTimeout), '--dns-timeout', { min: 0.1, integer: false }),
    ),
    maxDnsLookups: count('max-dns-lookups', 'MAX_DNS_LOOKUPS', DEFAULTS.maxDnsLookups),
    corsOrigins,
    allowPrivateUrls,
    policy: policy as PolicyPreset,
    cloud: readCloudCredentials(env),
  };
}
