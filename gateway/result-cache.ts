/**
 * Results by image: the same bytes (by SHA-256) run by the same models (by the
 * SHA-256 of their files) under the same policy always give the same answer, so
 * one computed once is kept (`--cache-ttl`) and a repeated image is answered
 * without decoding or inference, by whichever instance gets it when the cache
 * is in Redis. Only the verdict and what the image is are kept; what belongs to
 * one request (where the image came from, notes on its declared type, timing)
 * is that request's own. A cache that fails simply misses: the image is screened.
 *
 * - **Scope.** Entries are kept and looked up per tenant (keys-file.ts): a key
 *   is never answered from, nor learns through the hash look-up or X-Cache,
 *   what another tenant's keys sent. `--cache-scope shared` shares them across
 *   tenants, a privacy trade the operator makes knowingly.
 * - **Fingerprint.** Everything that can change a verdict names the entry: the
 *   models' files, NudeNet's input size and thresholds, the classifier's whole
 *   description, the policy, and SCREENING_VERSION for the code between them.
 * - **Trust.** An entry in Redis is signed (HMAC-SHA256 over its Redis key and
 *   text, with VEIL_GATEWAY_CACHE_SECRET), so one written by another deployment
 *   sharing the Redis, copied from another key, or forged, is never served; and
 *   every entry's shape is checked before it answers. Either failing is a miss,
 *   logged.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { KEEP_THRESHOLD, NMS_IOU_THRESHOLD, NMS_SCORE_THRESHOLD } from '../src/nudenet/detections.js';
import type { InputInfo, ModerationResult } from '../src/result.js';
import type { BackendChoice } from './backends.js';
import type { GatewayModels } from './model-runner.js';
import type { RedisLink } from './redis.js';

/** Bumped when what is stored changes shape, so old entries are not read as new ones. */
const FORMAT = 'v2';
/**
 * Bumped with any change to how an image becomes a verdict that the models,
 * thresholds and policy in the fingerprint do not show: decoding, frame
 * sampling, letterbox and resizes, NMS, the policy's arithmetic, the result
 * builder. Entries made by other code are then never read.
 */
export const SCREENING_VERSION = 1;
/** Results a cache in this process keeps at most (a few KB each); the oldest go first. */
export const PROCESS_CACHE_ENTRIES = 10_000;

/** What is kept of a result: the verdict, the image's own facts, and notes from the models (not the request). */
export interface CachedResult {
  result: Pick<ModerationResult, 'backend' | 'decision' | 'label' | 'score' | 'categories' | 'detections' | 'raw' | 'tips' | 'notes' | 'animation'>;
  input: Pick<InputInfo, 'size_bytes' | 'sha256' | 'mime' | 'width' | 'height'>;
}

export type CacheOutcome = 'hit' | 'miss' | 'error';

export const CACHE_NOTE = "Answered from the gateway's result cache: this image (by SHA-256) was screened before with the same models and policy.";

const sha256 = (text: string | Uint8Array) => createHash('sha256').update(text).digest('hex');

/** What a model file is, by content: a changed file is a changed model. */
async function fileDigest(path: string): Promise<string> {
  try {
    return sha256(await readFile(path));
  } catch {
    return `path:${path}`; // a backend handed in by a test, with no file behind it
  }
}

/** JSON with every object's keys sorted, so equal descriptions give equal text whatever order they were written in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The cache's name for each backend choice: which models (by content and description), thresholds, policy and code. */
export async function fingerprinter(models: GatewayModels, policy: unknown): Promise<(choice: BackendChoice) => string> {
  const thresholds = canonicalJson({ keep: KEEP_THRESHOLD, nmsScore: NMS_SCORE_THRESHOLD, nmsIou: NMS_IOU_THRESHOLD });
  const nudenet = models.nudenet ? `nudenet:${await fileDigest(models.nudenet.modelPath)}:${models.nudenet.inputSize}:${thresholds}` : '';
  const classifier = models.classifier ? `classifier:${await fileDigest(models.classifier.modelPath)}:${canonicalJson(models.classifier.description)}` : '';
  const policyText = canonicalJson(policy);
  return (choice) => {
    const parts = 'cloud' in choice ? [choice.cloud] : [choice.models.nudenet ? nudenet : '', choice.models.classifier ? classifier : ''];
    return sha256([FORMAT, `code:${SCREENING_VERSION}`, ...parts, policyText].join('|')).slice(0, 32);
  };
}

const DECISIONS = ['block', 'review', 'pass'];
const LABELS = ['porn', 'sexy', 'normal'];
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a stored entry has the shape put() writes, for this image: anything else is never an answer. */
export function isCachedResult(value: unknown, imageSha256: string): value is CachedResult {
  if (!isObject(value) || !isObject(value.result) || !isObject(value.input)) return false;
  const { result: r, input: i } = value;
  const categories = r.categories;
  const animation = r.animation;
  return (
    typeof r.backend === 'string' &&
    r.backend !== '' &&
    DECISIONS.includes(r.decision as string) &&
    LABELS.includes(r.label as string) &&
    isNumber(r.score) &&
    isObject(categories) &&
    LABELS.every((label) => isNumber(categories[label])) &&
    Array.isArray(r.detections) &&
    r.detections.every((d) => isObject(d) && typeof d.cls === 'string' && isNumber(d.score) && Array.isArray(d.box) && d.box.length === 4 && d.box.every(isNumber)) &&
    isObject(r.raw) &&
    typeof r.tips === 'string' &&
    Array.isArray(r.notes) &&
    r.notes.every((n) => typeof n === 'string') &&
    (animation === undefined || (isObject(animation) && [animation.frames, animation.scanned, animation.decided_by].every(isNumber))) &&
    i.sha256 === imageSha256 &&
    isNumber(i.size_bytes) &&
    (i.mime === null || typeof i.mime === 'string') &&
    isNumber(i.width) &&
    isNumber(i.height)
  );
}

/** Who may be answered from an entry: one tenant's keys, or every key with `--cache-scope shared`. */
export const SHARED_SCOPE = '*';

export class ResultCache {
  private readonly inProcess = new Map<string, { expires: number; entry: CachedResult }>();
  private readonly secret: string;

  /** `secret`: signs entries in Redis; null for a random one of this process (its entries are then its own). `log`: says why an entry was not served. */
  constructor(
    private readonly ttlS: number,
    private readonly redis: RedisLink | null,
    private readonly prefix: string,
    secret: string | null = null,
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.secret = secret ?? randomBytes(32).toString('hex');
  }

  get enabled(): boolean {
    return this.ttlS > 0;
  }

  /** The Redis key: the tenant's scope (a hash, so ids never reach Redis in clear), the fingerprint, the image. */
  key(scope: string, fingerprint: string, imageSha256: string): string {
    return `${this.prefix}result:${sha256(`scope:${scope}`).slice(0, 16)}:${fingerprint}:${imageSha256}`;
  }

  private sign(key: string, text: string): string {
    return createHmac('sha256', this.secret).update(`${key}\n${text}`).digest('hex');
  }

  /** The entry's text if its signature is this deployment's for this very key, else null. */
  private verified(key: string, stored: string): string | null {
    const at = stored.indexOf(':');
    if (at !== 64) return null;
    const given = Buffer.from(stored.slice(0, at), 'hex');
    const text = stored.slice(at + 1);
    const wanted = Buffer.from(this.sign(key, text), 'hex');
    return given.length === wanted.length && timingSafeEqual(given, wanted) ? text : null;
  }

  /**
   * The result kept for this image and backend within `scope` (a tenant, or
   * SHARED_SCOPE), if any; `error` when the store failed. An entry that is not
   * signed by this deployment, or not of the shape put() writes for this image,
   * is a miss and logged.
   */
  async get(scope: string, fingerprint: string, imageSha256: string): Promise<{ outcome: CacheOutcome; entry: CachedResult | null }> {
    const key = this.key(scope, fingerprint, imageSha256);
    let entry: unknown = null;
    if (this.redis) {
      if (!this.redis.up) return { outcome: 'error', entry: null };
      let stored: string | null;
      try {
        stored = await this.redis.client.get(key);
      } catch {
        return { outcome: 'error', entry: null };
      }
      if (stored === null) return { outcome: 'miss', entry: null };
      const text = this.verified(key, stored);
      if (text === null) {
        this.log(`Result cache: the entry at ${key} is not signed by this deployment (VEIL_GATEWAY_CACHE_SECRET); not served.`);
        return { outcome: 'miss', entry: null };
      }
      try {
        entry = JSON.parse(text);
      } catch {
        entry = null;
      }
    } else {
      const kept = this.inProcess.get(key);
      if (kept && kept.expires > Date.now()) entry = kept.entry;
      else if (kept) this.inProcess.delete(key);
      if (!entry) return { outcome: 'miss', entry: null };
    }
    // A stored entry for other bytes, or missing any part of a verdict, would be a wrong answer.
    if (!isCachedResult(entry, imageSha256)) {
      this.log(`Result cache: the entry at ${key} is not a result for this image; not served.`);
      return { outcome: 'miss', entry: null };
    }
    return { outcome: 'hit', entry };
  }

  /** Keeps a fresh result within `scope`; `requestNotes` (the input's own, e.g. a declared type that lied) are left out. Never fails the request. */
  put(scope: string, fingerprint: string, result: ModerationResult, requestNotes: readonly string[]): void {
    if (!this.enabled) return;
    const { backend, decision, label, score, categories, detections, raw, tips, notes, input, animation } = result;
    const entry: CachedResult = {
      result: { backend, decision, label, score, categories, detections, raw, tips, notes: notes.filter((n) => !requestNotes.includes(n)), ...(animation && { animation }) },
      input: { size_bytes: input.size_bytes, sha256: input.sha256, mime: input.mime, width: input.width, height: input.height },
    };
    const key = this.key(scope, fingerprint, input.sha256);
    if (this.redis) {
      const text = JSON.stringify(entry);
      if (this.redis.up) this.redis.client.set(key, `${this.sign(key, text)}:${text}`, 'EX', this.ttlS).catch(() => undefined);
      return;
    }
    this.inProcess.delete(key);
    this.inProcess.set(key, { expires: Date.now() + this.ttlS * 1000, entry });
    if (this.inProcess.size > PROCESS_CACHE_ENTRIES) this.inProcess.delete(this.inProcess.keys().next().value!);
  }
}

/**
 * A kept result as this request's answer, in the result schema's order: this
 * request's `input` (its type, source and the notes on it), the kept verdict,
 * and a note saying it came from the cache.
 */
export function answerFromCache(
  { result, input }: CachedResult,
  request: { info: InputInfo; notes: readonly string[]; started: number },
): ModerationResult {
  return {
    code: 200,
    desc: 'success',
    backend: result.backend,
    elapsed_ms: Math.round(performance.now() - request.started),
    input: { ...request.info, width: input.width, height: input.height },
    decision: result.decision,
    label: result.label,
    score: result.score,
    categories: result.categories,
    detections: result.detections,
    raw: result.raw,
    notes: [...request.notes, ...result.notes, CACHE_NOTE],
    tips: result.tips,
    ...(result.animation && { animation: result.animation }),
  };
}
