/**
 * The demo's detector: created from the settings, re-created when a setting
 * that needs a new model or provider changes, and shared by every tab through a
 * stable `detect()` and `detectVideo()` that always use the current one.
 */
import { createDetector, isVeilError, type Detector, type DetectorLike, type DetectorOptions, type ModelProgress } from 'veil-nsfw';
import { MODELS, type ModelId } from './models.js';
import type { Settings } from './settings.js';

/** The built-in name Veil loads from models/<name>.onnx next to the page: the file `MODELS.classifier` points at. */
export const CLASSIFIER = 'nsfwjs-mobilenet-v2';

/** What a detector runs: one model, and with NudeNet also the classifier when it is installed. */
export interface Setup {
  model: ModelId;
  withClassifier: boolean;
}

/** How the page names a setup: "NudeNet 320n + MobileNetV2 classifier". */
export const setupName = (setup: Setup) => `${MODELS[setup.model].name}${setup.withClassifier ? ` + ${MODELS.classifier.name}` : ''}`;

export type EngineEvent =
  | { type: 'loading'; setup: Setup }
  | { type: 'progress'; setup: Setup; progress: ModelProgress }
  | { type: 'ready'; setup: Setup; detector: Detector }
  | { type: 'failed'; setup: Setup; error: unknown };

/** Whether a model file is served (Vite answers unknown paths with the page itself). */
async function installed(id: ModelId): Promise<boolean> {
  const head = await fetch(MODELS[id].url, { method: 'HEAD' }).catch(() => null);
  return !!head?.ok && !(head.headers.get('content-type') ?? '').includes('text/html');
}

export async function installedModels(): Promise<Record<ModelId, boolean>> {
  const ids = Object.keys(MODELS) as ModelId[];
  const found = await Promise.all(ids.map(installed));
  return Object.fromEntries(ids.map((id, i) => [id, found[i]])) as Record<ModelId, boolean>;
}

export class Engine {
  #current: Promise<Detector> | null = null;
  #detector: Detector | null = null;
  #generation = 0;
  #policy: Settings['policy'] | null = null;
  readonly #listeners = new Set<(event: EngineEvent) => void>();

  /** A detector-like object for the helpers: it follows the engine across re-creations. */
  readonly shared: Required<Pick<DetectorLike, 'detect' | 'detectVideo'>> = {
    detect: (input, options) => this.#call((detector) => detector.detect(input, options)),
    detectVideo: (input, options) => this.#call((detector) => detector.detectVideo(input, options)),
  };

  async #call<T>(run: (detector: Detector) => Promise<T>): Promise<T> {
    const detector = await this.current();
    try {
      return await run(detector);
    } catch (error) {
      // Settings changed while this ran: the old detector was disposed (4100); ask the new one.
      if (isVeilError(error) && error.code === '4100' && (await this.current()) !== detector) return this.#call(run);
      throw error;
    }
  }

  on(listener: (event: EngineEvent) => void): void {
    this.#listeners.add(listener);
  }

  #emit(event: EngineEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  current(): Promise<Detector> {
    if (!this.#current) throw new Error('The engine has not been started.');
    return this.#current;
  }

  /** Starts a detector for these settings; earlier calls still loading are superseded. */
  start(settings: Settings, setup: Setup): Promise<Detector> {
    const generation = ++this.#generation;
    this.#policy = settings.policy;
    this.#emit({ type: 'loading', setup });
    const options: DetectorOptions = {
      providers: settings.providers,
      policy: settings.policy,
      onProgress: (progress) => generation === this.#generation && this.#emit({ type: 'progress', setup, progress }),
    };
    // The classifier by its built-in name, as a page using Veil would ask for it; alone, it needs no NudeNet model.
    if (MODELS[setup.model].kind !== 'classifier') options.model = MODELS[setup.model].url;
    if (MODELS[setup.model].kind === 'classifier' || setup.withClassifier) options.classifier = CLASSIFIER;
    if (settings.mode !== 'local') {
      options.mode = settings.mode;
      // An empty URL is left for createDetector to refuse with its own sentence.
      if (settings.gatewayUrl) options.remote = { url: settings.gatewayUrl, apiKey: settings.apiKey };
    }
    const next = createDetector(options);
    this.#current = next;
    next.then(
      (detector) => {
        if (generation !== this.#generation) return detector.dispose();
        this.#detector?.dispose();
        this.#detector = detector;
        // The policy may have changed while this detector was loading.
        if (this.#policy) detector.setPolicy(this.#policy);
        this.#emit({ type: 'ready', setup, detector });
      },
      (error) => generation === this.#generation && this.#emit({ type: 'failed', setup, error }),
    );
    return next;
  }

  /** Policy changes need no new model: the worker takes them at once (and a detector still loading, once ready). */
  setPolicy(policy: Settings['policy']): void {
    this.#policy = policy;
    this.#detector?.setPolicy(policy);
  }
}
