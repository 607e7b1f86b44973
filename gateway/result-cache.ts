/**
 * Results by image: the same bytes (by SHA-256) run by the same models (by the
 * SHA-256 of their files) under the same policy always give the same answer, so
 * one computed once is kept (`--cache-ttl`) and a repeated image is answered
 * without decoding or inference, by whichever instance gets it when the cache
 * is in Redis. Only the verdict and what the image is are kept; what belongs to
 * one request (where the image came from, notes on its declared type, timing)
 * is that request's own. A cache that fails simply misses: the image is screened.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { InputInfo, ModerationResult } from '../src/result.js';
import type { BackendChoice } from './backends.js';
import type { LocalModels } from './local.js';
import type { RedisLink } from './redis.js';

/** Bumped when what is stored changes shape, so old entries are not read as new ones. */
const FORMAT = 'v1';
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

/** The cache's name for each backend choice: which models (by content) and which policy. */
export async function fingerprinter(models: LocalModels, policy: unknown): Promise<(choice: BackendChoice) => string> {
  const nudenet = models.nudenet ? `nudenet:${await fileDigest(models.nudenet.modelPath)}:${models.nudenet.inputSize}` : '';
  const classifier = models.classifier ? `classifier:${models.classifier.description.name}:${await fileDigest(models.classifier.modelPath)}` : '';
  const policyText = JSON.stringify(policy);
  return (choice) => {
    const parts = 'cloud' in choice ? [choice.cloud] : [choice.local.nudenet ? nudenet : '', choice.local.classifier ? classifier : ''];
    return sha256([FORMAT, ...parts, policyText].join('|')).slice(0, 32);
  };
}

export class ResultCache {
  private readonly local = new Map<string, { expires: number; entry: CachedResult }>();

  constructor(
    private readonly ttlS: number,
    private readonly redis: RedisLink | null,
    private readonly prefix: string,
  ) {}

  get enabled(): boolean {
    return this.ttlS > 0;
  }

  private key(fingerprint: string, imageSha256: string): string {
    return `${this.prefix}result:${fingerprint}:${imageSha256}`;
  }

  /** The result kept for this image and backend, if any; `error` when the store failed (answered as a miss). */
  async get(fingerprint: string, imageSha256: string): Promise<{ outcome: CacheOutcome; entry: CachedResult | null }> {
    const key = this.key(fingerprint, imageSha256);
    let entry: CachedResult | null = null;
    if (this.redis) {
      if (!this.redis.up) return { outcome: 'error', entry: null };
      try {
        const text = await this.redis.client.get(key);
        entry = text ? (JSON.parse(text) as CachedResult) : null;
      } catch {
        return { outcome: 'error', entry: null };
      }
    } else {
      const kept = this.local.get(key);
      if (kept && kept.expires > Date.now()) entry = kept.entry;
      else if (kept) this.local.delete(key);
    }
    // A stored entry for other bytes would be a wrong answer: never trust one that does not say it is this image.
    if (entry && entry.input?.sha256 !== imageSha256) entry = null;
    return { outcome: entry ? 'hit' : 'miss', entry };
  }

  /** Keeps a fresh result; `requestNotes` (the input's own, e.g. a declared type that lied) are left out. Never fails the request. */
  put(fingerprint: string, result: ModerationResult, requestNotes: readonly string[]): void {
    if (!this.enabled) return;
    const { backend, decision, label, score, categories, detections, raw, tips, notes, input, animation } = result;
    const entry: CachedResult = {
      result: { backend, decision, label, score, categories, detections, raw, tips, notes: notes.filter((n) => !requestNotes.includes(n)), ...(animation && { animation }) },
      input: { size_bytes: input.size_bytes, sha256: input.sha256, mime: input.mime, width: input.width, height: input.height },
    };
    const key = this.key(fingerprint, input.sha256);
    if (this.redis) {
      if (this.redis.up) this.redis.client.set(key, JSON.stringify(entry), 'EX', this.ttlS).catch(() => undefined);
      return;
    }
    this.local.delete(key);
    this.local.set(key, { expires: Date.now() + this.ttlS * 1000, entry });
    if (this.local.size > PROCESS_CACHE_ENTRIES) this.local.delete(this.local.keys().next().value!);
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
