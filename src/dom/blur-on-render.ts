/**
 * blurOnRender: every image in a feed is blurred by a stylesheet before it is
 * first painted, checked when it comes near the viewport (nearest first), and
 * unblurred when it passes. Review and block keep the blur, with a "show" button.
 * The bytes checked are the bytes shown (screened-source.ts), and only this
 * controller's script can lift the blur (a random token, see blurCss).
 */
import { ErrorCodes, VeilError, isVeilError } from '../errors.js';
import type { ModerationResult } from '../result.js';
import { censor, type CensorOptions } from './censor.js';
import { DEFAULT_LABELS, addCover, blurCss, type BlurLabels, type Cover } from './cover.js';
import { newToken, setClear, stripForged } from './clear-token.js';
import { screen, signature, unshowable, type Swap } from './screened-source.js';
import { Listeners, detectorWhenNeeded, emit, injectStyle, isAbort, nextId, type DetectorSource } from './shared.js';
import { queriesOf, watchSources } from './source-watch.js';

export type { BlurLabels };

/** An image's state, in its `data-veil` attribute. */
export type BlurState = 'pending' | 'scanning' | 'pass' | 'review' | 'block' | 'error';

export interface BlurOnRenderOptions {
  /**
   * A detector (or a promise of one) from `createDetector`; or a function that
   * creates one, called when the first image comes within `cancelMargin` of the
   * viewport (the helper then disposes it with itself).
   */
  detector: DetectorSource;
  /** Which images under the root to handle; default `img`. */
  selector?: string;
  /** How near the viewport an image must come to be checked (IntersectionObserver margin); default `50% 0px`. */
  rootMargin?: string;
  /** A check still running when its image goes farther than this is cancelled; default `200% 0px`. */
  cancelMargin?: string;
  /** The scrolling element the feed lives in, when it is not the page itself. */
  scrollRoot?: Element | null;
  /** Checks running at once; default 2. */
  concurrency?: number;
  /** The CSS blur while an image is held back; default `24px`. */
  blur?: string;
  /** Duration of the unblur transition when an image passes; default 200 ms. */
  transitionMs?: number;
  /** Blur only the detected regions of review and block images, not the whole image (needs the boxes). */
  regions?: boolean | Omit<CensorOptions, 'style'>;
  /** Wording on the covers. */
  labels?: Partial<BlurLabels>;
}

export interface BlurController {
  /** An image's current state, or null when it is not handled. */
  state(img: HTMLImageElement): BlurState | null;
  /** Stops watching, cancels checks, and removes the stylesheet, covers and attributes it added. */
  dispose(): void;
}

interface Tracked {
  img: HTMLImageElement;
  order: number;
  near: boolean;
  state: BlurState;
  abort: AbortController | null;
  /** signature() as last checked or set by Veil: any other value means the page changed the picture. */
  sig: string;
  cover: Cover | null;
  /** The URL whose bytes were checked: Veil's own copy, or the page's where the page could not read them. */
  shown: string | null;
  swap: Swap | null;
  /** Media queries whose change may make the browser show another file. */
  queries: string[];
}

/** Starts blurring and checking the images under `root` (default: the whole document). */
export function blurOnRender(root: Element | Document, options: BlurOnRenderOptions): BlurController {
  const scopeEl = root instanceof Document ? root.documentElement : root;
  if (!(scopeEl instanceof Element)) throw new VeilError(ErrorCodes.BAD_INPUT, 'blurOnRender needs an element or a document to watch.');
  if (!options?.detector) throw new VeilError(ErrorCodes.BAD_OPTION, 'blurOnRender needs `detector`: pass one from createDetector().');
  const selector = options.selector ?? 'img';
  const labels = { ...DEFAULT_LABELS, ...options.labels };
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const scrollRoot = options.scrollRoot ?? null;
  const detector = detectorWhenNeeded(options.detector);

  const scope = String(nextId());
  const anchorBase = `--veil-${scope}-`;
  const { token, release } = newToken();
  // A token list, so two controllers on one root each keep their stylesheet's scope.
  const scopes = () => (scopeEl.getAttribute('data-veil-scope') ?? '').split(' ').filter(Boolean);
  scopeEl.setAttribute('data-veil-scope', [...scopes(), scope].join(' '));
  const listeners = new Listeners();
  // First, before any other work: images already there and those added later are blurred from their first paint.
  listeners.add(injectStyle(scopeEl, blurCss(scope, selector, options.blur ?? '24px', options.transitionMs ?? 200, token)));
  listeners.add(release);
  listeners.add(() => {
    const rest = scopes().filter((s) => s !== scope);
    if (rest.length) scopeEl.setAttribute('data-veil-scope', rest.join(' '));
    else scopeEl.removeAttribute('data-veil-scope');
  });

  const tracked = new Map<HTMLImageElement, Tracked>();
  let order = 0;
  let running = 0;
  let disposed = false;

  const near = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        const t = tracked.get(e.target as HTMLImageElement);
        if (t) t.near = e.isIntersecting;
      }
      schedule();
    },
    { root: scrollRoot, rootMargin: options.rootMargin ?? '50% 0px' },
  );
  const far = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        const t = tracked.get(e.target as HTMLImageElement);
        if (t && !e.isIntersecting) cancel(t);
        // The feed is coming near: start the detector before its first image needs it.
        if (t && e.isIntersecting) void detector.get().catch(() => undefined);
      }
    },
    { root: scrollRoot, rootMargin: options.cancelMargin ?? '200% 0px' },
  );
  listeners.add(() => (near.disconnect(), far.disconnect()));

  /** The public state in data-veil; the blur itself follows only this controller's token. */
  function setState(t: Tracked, state: BlurState): void {
    t.state = state;
    t.img.setAttribute('data-veil', state);
    setClear(t.img, token, state === 'pass');
  }

  /** The cover's Show button: held-back images keep their state, and only the blur comes off. */
  const reveal = (t: Tracked) => (shown: boolean) => setClear(t.img, token, shown);

  function track(img: HTMLImageElement): void {
    if (tracked.has(img)) return;
    // Whatever Veil state an image arrives with came from the page's HTML, or from copying another image: none of it counts.
    stripForged(img, token);
    const t: Tracked = { img, order: order++, near: false, state: 'pending', abort: null, sig: signature(img), cover: null, shown: null, swap: null, queries: [] };
    tracked.set(img, t);
    setState(t, 'pending');
    near.observe(img);
    far.observe(img);
  }

  /** Gives the page its own source back (whatever of it the page has not changed since). */
  function unswap(t: Tracked): void {
    t.swap?.undo();
    t.swap = null;
    t.sig = signature(t.img);
  }

  function reset(t: Tracked): void {
    t.abort?.abort();
    t.abort = null;
    t.cover?.remove();
    t.cover = null;
    t.shown = null;
    t.queries = [];
    unswap(t);
    setState(t, 'pending');
  }

  function untrack(t: Tracked): void {
    reset(t);
    near.unobserve(t.img);
    far.unobserve(t.img);
    t.img.removeAttribute('data-veil');
    tracked.delete(t.img);
  }

  function cancel(t: Tracked): void {
    if (t.state === 'scanning') reset(t);
  }

  /** Distance from the visible area in pixels (0 when visible); ties go to document order. */
  function distance(img: HTMLImageElement): number {
    const r = img.getBoundingClientRect();
    const v = scrollRoot?.getBoundingClientRect() ?? { top: 0, left: 0, bottom: innerHeight, right: innerWidth };
    return Math.max(0, r.top - v.bottom, v.top - r.bottom) + Math.max(0, r.left - v.right, v.left - r.right);
  }

  /**
   * Picking the nearest image reads layout, so it waits for the next frame: the
   * browser lays out once there anyway, instead of once more per finished check.
   */
  let frame = 0;
  function schedule(): void {
    if (!frame && !disposed) frame = requestAnimationFrame(pump);
  }
  listeners.add(() => cancelAnimationFrame(frame));

  function pump(): void {
    frame = 0;
    if (disposed) return;
    while (running < concurrency) {
      let best: Tracked | undefined;
      let bestDistance = Infinity;
      for (const t of tracked.values()) {
        if (!t.near || t.state !== 'pending') continue;
        const d = distance(t.img);
        if (d < bestDistance || (d === bestDistance && best && t.order < best.order)) [best, bestDistance] = [t, d];
      }
      if (!best) return;
      void check(best);
    }
  }

  async function check(t: Tracked): Promise<void> {
    running++;
    const abort = new AbortController();
    t.abort = abort;
    setState(t, 'scanning');
    const stale = () => abort.signal.aborted || disposed || tracked.get(t.img) !== t || signature(t.img) !== t.sig;
    // Veil's own swap is recorded as it is made, so the watch does not take it for the page reusing the image.
    const pinned = (swap: Swap) => {
      t.swap = swap;
      t.sig = signature(t.img);
    };
    try {
      const s = await screen(t.img, await detector.get(), abort.signal, stale, pinned);
      if (!s || stale()) return;
      // Where the checked bytes cannot be shown, the page's own file is back: it may not be those bytes, so it does not pass.
      if (!s.showable) unswap(t);
      t.shown = t.swap?.url ?? s.url;
      if (!s.showable && s.result.decision === 'pass') throw await unshowable(t.img.ownerDocument, s.url);
      if (s.showable && t.img.currentSrc !== t.shown) {
        // The browser switched files during the check (srcset, <picture>): the one now shown is checked again.
        reset(t);
        return;
      }
      watch(t);
      await settle(t, s.result, stale);
    } catch (error) {
      if (stale() || isAbort(error)) return;
      // Unless set above: Veil's copy when it made one (its load may still come), else the page's file as it stands.
      t.shown ??= t.swap?.url ?? t.img.currentSrc;
      watch(t);
      setState(t, 'error');
      const unreadable = isVeilError(error) && (error.code === ErrorCodes.CROSS_ORIGIN || error.code === ErrorCodes.FETCH_FAILED);
      t.cover = addCover(t.img, anchorBase + t.order, unreadable ? labels.unreadable : labels.error, labels, reveal(t));
      emit(t.img, 'veil:error', { image: t.img, error });
    } finally {
      if (t.abort === abort) t.abort = null;
      running--;
      schedule();
    }
  }

  /** Media queries that may switch the image's file: when one flips, it is blurred and checked again. */
  function watch(t: Tracked): void {
    t.queries = queriesOf(t.img, !!t.swap);
    sources.watchQueries(t.queries);
  }

  async function settle(t: Tracked, result: ModerationResult, stale: () => boolean): Promise<void> {
    if (result.decision !== 'pass') {
      let regions: HTMLCanvasElement | undefined;
      if (options.regions && result.detections.length) {
        const pick = typeof options.regions === 'object' ? options.regions : {};
        regions = await censor(t.img, result, { ...pick, style: 'blur' }).catch(() => undefined);
        if (stale()) return;
      }
      t.cover = addCover(t.img, anchorBase + t.order, labels[result.decision], labels, reveal(t), regions);
    }
    setState(t, result.decision);
    emit(t.img, 'veil:result', { image: t.img, result });
  }

  function scan(node: Node): void {
    if (!(node instanceof Element)) return;
    if (node instanceof HTMLImageElement && node.matches(selector)) track(node);
    for (const img of node.querySelectorAll<HTMLImageElement>(selector)) if (img instanceof HTMLImageElement) track(img);
  }

  const sources = watchSources(scopeEl, listeners, {
    added(node) {
      scan(node);
      schedule();
    },
    removed() {
      for (const t of [...tracked.values()]) if (!scopeEl.contains(t.img)) untrack(t);
      schedule();
    },
    // A reused <img>, or a <picture> given other sources, may show another picture: it is checked again from the
    // start. Veil's own swaps leave the signature it recorded, so they are not taken for the page's.
    edited(img) {
      const t = tracked.get(img);
      if (t && signature(img) !== t.sig) reset(t);
      schedule();
    },
    // The browser switched files by itself: what it now shows is not what was checked.
    loaded(img) {
      const t = tracked.get(img);
      if (t && t.shown !== null && t.state !== 'scanning' && img.currentSrc !== t.shown) reset(t);
      schedule();
    },
    // Before the browser even loads the file that the new viewport or zoom calls for.
    query(q) {
      for (const t of [...tracked.values()]) if (t.queries.includes(q)) reset(t);
      schedule();
    },
  });
  scan(scopeEl);

  return {
    state: (img) => tracked.get(img)?.state ?? null,
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const t of [...tracked.values()]) untrack(t);
      listeners.clear();
      detector.dispose();
    },
  };
}
