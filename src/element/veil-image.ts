/**
 * `<veil-image>`: an image that stays blurred until Veil has checked it, for any
 * framework that renders HTML (Vue, Svelte, Angular, Lit, React, plain pages).
 *
 * It is blurOnRender on a picture of its own: the element keeps an <img> (in a
 * <picture> mirroring the sources of the <picture> around it) in its shadow root
 * and runs one blurOnRender controller over it, so what it shows is exactly the
 * bytes checked, the blur needs the controller's token, and the cover with its
 * Show button are the same as a feed's. The element adds the attributes, the
 * events, the policy per image, `::part()` names and custom properties.
 *
 * Nothing here touches the DOM until defineVeilImage() runs, so importing it
 * during server rendering is harmless.
 */
// Veil itself through the main entry, which the build keeps external: one copy of it in a page.
import { applyPolicy, blurOnRender, createDetector, ErrorCodes, resolvePolicy, VeilError } from '../index.js';
import type { BlurController, BlurLabels, BlurState } from '../dom/blur-on-render.js';
import type { DetectorLike } from '../dom/shared.js';
import type { DetectorOptions } from '../options.js';
import type { PolicyOptions, PolicyPreset } from '../policy.js';
import type { ModerationResult } from '../result.js';

/** `cover`: the whole image stays blurred under a cover; `parts`: only the detected parts stay blurred. */
export type VeilImageMode = 'cover' | 'parts';

/** What a `<veil-image>` screens with: a detector, or a promise of one. */
export type VeilImageDetector = DetectorLike | PromiseLike<DetectorLike>;

export interface DefineVeilImageOptions {
  /**
   * The detector every `<veil-image>` without one of its own shares: options for
   * createDetector (it is made when the first image is checked), a detector, or a
   * promise of one.
   */
  detector?: DetectorOptions | VeilImageDetector;
  /** Wording on the covers. */
  labels?: Partial<BlurLabels>;
  /** Duration of the unblur transition when an image passes; default 200 ms (none under `prefers-reduced-motion`). */
  transitionMs?: number;
}

/** `veil-result` and `veil-blocked` events' detail. */
export interface VeilResultDetail {
  result: ModerationResult;
}
/** `veil-error` events' detail. */
export interface VeilErrorDetail {
  error: unknown;
}

/** The `<veil-image>` element. */
export interface VeilImageElement extends HTMLElement {
  src: string;
  srcset: string;
  sizes: string;
  alt: string;
  loading: string;
  width: number;
  height: number;
  /** `cover` (default) or `parts`; the `mode` attribute. */
  mode: VeilImageMode;
  /** A preset name (the `policy` attribute) or policy options; null: the detector's verdict. */
  policy: PolicyOptions | PolicyPreset | null;
  /** This image's detector; null: the shared one (see defineVeilImage). */
  detector: VeilImageDetector | null;
  /** The last check's result; null before it ends, after an error, and once `src`, `srcset` or `sizes` change. */
  readonly result: ModerationResult | null;
  /** Where the check stands: `pending`, `scanning`, `pass`, `review`, `block` or `error`. */
  readonly state: BlurState;
}

declare global {
  interface HTMLElementTagNameMap {
    'veil-image': VeilImageElement;
  }
  interface HTMLElementEventMap {
    'veil-result': CustomEvent<VeilResultDetail>;
    'veil-blocked': CustomEvent<VeilResultDetail>;
    'veil-error': CustomEvent<VeilErrorDetail>;
  }
}

/** Attributes passed on to the inner <img> as they are. */
const IMG_ATTRIBUTES = ['src', 'srcset', 'sizes', 'alt', 'width', 'height', 'loading', 'crossorigin', 'referrerpolicy', 'decoding', 'fetchpriority'];

/**
 * The element's own rules. The host keeps the image's box from the first frame
 * (width and height attributes give the <img> its aspect ratio before it loads);
 * the cover fills the frame; colours and the blur come from custom properties
 * that pages set on `veil-image` (they inherit into the shadow root).
 */
const CSS = `
:host{display:inline-block;position:relative;max-width:100%}
:host([hidden]){display:none}
.frame{position:relative}
picture,img{display:block}
img{max-width:100%;height:auto}
.frame>.veil-cover{top:0;left:0;width:100%;height:100%;flex-direction:column;color:var(--veil-cover-color,#fff);font:var(--veil-cover-font,600 13px/1.3 system-ui,sans-serif)}
.frame>.veil-cover:not([data-veil-shown],[data-veil-regions]){background:var(--veil-cover-background,#14182059)}
.frame>.veil-cover button{color:var(--veil-button-color,#111);background:var(--veil-button-background,#fff)}
.frame>.veil-cover button:focus-visible{outline:3px solid var(--veil-focus-color,#3157d5);outline-offset:2px}
`;

const isThenable = (x: unknown): x is PromiseLike<unknown> => typeof (x as PromiseLike<unknown> | null)?.then === 'function';
const isDetector = (x: unknown): x is VeilImageDetector => isThenable(x) || typeof (x as DetectorLike | null)?.detect === 'function';

let defined = false;
let sharedSource: DefineVeilImageOptions['detector'];
let shared: Promise<DetectorLike> | null = null;
let settings: Omit<DefineVeilImageOptions, 'detector'> = {};

/** The shared detector, made on first use; a failed creation is tried again at the next check. */
function sharedDetector(): Promise<DetectorLike> {
  if (!shared) {
    const source = sharedSource;
    const made: Promise<DetectorLike> = isDetector(source) ? Promise.resolve(source) : createDetector((source as DetectorOptions | undefined) ?? {});
    shared = made;
    made.catch(() => shared === made && (shared = null));
  }
  return shared;
}

/**
 * An element's own policy is applied to the parts NudeNet found, as the
 * detector's own policy would have been. A whole-image classifier's evidence cannot be re-read from
 * the result (its class mapping stays in the worker), so then the detector's
 * verdict stands and a note says why.
 */
function underPolicy(result: ModerationResult, policy: PolicyOptions | PolicyPreset | null): ModerationResult {
  if (policy === null) return result;
  const resolved = resolvePolicy(policy);
  if (result.raw.classifier) {
    return { ...result, notes: [...result.notes, "The image's policy was not applied: a whole-image classifier ran, so give the policy to the detector (createDetector({ policy }))."] };
  }
  const verdict = applyPolicy(result.detections.map((d) => ({ class: d.cls, score: d.score })), resolved);
  return { ...result, ...verdict };
}

function makeClass(): CustomElementConstructor {
  return class VeilImage extends HTMLElement implements VeilImageElement {
    static observedAttributes = [...IMG_ATTRIBUTES, 'mode', 'policy'];

    readonly #frame: HTMLElement;
    readonly #picture: HTMLPictureElement;
    readonly #img: HTMLImageElement;
    #controller: BlurController | null = null;
    #detector: VeilImageDetector | null = null;
    #policy: PolicyOptions | null = null;
    #result: ModerationResult | null = null;
    #pictureWatch: MutationObserver | null = null;
    #restart = false;

    constructor() {
      super();
      const root = this.attachShadow({ mode: 'open' });
      const doc = this.ownerDocument;
      const style = doc.createElement('style');
      style.textContent = CSS;
      this.#frame = doc.createElement('div');
      this.#frame.className = 'frame';
      this.#frame.setAttribute('part', 'frame');
      this.#picture = doc.createElement('picture');
      this.#img = doc.createElement('img');
      this.#img.setAttribute('part', 'image');
      this.#picture.append(this.#img);
      root.append(style, this.#frame);
      // blurOnRender's events stop at the shadow root; the host gives them their public names.
      root.addEventListener('veil:result', (event) => {
        event.stopPropagation();
        const { result } = (event as CustomEvent<{ result: ModerationResult }>).detail;
        this.#result = result;
        this.#emit('veil-result', { result });
        if (result.decision === 'block') this.#emit('veil-blocked', { result });
      });
      root.addEventListener('veil:error', (event) => {
        event.stopPropagation();
        this.#result = null;
        this.#emit('veil-error', { error: (event as CustomEvent<{ error: unknown }>).detail.error });
      });
    }

    connectedCallback(): void {
      // Properties a framework set before the element was defined would hide the accessors.
      for (const name of ['detector', 'policy', 'mode'] as const) {
        if (Object.hasOwn(this, name)) {
          const value = this[name];
          delete (this as unknown as Record<string, unknown>)[name];
          (this as unknown as Record<string, unknown>)[name] = value;
        }
      }
      for (const name of IMG_ATTRIBUTES) this.#forward(name);
      this.#mirrorSources();
      // The picture joins the frame only under the controller, whose stylesheet blurs it from its first frame.
      this.#start();
      this.#frame.append(this.#picture);
    }

    disconnectedCallback(): void {
      this.#stop();
      this.#picture.remove();
    }

    attributeChangedCallback(name: string): void {
      if (IMG_ATTRIBUTES.includes(name)) {
        // blurOnRender sees the edit, blurs the image and checks it again.
        if (name === 'src' || name === 'srcset' || name === 'sizes') this.#result = null;
        this.#forward(name);
      } else this.#restartSoon();
    }

    get result(): ModerationResult | null {
      return this.#result;
    }
    get state(): BlurState {
      return this.#controller?.state(this.#img) ?? 'pending';
    }

    get mode(): VeilImageMode {
      return this.getAttribute('mode') === 'parts' ? 'parts' : 'cover';
    }
    set mode(value: VeilImageMode) {
      this.setAttribute('mode', value);
    }

    get policy(): PolicyOptions | PolicyPreset | null {
      return this.#policy ?? (this.getAttribute('policy') as PolicyPreset | null);
    }
    set policy(value: PolicyOptions | PolicyPreset | null) {
      if (typeof value === 'string') {
        this.#policy = null;
        this.setAttribute('policy', value);
        return;
      }
      this.#policy = value ?? null;
      this.removeAttribute('policy');
      this.#restartSoon();
    }

    get detector(): VeilImageDetector | null {
      return this.#detector;
    }
    set detector(value: VeilImageDetector | null) {
      if (value === this.#detector) return;
      if (value !== null && value !== undefined && !isDetector(value)) {
        throw new VeilError(ErrorCodes.BAD_OPTION, '<veil-image> `detector` must be a detector from createDetector() or a promise of one.');
      }
      this.#detector = value ?? null;
      this.#restartSoon();
    }

    get src(): string { return this.getAttribute('src') ?? ''; }
    set src(v: string) { this.setAttribute('src', v); }
    get srcset(): string { return this.getAttribute('srcset') ?? ''; }
    set srcset(v: string) { this.setAttribute('srcset', v); }
    get sizes(): string { return this.getAttribute('sizes') ?? ''; }
    set sizes(v: string) { this.setAttribute('sizes', v); }
    get alt(): string { return this.getAttribute('alt') ?? ''; }
    set alt(v: string) { this.setAttribute('alt', v); }
    get loading(): string { return this.getAttribute('loading') ?? 'eager'; }
    set loading(v: string) { this.setAttribute('loading', v); }
    get width(): number { return Number(this.getAttribute('width') ?? 0) || 0; }
    set width(v: number) { this.setAttribute('width', String(v)); }
    get height(): number { return Number(this.getAttribute('height') ?? 0) || 0; }
    set height(v: number) { this.setAttribute('height', String(v)); }

    #emit(type: string, detail: unknown): void {
      this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
    }

    #forward(name: string): void {
      const value = this.getAttribute(name);
      if (value === null) this.#img.removeAttribute(name);
      else if (this.#img.getAttribute(name) !== value) this.#img.setAttribute(name, value);
    }

    /** Inside a <picture>, its sources choose the file: the element's own picture gets copies of them. */
    #mirrorSources(): void {
      const parent = this.parentElement instanceof HTMLPictureElement ? this.parentElement : null;
      const wanted = parent ? [...parent.children].filter((c): c is HTMLSourceElement => c instanceof HTMLSourceElement) : [];
      const mine = [...this.#picture.children].filter((c) => c instanceof HTMLSourceElement);
      const same = wanted.length === mine.length && wanted.every((s, i) => s.isEqualNode(mine[i]!));
      if (same) return;
      for (const s of mine) s.remove();
      this.#img.before(...wanted.map((s) => s.cloneNode(false)));
    }

    /** What the controller checks with: this image's detector or the shared one, then this image's policy. */
    #checker(): DetectorLike {
      const source = this.#detector;
      const policy = this.policy;
      return {
        detect: async (input, options) => underPolicy(await (await (source ?? sharedDetector())).detect(input, options), policy),
      };
    }

    #start(): void {
      if (this.#controller) return;
      this.#controller = blurOnRender(this.#frame, {
        detector: this.#checker(),
        regions: this.mode === 'parts',
        blur: 'var(--veil-blur,24px)',
        concurrency: 1,
        ...settings,
      });
      const parent = this.parentElement;
      if (parent instanceof HTMLPictureElement) {
        this.#pictureWatch = new MutationObserver(() => this.#mirrorSources());
        this.#pictureWatch.observe(parent, { childList: true, subtree: true, attributes: true });
      }
    }

    #stop(): void {
      this.#controller?.dispose();
      this.#controller = null;
      this.#pictureWatch?.disconnect();
      this.#pictureWatch = null;
    }

    /** Several changes in one task (a framework setting detector, policy and mode) restart the check once. */
    #restartSoon(): void {
      if (this.#restart || !this.#controller) return;
      this.#restart = true;
      queueMicrotask(() => {
        this.#restart = false;
        if (!this.#controller) return;
        this.#stop();
        this.#result = null;
        this.#start();
      });
    }
  };
}

/**
 * Registers `<veil-image>` (once; later calls change nothing but the shared
 * detector, until it is made). Call it before or after the elements are in the
 * page: they upgrade when it runs. On a server (no `customElements`) it does nothing.
 */
export function defineVeilImage(options: DefineVeilImageOptions = {}): void {
  if (options.detector !== undefined && options.detector !== sharedSource) {
    if (shared) throw new VeilError(ErrorCodes.BAD_OPTION, "defineVeilImage: the shared detector is already made; pass `detector` in the first call, before any image is checked.");
    sharedSource = options.detector;
  }
  if (defined || typeof customElements === 'undefined') return;
  defined = true;
  const { detector: _, ...rest } = options;
  settings = rest;
  if (!customElements.get('veil-image')) customElements.define('veil-image', makeClass());
}
