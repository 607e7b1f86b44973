/**
 * The gateway's defaults and its `--help` text, apart from config.ts (which
 * reads and checks the settings) so each stays short enough to read at once.
 */

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
  /** Calls per key per UTC day, as the image-nsfw gateway API documents its allowance. */
  dailyQuota: 100,
  /** Hash look-ups per second per key: cheap, but not free for Redis. */
  hashQps: 20,
  /** Keyless calls per client address per UTC day: 0, keys required (the image-nsfw gateway API allows 10). */
  anonymousDaily: 0,
  /** Keyless calls per second per client address. */
  anonymousQps: 1,
  /** How long a result is kept when there is a cache (one day); 0 without --redis unless given. */
  cacheTtl: 86_400,
  redisPrefix: 'veil:',
  logLevel: 'info',
  /** Seconds a stopping instance gives the requests it holds: under the 30 s most orchestrators wait before SIGKILL. */
  shutdownGrace: 25,
} as const;

export const USAGE = `Usage: npx veil-nsfw gateway [options]   (in this repository: npm run gateway -- [options])

  --port N               port to listen on (VEIL_GATEWAY_PORT, default ${DEFAULTS.port}; 0 picks a free one)
  --host H               address to bind (VEIL_GATEWAY_HOST, default ${DEFAULTS.host})
  --model PATH           NudeNet .onnx for the nudenet backend (VEIL_GATEWAY_MODEL)
  --classifier NAME|PATH a whole-image classifier: a built-in name (nsfwjs-mobilenet-v2, ...)
                         or a JSON file describing one (VEIL_GATEWAY_CLASSIFIER)
  --classifier-model PATH
                         the classifier's .onnx (VEIL_GATEWAY_CLASSIFIER_MODEL,
                         default public/models/<name>.onnx for a built-in one)
  --keys K1,K2           accepted API keys (VEIL_GATEWAY_KEYS; prefer the variable: flags show in ps)
  --keys-file PATH       a JSON list of keys, each { "key", "id", "tenant", "daily_quota", "qps" } (VEIL_GATEWAY_KEYS_FILE)
  --qps N                requests per second per key (VEIL_GATEWAY_QPS, default ${DEFAULTS.qps})
  --daily-quota N        calls per key per UTC day, 0 for no limit (VEIL_GATEWAY_DAILY_QUOTA, default ${DEFAULTS.dailyQuota})
  --hash-qps N           hash look-ups per second per key (VEIL_GATEWAY_HASH_QPS, default ${DEFAULTS.hashQps})
  --anonymous-daily N    calls without a key per client address (IPv6 by /64) per UTC day
                         (VEIL_GATEWAY_ANONYMOUS_DAILY, default ${DEFAULTS.anonymousDaily}: a key is required)
  --anonymous-qps N      calls without a key per second per client address (VEIL_GATEWAY_ANONYMOUS_QPS, default ${DEFAULTS.anonymousQps})
  --redis URL            share limits, allowances and results with other instances through Redis,
                         e.g. redis://127.0.0.1:6379/0 (VEIL_GATEWAY_REDIS; default none: all in this process)
  --redis-prefix TEXT    prefix of the gateway's Redis keys (VEIL_GATEWAY_REDIS_PREFIX, default ${DEFAULTS.redisPrefix})
  --cache-ttl S          seconds a result is kept by image SHA-256, 0 for no cache (VEIL_GATEWAY_CACHE_TTL,
                         default ${DEFAULTS.cacheTtl} with --redis, 0 without)
  --cache-scope SCOPE    tenant: a key gets cached results and hash look-ups of its own tenant's images only;
                         shared: of every key's (a privacy trade; VEIL_GATEWAY_CACHE_SCOPE, default tenant);
                         a call without a key sees only its own address's either way
                         VEIL_GATEWAY_CACHE_SECRET (environment only): signs cached results; the same on every
                         instance of one deployment, another for each deployment
  --trust-proxy CIDRS    load balancers whose --proxy-header names the client (VEIL_GATEWAY_TRUST_PROXY)
  --proxy-header NAME    x-forwarded-for or x-real-ip: the one header those proxies set (VEIL_GATEWAY_PROXY_HEADER)
  --proxy-hops N         trusted proxies appending to X-Forwarded-For: the client is the Nth entry from its end
                         (VEIL_GATEWAY_PROXY_HOPS, default 1)
  --log-level LEVEL      fatal, error, warn, info, debug or silent (VEIL_GATEWAY_LOG_LEVEL, default ${DEFAULTS.logLevel})
  --shutdown-grace S     seconds to finish held requests after SIGTERM (VEIL_GATEWAY_SHUTDOWN_GRACE, default ${DEFAULTS.shutdownGrace})
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
