/**
 * A dialect speaks one remote moderation service: it sends an image the way the
 * service expects and turns the answer into Veil's categories, keeping the
 * service's own body in `raw`. Built-in dialects cover the image-nsfw gateway
 * API, yuanxiapi.cn, Tencent COS image review, Tencent AI's vision_porn and
 * nsfw-categorize.it; a caller can pass its own object of this shape.
 */
import type { Policy } from '../policy.js';
import type { AnimationInfo, Categories, Decision, Detection, InputInfo, Label } from '../result.js';

/** The image as the page could read it. */
export interface RemoteImage {
  /** The file's bytes, when the page can read them. */
  bytes?: Uint8Array;
  /** Its URL, sent instead of bytes when the page cannot read them (cross-origin without CORS). */
  url?: string;
  /** What is known here: type, source, size, sha256, sniffed mime, header dimensions (0 when unknown). */
  info: InputInfo;
}

export interface RemoteContext {
  /** The service's endpoint, as configured in `remote.url`. */
  endpoint: string;
  apiKey: string | undefined;
  /** Extra headers for every request. */
  headers: Record<string, string>;
  /** The whole call's budget; `signal` fires when it runs out or the caller aborts. */
  timeoutMs: number;
  signal: AbortSignal;
  /** The detector's policy, for services that give scores but no decision. */
  policy: Policy;
}

/** A service's answer in Veil's terms; Veil completes the rest of the result. */
export interface RemoteVerdict {
  /** What answered, e.g. the gateway's own `backend`, or the service's name. */
  backend: string;
  categories: Categories;
  /** The service's own label and decision, where it documents a rule; otherwise the policy decides. */
  label?: Label;
  decision?: Decision;
  score?: number;
  /** Part-level boxes, when the service gives them. */
  detections?: Detection[];
  /** The service's own answer, keyed by backend. */
  raw: Record<string, unknown>;
  notes?: string[];
  tips?: string;
  /** What the service reported about the image, e.g. its dimensions. */
  input?: Partial<InputInfo>;
  /**
   * How the service judged an animated GIF or WebP, when it says (Veil's
   * gateway does): without it, the page sends the animation's frames as stills.
   */
  animation?: AnimationInfo;
}

export interface Dialect {
  readonly name: string;
  screen(image: RemoteImage, context: RemoteContext): Promise<RemoteVerdict>;
}

/** Names of the built-in dialects, usable instead of a Dialect object. */
export const DIALECT_NAMES = ['gateway', 'yuanxi', 'tencent-cos', 'tencent-ai', 'nsfw-categorize'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];
