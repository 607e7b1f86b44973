/**
 * Small pieces the DOM helpers share: what they need of a detector, events,
 * a screen-reader live region, and listeners that all come off in one call.
 */
import type { DetectOptions, DetectVideoOptions, VideoInput } from '../detector.js';
import type { DetectInput } from '../types.js';
import type { ModerationResult, VideoResult } from '../result.js';

/**
 * What the helpers need of a detector: any object with Veil's `detect()`, or a
 * promise of one, so a page can attach a helper before the model has loaded; or
 * a function that makes one, called only once the helper is about to need it
 * (see detectorWhenNeeded). screenUploads screens video clips with
 * `detectVideo()` when it has one.
 */
export interface DetectorLike {
  detect(input: DetectInput, options?: DetectOptions): Promise<ModerationResult>;
  detectVideo?(input: VideoInput, options?: DetectVideoOptions): Promise<VideoResult>;
  dispose?(): void;
}
export type DetectorSource = DetectorLike | PromiseLike<DetectorLike> | (() => DetectorLike | PromiseLike<DetectorLike>);

/**
 * A helper's detector. Given a function, it is called the first time `get()` is:
 * when the user first reaches for a file input, or a feed first comes near the
 * viewport, so a page pays for the worker and the model only when they are about
 * to be needed, and still has them warm by the time a file is picked. A detector
 * made this way belongs to the helper, which disposes it; if making it fails, the
 * next `get()` tries again.
 */
export function detectorWhenNeeded(source: DetectorSource): { get(): Promise<DetectorLike>; dispose(): void } {
  let detector: Promise<DetectorLike> | null = null;
  let disposed = false;
  const make = typeof source === 'function' ? source : null;
  return {
    get() {
      if (!detector) {
        const made: Promise<DetectorLike> = Promise.resolve().then(() => (make ? make() : source as DetectorLike | PromiseLike<DetectorLike>));
        detector = made;
        made.then(
          (d) => disposed && make && d.dispose?.(), // made after the helper went away
          () => make && detector === made && (detector = null),
        );
      }
      return detector;
    },
    dispose() {
      disposed = true;
      if (make) void detector?.then((d) => d.dispose?.(), () => undefined);
    },
  };
}

/** Dispatches a bubbling `veil:*` CustomEvent; returns false when a listener cancelled it. */
export function emit<T>(target: EventTarget, type: string, detail: T): boolean {
  return target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, cancelable: true }));
}

/** Collects listeners so that dispose() can take every one of them off again. */
export class Listeners {
  readonly #off: (() => void)[] = [];

  on<E extends Event>(target: EventTarget, type: string, handler: (event: E) => void, options?: AddEventListenerOptions): void {
    const listener = handler as EventListener;
    target.addEventListener(type, listener, options);
    this.#off.push(() => target.removeEventListener(type, listener, options));
  }

  /** Runs `undo` at dispose time too (observers, inserted elements). */
  add(undo: () => void): void {
    this.#off.push(undo);
  }

  clear(): void {
    for (const off of this.#off.splice(0).reverse()) off();
  }
}

const VISUALLY_HIDDEN =
  'position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;clip-path:inset(50%);white-space:nowrap';

/**
 * A polite live region. Announcements made close together are read as one, so a
 * batch of ten files is not ten interruptions.
 */
export class LiveRegion {
  readonly #el: HTMLElement;
  readonly #owned: boolean;
  #queue: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(near: Element, given?: HTMLElement) {
    this.#owned = !given;
    this.#el = given ?? near.ownerDocument.createElement('div');
    if (!given) {
      this.#el.setAttribute('role', 'status');
      this.#el.setAttribute('aria-live', 'polite');
      this.#el.setAttribute('data-veil-live', '');
      this.#el.style.cssText = VISUALLY_HIDDEN;
      // Inside a form or drop zone it goes in as a child; next to an input, as a sibling.
      if (near instanceof HTMLInputElement) near.after(this.#el);
      else near.append(this.#el);
    }
  }

  say(text: string): void {
    if (!text) return;
    this.#queue.push(text);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#el.textContent = this.#queue.splice(0).join(' ');
    }, 150);
  }

  remove(): void {
    clearTimeout(this.#timer);
    if (this.#owned) this.#el.remove();
  }
}

/**
 * Adds a stylesheet where it applies to the element: its shadow root (`<veil-image>`
 * keeps its picture in one, which the document's styles do not reach), else the
 * document's head. Returns how to take it out.
 */
export function injectStyle(near: Element, css: string): () => void {
  const style = near.ownerDocument.createElement('style');
  style.setAttribute('data-veil-style', '');
  style.textContent = css;
  const root = near.getRootNode();
  (root instanceof ShadowRoot ? root : near.ownerDocument.head).append(style);
  return () => style.remove();
}

export const isAbort = (error: unknown): boolean =>
  (error as { code?: unknown } | null)?.code === '4099' || (error as { name?: unknown } | null)?.name === 'AbortError';

/** A stable short id per helper instance, for CSS scopes and anchor names. */
let counter = 0;
export const nextId = (): number => ++counter;
