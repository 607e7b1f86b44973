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
  /** Requests per second per key, the token bucket's refill rate and burst size. */
  qps: number;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Largest image accepted (decoded base64, upload or download), in bytes. */
  maxImageBytes: number;
  /** How much of a form with no key in the header or query is read to find its apikey field. */
  formKeyBytes: number;
  /** Most fields (a file part included) a form or multipart body may have. */
  maxFormFields: number;
  /** Open connections, all addresses together; past it a request is answered 5021 unread. */
  maxConnections: number;
  /** Open connections from one address (IPv6: one /64); past it a request is answered 4029 unread. */
  maxConnectionsPerAddress: number;
  /** Requests past the key check at once, all keys together (5021 past it). */
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

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8787,
  qps: 2,
  maxBody: '15mb',
  maxImage: '10mb',
  policy: 'balanced',
  formKeyBytes: '4kb',
  maxFormFields: 32,
  maxConnections: 512,
  maxConnectionsPerAddress: 32,
  maxInFlight: 32,
  maxInFlightPerKey: 8,
  authFailures: 10,
  decodeWorkers: 2,
  dnsTimeout: 5,
  maxDnsLookups: 8,
} as const;

export const USAGE = `Usage: npm run gateway -- [options]

  --port N               port to listen on (VEIL_GATEWAY_PORT, default ${DEFAULTS.port}; 0 picks a free one)
  --host H               address to bind (VEIL_GATEWAY_HOST, default ${DEFAULTS.host})
  --model PATH           NudeNet .onnx for the nudenet backend (VEIL_GATEWAY_MODEL)
  --classifier NAME|PATH a whole-image classifier: a built-in name (nsfwjs-mobilenet-v2, ...)
                         or a JSON file describing one (VEIL_GATEWAY_CLASSIFIER)
  --classifier-model PATH
                         the classifier's .onnx (VEIL_GATEWAY_CLASSIFIER_MODEL,
                         default public/models/<name>.onnx for a built-in one)
  --keys K1,K2           accepted API keys (VEIL_GATEWAY_KEYS; prefer the variable: flags show in ps)
  --qps N                requests per second per key (VEIL_GATEWAY_QPS, default ${DEFAULTS.qps})
  --max-body SIZE        largest request body, e.g. 15mb (VEIL_GATEWAY_MAX_BODY, default ${DEFAULTS.maxBody})
  --max-image SIZE       largest image, e.g. 10mb (VEIL_GATEWAY_MAX_IMAGE, default ${DEFAULTS.maxImage})
  --form-key-bytes SIZE  how far into a form with no key in the header or query its apikey
                         field is looked for (VEIL_GATEWAY_FORM_KEY_BYTES, default ${DEFAULTS.formKeyBytes})
  --max-form-fields N    most fields in a form or upload (VEIL_GATEWAY_MAX_FORM_FIELDS, default ${DEFAULTS.maxFormFields})
  --max-connections N    open connections in all (VEIL_GATEWAY_MAX_CONNECTIONS, default ${DEFAULTS.maxConnections})
  --max-connections-per-address N
                         open connections from one address (VEIL_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS, default ${DEFAULTS.maxConnectionsPerAddress})
  --max-in-flight N      requests at once, all keys (VEIL_GATEWAY_MAX_IN_FLIGHT, default ${DEFAULTS.maxInFlight})
  --max-in-flight-per-key N
                         requests at once per key (VEIL_GATEWAY_MAX_IN_FLIGHT_PER_KEY, default ${DEFAULTS.maxInFlightPerKey})
  --auth-failures N      failed key attempts per address per minute (VEIL_GATEWAY_AUTH_FAILURES, default ${DEFAULTS.authFailures})
  --decode-workers N     threads decoding images (VEIL_GATEWAY_DECODE_WORKERS, default ${DEFAULTS.decodeWorkers})
  --dns-timeout S        seconds an image_url host look-up may take (VEIL_GATEWAY_DNS_TIMEOUT, default ${DEFAULTS.dnsTimeout})
  --max-dns-lookups N    host look-ups at once (VEIL_GATEWAY_MAX_DNS_LOOKUPS, default ${DEFAULTS.maxDnsLookups})
  --cors-origins LIST    origins allowed from browsers, or * (VEIL_GATEWAY_CORS_ORIGINS, default none)
  --policy NAME          strict, balanced or lenient (VEIL_GATEWAY_POLICY, default ${DEFAULTS.policy})
  --allow-private-urls CIDRS
                         TEST ONLY: let image_url reach these ranges, e.g. 127.0.0.1/32
                         (VEIL_GATEWAY_ALLOW_PRIVATE_URLS)
  --help                 this text`;

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
        qps: { type: 'string' },
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
  const keys = list(pick('keys', 'KEYS'));
  if (keys.length === 0) {
    throw new ConfigError('Give at least one API key: --keys key1,key2 or VEIL_GATEWAY_KEYS=key1,key2 (the gateway never runs open).');
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
    qps: parseNumber(pick('qps', 'QPS') ?? String(DEFAULTS.qps), '--qps', { min: 0.01, integer: false }),
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
