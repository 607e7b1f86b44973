/**
 * watchVideo: screens a playing video, or a camera stream, a few frames a
 * second, and blurs it while the latest frame screened blocks. Frames are taken
 * as the browser presents them (requestVideoFrameCallback) and handed to the
 * detector as ImageBitmaps; a frame that arrives while the previous one is still
 * being screened is dropped, never queued, so a slow device falls behind by at
 * most one frame and the page's thread only keeps the books.
 */
import { ErrorCodes, VeilError, isVeilError } from '../errors.js';
import type { ModerationResult } from '../result.js';
import { newToken, setClear, stripForged } from './clear-token.js';
import { DEFAULT_LABELS, addCover, coverCss, type BlurLabels, type Cover } from './cover.js';
import { Listeners, detectorWhenNeeded, injectStyle, isAbort, nextId, type DetectorSource } from './shared.js';

/** The video's state, in its `data-veil` attribute: `pending` until the first frame's verdict. */
export type VideoWatchState = 'pending' | 'pass' | 'review' | 'block' | 'error';

/** Which frame a result is for. */
export interface WatchedFrame {
  /** The frame's position in the media, in seconds (for a camera, the time since the stream started). */
  time_s: number;
}

export interface WatchVideoOptions {
  /** A detector (or a promise of one) from `createDetector`; or a function that creates one, called for the first frame (the helper then disposes it when it stops). */
  detector: DetectorSource;
  /** Frames screened per second, at most; default 2. Frames arriving while one is being screened are dropped. */
  fps?: number;
  /** Called with each screened frame's result, in order. */
  onResult?: (result: ModerationResult, frame: WatchedFrame) => void;
  /** Called when a frame could not be screened; the video keeps its last verdict. */
  onError?: (error: VeilError, frame: WatchedFrame) => void;
  /** The CSS blur while the latest verdict blocks; default `24px`. `false` leaves the video as it is (results only). */
  blur?: string | false;
  /** Wording on the cover. */
  labels?: Partial<BlurLabels>;
}

export interface VideoWatch {
  /** The latest verdict's decision, `pending` before the first, or `error` when the latest frame failed. */
  readonly state: VideoWatchState;
  /** The latest frame's result, or null. */
  readonly result: ModerationResult | null;
  /** Stops screening and removes everything it added: the callback, the stylesheet, the cover, the attributes. */
  stop(): void;
}

type FrameCallback = (now: number, metadata: { mediaTime: number }) => void;
interface FrameCallbacks {
  requestVideoFrameCallback(callback: FrameCallback): number;
  cancelVideoFrameCallback(handle: number): void;
}

/** Starts screening `video`'s frames; blurs it, with a cover and a Show button, while the latest verdict blocks. */
export function watchVideo(video: HTMLVideoElement, options: WatchVideoOptions): VideoWatch {
  if (!(video instanceof HTMLVideoElement)) throw new VeilError(ErrorCodes.BAD_INPUT, 'watchVideo needs a <video> element.');
  if (!options?.detector) throw new VeilError(ErrorCodes.BAD_OPTION, 'watchVideo needs `detector`: pass one from createDetector().');
  const fps = options.fps ?? 2;
  if (!(fps > 0) || !Number.isFinite(fps)) throw new VeilError(ErrorCodes.BAD_OPTION, `watchVideo's \`fps\` must be a positive number of frames a second, not ${String(fps)}.`);
  const interval = 1000 / fps;
  const labels = { ...DEFAULT_LABELS, ...options.labels };
  const detector = detectorWhenNeeded(options.detector); // a failure is reported through onError, frame by frame

  const id = String(nextId());
  const anchor = `--veil-video-${id}`;
  const { token, release } = newToken();
  const listeners = new Listeners();
  let state: VideoWatchState = 'pending';
  let latest: ModerationResult | null = null;
  let cover: Cover | null = null;
  let stopped = false;
  let busy = false;
  let lastStart = -Infinity;
  let inFlight: AbortController | null = null;

  // The same rule as blurOnRender's: blurred unless this watch's own token clears it, so the page's HTML cannot lift it.
  const self = `video[data-veil-watch="${id}"]`;
  stripForged(video, token);
  video.setAttribute('data-veil-watch', id);
  listeners.add(() => video.removeAttribute('data-veil-watch'));
  if (options.blur !== false) {
    listeners.add(
      injectStyle(
        video,
        `:where(${self}):not([data-veil-clear~="${token}"]){filter:blur(${options.blur ?? '24px'})!important}\n:where(${self}){clip-path:inset(0)}\n${coverCss(`.veil-cover[data-veil-watch-cover="${id}"]`)}`,
      ),
    );
  }
  listeners.add(() => {
    setClear(video, token, false);
    video.removeAttribute('data-veil');
  });
  listeners.add(release);
  listeners.add(() => uncover());

  function uncover(): void {
    cover?.remove();
    cover = null;
  }

  /** Block blurs, with the cover; anything else shows the video. The cover's Show button lifts the blur until the verdict changes. */
  function setState(next: VideoWatchState): void {
    state = next;
    video.setAttribute('data-veil', next);
    const hold = next === 'block' && options.blur !== false;
    if (hold && !cover) {
      cover = addCover(video, anchor, labels.block, labels, (shown) => setClear(video, token, shown));
      cover.el.setAttribute('data-veil-watch-cover', id);
    }
    if (!hold) uncover();
    // Kept clear while the reader has chosen to see it.
    setClear(video, token, !hold || !!cover?.el.hasAttribute('data-veil-shown'));
  }
  setState('pending');

  // A new source: the verdict was about another picture.
  listeners.on(video, 'emptied', () => {
    inFlight?.abort();
    latest = null;
    setState('pending');
  });

  async function screenFrame(time_s: number): Promise<void> {
    busy = true;
    const abort = new AbortController();
    inFlight = abort;
    let bitmap: ImageBitmap | undefined;
    try {
      // The frame as presented now; the detector gets its own copy, off this thread from here on.
      bitmap = await createImageBitmap(video);
      if (abort.signal.aborted) return;
      const checker = await detector.get().catch((error: unknown) => {
        stopSampling(); // no detector: watching would only ask for one again at every frame
        throw error;
      });
      const result = await checker.detect(bitmap, { signal: abort.signal });
      if (abort.signal.aborted) return;
      latest = result;
      setState(result.decision);
      options.onResult?.(result, { time_s });
    } catch (error) {
      if (abort.signal.aborted || isAbort(error)) return;
      const veilError = isVeilError(error) ? error : unreadable(error);
      // A disposed detector answers nothing again: no more frames are taken.
      if (veilError.code === ErrorCodes.DISPOSED) stopSampling();
      // The video keeps its last verdict (a blocked one stays blurred); without one yet, it is in error.
      if (!latest) setState('error');
      options.onError?.(veilError, { time_s });
    } finally {
      bitmap?.close();
      if (inFlight === abort) inFlight = null;
      busy = false;
    }
  }

  // Sampling: every presented frame is offered; one is taken when none is being screened and 1/fps has passed.
  const callbacks = 'requestVideoFrameCallback' in video ? (video as unknown as FrameCallbacks) : null;
  let handle = 0;
  function arm(): void {
    if (stopped) return;
    if (callbacks) handle = callbacks.requestVideoFrameCallback(onFrame);
    else handle = window.setTimeout(() => (video.paused ? arm() : onFrame(performance.now(), { mediaTime: video.currentTime })), interval);
  }
  function stopSampling(): void {
    stopped = true;
    if (callbacks) callbacks.cancelVideoFrameCallback(handle);
    else clearTimeout(handle);
  }
  function onFrame(_now: number, metadata: { mediaTime: number }): void {
    arm();
    const now = performance.now();
    if (busy || now - lastStart < interval || video.readyState < 2) return;
    lastStart = now;
    void screenFrame(metadata.mediaTime);
  }
  listeners.add(stopSampling);
  listeners.add(() => inFlight?.abort());
  arm();

  return {
    get state() {
      return state;
    },
    get result() {
      return latest;
    },
    stop() {
      stopSampling();
      listeners.clear();
      detector.dispose();
    },
  };
}

/** Why a frame could not be copied: a cross-origin video without CORS, or no picture yet. */
function unreadable(error: unknown): VeilError {
  const why = error instanceof Error ? error.message : String(error);
  if ((error as { name?: unknown } | null)?.name === 'SecurityError') {
    return new VeilError(ErrorCodes.CROSS_ORIGIN, `This video comes from another site without CORS: its frames cannot be read (${why}).`, { cause: error });
  }
  return new VeilError(ErrorCodes.BAD_INPUT, `This video's frame could not be read (${why}).`, { cause: error });
}
