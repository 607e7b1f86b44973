/**
 * Which backend answers a request. `nudenet` is the model this server loaded,
 * and a classifier (`--classifier`) answers by its own name, alone or as
 * `nudenet+<name>`; `baidu`, `tencent` and `aliyun` are cloud services, usable
 * only when their credentials are set in this server's environment (they never
 * come from a request, so keys stay on the server). `auto` takes every model of its own
 * model loaded; without one, the cloud backends that have credentials in the
 * order baidu, tencent, aliyun (the image-nsfw gateway API's), each failing one
 * handing over to the next with a note (detect.ts); with none, it answers 5020.
 */
import { ErrorCodes, VeilError } from '../src/errors.js';

export const CLOUD_BACKENDS = ['baidu', 'tencent', 'aliyun'] as const;
export type CloudBackend = (typeof CLOUD_BACKENDS)[number];
/** What a request may ask for; `classifier` stands for this gateway's classifier, whatever its name. */
export type RequestedBackend = 'auto' | 'nudenet' | 'classifier' | 'nudenet+classifier' | CloudBackend;

/** The order `auto` tries the cloud backends in. */
export const CLOUD_ORDER: readonly CloudBackend[] = ['baidu', 'tencent', 'aliyun'];

/** Optional settings read along with a backend's credentials. */
const CLOUD_OPTIONAL: Record<CloudBackend, readonly string[]> = {
  baidu: ['VEIL_GATEWAY_BAIDU_ENDPOINT'],
  tencent: ['VEIL_GATEWAY_TENCENT_REGION', 'VEIL_GATEWAY_TENCENT_ENDPOINT'],
  aliyun: ['VEIL_GATEWAY_ALIYUN_REGION', 'VEIL_GATEWAY_ALIYUN_ENDPOINT'],
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

/**
 * The names `backend` takes on this gateway, for the sentence that refuses another:
 * with a classifier, its name and `nudenet+<name>` too, as the image-nsfw gateway
 * API offers `marqo` and `nudenet+marqo`.
 */
export function backendNames(classifier: string | null): string {
  const names = ['auto', 'nudenet (or local)', ...(classifier ? [classifier, `nudenet+${classifier}`] : [])];
  return `${names.join(', ')}, baidu, tencent or aliyun`;
}

/** The image-nsfw gateway API's backends, plus `local`, which its error table uses for nudenet, and this gateway's classifier. */
export function parseBackend(value: string | undefined, classifier: string | null = null): RequestedBackend {
  const name = (value ?? '').trim().toLowerCase();
  if (name === '' || name === 'auto') return 'auto';
  if (name === 'nudenet' || name === 'local') return 'nudenet';
  if ((CLOUD_BACKENDS as readonly string[]).includes(name)) return name as CloudBackend;
  const own = classifier?.toLowerCase();
  if (own && name === own) return 'classifier';
  if (own && (name === `nudenet+${own}` || name === `local+${own}`)) return 'nudenet+classifier';
  throw new VeilError(ErrorCodes.BAD_OPTION, `backend "${String(value).slice(0, 40)}" is not supported: use ${backendNames(classifier)}.`);
}

/** The gateway's own models that will answer (at least one), or the cloud backend, with those `auto` may fall back to after it. */
export type BackendChoice = { models: { nudenet: boolean; classifier: boolean } } | { cloud: CloudBackend; fallbacks?: CloudBackend[] };

/** What this gateway runs itself: whether a NudeNet model is loaded, and the classifier's name if one is. */
export interface AvailableModels {
  nudenet: boolean;
  classifier: string | null;
}

const noModel = (classifier: string | null) =>
  new VeilError(
    ErrorCodes.REMOTE_UNREACHABLE,
    `The nudenet backend is not running on this gateway: it was started without --model. Use backend=${classifier ?? 'auto'} or ask its operator to load a model.`,
  );

/**
 * What answers, or the error the image-nsfw API documents for why nothing can:
 * `auto` runs every model of its own there is (NudeNet and the classifier together
 * when both are loaded), else the configured cloud backends in CLOUD_ORDER.
 */
export function chooseBackend(requested: RequestedBackend, available: AvailableModels, cloud: CloudCredentials): BackendChoice {
  const classifier = available.classifier !== null;
  if (requested === 'auto') {
    if (available.nudenet || classifier) return { models: { nudenet: available.nudenet, classifier } };
    const [first, ...fallbacks] = CLOUD_ORDER.filter((name) => cloud[name]);
    if (first) return { cloud: first, fallbacks };
    throw new VeilError(
      ErrorCodes.NO_BACKEND,
      'This gateway has no backend configured: it was started without --model, without --classifier and without cloud credentials.',
    );
  }
  if (requested === 'nudenet' || requested === 'nudenet+classifier') {
    if (!available.nudenet) throw noModel(available.classifier);
    return { models: { nudenet: true, classifier: requested === 'nudenet+classifier' } };
  }
  // parseBackend gives `classifier` only when this gateway has one.
  if (requested === 'classifier') return { models: { nudenet: false, classifier: true } };
  if (!cloud[requested]) {
    throw new VeilError(
      ErrorCodes.MISSING_CREDENTIALS,
      `The ${requested} backend has no credentials on this gateway: its operator must set ${CLOUD_VARIABLES[requested].join(' and ')}.`,
    );
  }
  return { cloud: requested };
}
