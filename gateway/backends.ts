/**
 * Which backend answers a request. `nudenet` is the model this server loaded;
 * `baidu`, `tencent` and `aliyun` are cloud services, usable only when their
 * credentials are set in this server's environment (they never come from a
 * request, so keys stay on the server). `auto` takes nudenet when a model is
 * loaded, else the first configured cloud backend it can call, else answers 5020.
 */
import { ErrorCodes, VeilError } from '../src/errors.js';

export const CLOUD_BACKENDS = ['baidu', 'tencent', 'aliyun'] as const;
export type CloudBackend = (typeof CLOUD_BACKENDS)[number];
export type BackendName = 'nudenet' | CloudBackend;
export type RequestedBackend = 'auto' | BackendName;

/** Cloud backends this gateway can call; the others are recognised but answer 5021. */
export const CLOUD_IMPLEMENTED: readonly CloudBackend[] = ['tencent'];

/** Optional settings read along with a backend's credentials. */
const CLOUD_OPTIONAL: Record<CloudBackend, readonly string[]> = {
  baidu: [],
  tencent: ['VEIL_GATEWAY_TENCENT_REGION', 'VEIL_GATEWAY_TENCENT_ENDPOINT'],
  aliyun: [],
};

/** The environment variables each cloud backend needs, all of them. */
export const CLOUD_VARIABLES: Record<CloudBackend, readonly string[]> = {
  baidu: ['VEIL_GATEWAY_BAIDU_API_KEY', 'VEIL_GATEWAY_BAIDU_SECRET_KEY'],
  tencent: ['VEIL_GATEWAY_TENCENT_SECRET_ID', 'VEIL_GATEWAY_TENCENT_SECRET_KEY'],
  aliyun: ['VEIL_GATEWAY_ALIYUN_ACCESS_KEY_ID', 'VEIL_GATEWAY_ALIYUN_ACCESS_KEY_SECRET'],
};

/** Each cloud backend's settings by variable name, or null when a required one is missing. */
export type CloudCredentials = Record<CloudBackend, Record<string, string> | null>;

export function readCloudCredentials(env: NodeJS.ProcessEnv): CloudCredentials {
  const read = (backend: CloudBackend) => {
    const names = CLOUD_VARIABLES[backend];
    const values = names.map((name) => env[name]?.trim() ?? '');
    if (!values.every(Boolean)) return null;
    const optional = CLOUD_OPTIONAL[backend].filter((name) => env[name]?.trim()).map((name) => [name, env[name]!.trim()]);
    return Object.fromEntries([...names.map((name, i) => [name, values[i]!]), ...optional]);
  };
  return { baidu: read('baidu'), tencent: read('tencent'), aliyun: read('aliyun') };
}

/** The image-nsfw gateway API's backends, plus `local`, which its error table uses for nudenet. */
export function parseBackend(value: string | undefined): RequestedBackend {
  const name = (value ?? '').trim().toLowerCase();
  if (name === '' || name === 'auto') return 'auto';
  if (name === 'nudenet' || name === 'local') return 'nudenet';
  if ((CLOUD_BACKENDS as readonly string[]).includes(name)) return name as CloudBackend;
  throw new VeilError(
    ErrorCodes.BAD_OPTION,
    `backend "${String(value).slice(0, 40)}" is not supported: use auto, nudenet (or local), baidu, tencent or aliyun.`,
  );
}

/** The backend that will answer, or the error the image-nsfw API documents for why none can. */
export function chooseBackend(requested: RequestedBackend, hasModel: boolean, cloud: CloudCredentials): BackendName {
  if (requested === 'auto') {
    if (hasModel) return 'nudenet';
    const configured = CLOUD_IMPLEMENTED.find((name) => cloud[name]);
    if (configured) return configured;
    throw new VeilError(
      ErrorCodes.NO_BACKEND,
      'This gateway has no backend configured: it was started without --model and without cloud credentials.',
    );
  }
  if (requested === 'nudenet') {
    if (hasModel) return 'nudenet';
    throw new VeilError(
      ErrorCodes.REMOTE_UNREACHABLE,
      'The nudenet backend is not running on this gateway: it was started without --model. Use backend=auto or ask its operator to load a model.',
    );
  }
  if (!cloud[requested]) {
    throw new VeilError(
      ErrorCodes.MISSING_CREDENTIALS,
      `The ${requested} backend has no credentials on this gateway: its operator must set ${CLOUD_VARIABLES[requested].join(' and ')}.`,
    );
  }
  return requested;
}
