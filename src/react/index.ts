/**
 * `veil-nsfw/react`: Veil for React 18 and 19. One detector per tree
 * (<VeilProvider>), <ScreenedImage> (the React face of `<veil-image>`) and
 * useScreenedUpload() (screenUploads as a hook). The build marks this file
 * 'use client'. Nothing touches the page during a server render: the detector
 * is made on the first check, the element is registered in an effect.
 */
import {
  createContext,
  createElement,
  forwardRef,
  useCallback,
  useContext,
  useEffect,
  useImperativeHandle,
  useRef,
  useState,
  type HTMLAttributes,
  type ReactNode,
} from 'react';
import type { Detector, DetectOptions, DetectVideoOptions, VideoInput } from '../detector.js';
// Veil itself through the main entry, and <veil-image> through its own: the build keeps both shared, never copied.
import { createDetector, ErrorCodes, screenUploads, VeilError } from '../index.js';
import { defineVeilImage } from '../element/index.js';
import type { VeilImageDetector, VeilImageElement, VeilImageMode } from '../element/veil-image.js';
import type { DetectorOptions } from '../options.js';
import type { DetectInput } from '../types.js';
import type { PolicyOptions, PolicyPreset } from '../policy.js';
import type { ModerationResult, VideoResult } from '../result.js';
import type { ScreenUploadsOptions, UploadScreen } from '../dom/screen-uploads.js';
import type { DetectorSource } from '../dom/shared.js';
import { DEFAULT_MESSAGES, type ScreenState, type ScreenedFile } from '../dom/upload-files.js';

/**
 * The provider's detector. It is made on the first check (not during a server
 * render, nor by StrictMode's trial mount), and disposed when the provider
 * unmounts; StrictMode's remount makes it again when it is next needed.
 */
export interface VeilDetector {
  detect(input: DetectInput, options?: DetectOptions): Promise<ModerationResult>;
  detectVideo(input: VideoInput, options?: DetectVideoOptions): Promise<VideoResult>;
  /** The detector itself (made now if it was not yet): `info`, `warmUp()`, `setPolicy()`. */
  ready(): Promise<Detector>;
}

interface OwnedDetector extends VeilDetector {
  dispose(): void;
}

function lazyDetector(options: DetectorOptions): OwnedDetector {
  let made: Promise<Detector> | null = null;
  const ready = () => {
    if (!made) {
      const attempt = createDetector(options);
      made = attempt;
      attempt.catch(() => made === attempt && (made = null));
    }
    return made;
  };
  return {
    ready,
    detect: async (input, o) => (await ready()).detect(input, o),
    detectVideo: async (input, o) => (await ready()).detectVideo(input, o),
    dispose() {
      const was = made;
      made = null;
      void was?.then((d) => d.dispose(), () => undefined);
    },
  };
}

const VeilContext = createContext<VeilDetector | null>(null);

export interface VeilProviderProps {
  /** createDetector's options, read on the first render. */
  options: DetectorOptions;
  children?: ReactNode;
}

/** One detector for everything below it; disposed when the provider unmounts. */
export function VeilProvider({ options, children }: VeilProviderProps): ReactNode {
  const [detector] = useState(() => lazyDetector(options));
  useEffect(() => () => detector.dispose(), [detector]);
  return createElement(VeilContext.Provider, { value: detector }, children);
}

/** The nearest <VeilProvider>'s detector. */
export function useDetector(): VeilDetector {
  const detector = useContext(VeilContext);
  if (!detector) throw new VeilError(ErrorCodes.BAD_OPTION, 'useDetector() needs a <VeilProvider options={…}> above this component.');
  return detector;
}

export interface ScreenedImageProps extends Omit<HTMLAttributes<HTMLElement>, 'onError' | 'children'> {
  src?: string;
  srcSet?: string;
  sizes?: string;
  alt: string;
  width?: number | string;
  height?: number | string;
  loading?: 'eager' | 'lazy';
  crossOrigin?: 'anonymous' | 'use-credentials' | '';
  referrerPolicy?: ReferrerPolicy;
  /** `cover` (default): the whole image under a cover; `parts`: only the detected parts blurred. */
  mode?: VeilImageMode;
  /** This image's policy: a preset or options; default the detector's. */
  policy?: PolicyOptions | PolicyPreset;
  /** This image's detector; default the <VeilProvider>'s, else `<veil-image>`'s shared one. */
  detector?: VeilImageDetector | VeilDetector;
  /** Each check's result. */
  onResult?: (result: ModerationResult) => void;
  /** A check whose decision is `block`. */
  onBlocked?: (result: ModerationResult) => void;
  /** A check that failed (the image stays covered). */
  onError?: (error: unknown) => void;
}

/** `<veil-image>` for React: blurred until checked, covered when held back. */
export const ScreenedImage = forwardRef<VeilImageElement | null, ScreenedImageProps>(function ScreenedImage(props, ref) {
  const { srcSet, crossOrigin, referrerPolicy, mode, policy, detector, onResult, onBlocked, onError, ...rest } = props;
  const element = useRef<VeilImageElement | null>(null);
  useImperativeHandle(ref, () => element.current!, []);
  const provided = useContext(VeilContext);
  const handlers = useRef({ onResult, onBlocked, onError });
  handlers.current = { onResult, onBlocked, onError };

  useEffect(() => {
    const el = element.current!;
    const result = (e: CustomEvent<{ result: ModerationResult }>) => handlers.current.onResult?.(e.detail.result);
    const blocked = (e: CustomEvent<{ result: ModerationResult }>) => handlers.current.onBlocked?.(e.detail.result);
    const failed = (e: CustomEvent<{ error: unknown }>) => handlers.current.onError?.(e.detail.error);
    el.addEventListener('veil-result', result);
    el.addEventListener('veil-blocked', blocked);
    el.addEventListener('veil-error', failed);
    return () => {
      el.removeEventListener('veil-result', result);
      el.removeEventListener('veil-blocked', blocked);
      el.removeEventListener('veil-error', failed);
    };
  }, []);

  // Objects go in as properties, after the element is defined; an options object given anew each render counts once.
  const objectPolicy = policy && typeof policy === 'object' ? policy : null;
  const policyKey = objectPolicy ? JSON.stringify(objectPolicy) : '';
  const chosen = (detector ?? provided) as VeilImageDetector | null;
  useEffect(() => {
    // Same commit as the other images' effects: the element starts checking after all of them ran.
    defineVeilImage();
    const el = element.current!;
    el.detector = chosen;
    if (objectPolicy) el.policy = objectPolicy;
  }, [chosen, policyKey]);

  return createElement('veil-image', {
    ...rest,
    ref: element,
    srcset: srcSet,
    crossorigin: crossOrigin,
    referrerpolicy: referrerPolicy,
    mode,
    policy: typeof policy === 'string' ? policy : undefined,
  });
});

export interface HeldBackFile {
  file: File;
  /** Why it cannot be sent, in the sentence the form's validation shows. */
  sentence: string;
  entry: ScreenedFile;
}

export interface ScreenedUpload {
  /** Put it on an `<input type="file">`, a `<form>` or a drop zone. */
  ref: (el: HTMLElement | null) => void;
  /** The worst state of the files; null when there are none. */
  state: ScreenState | null;
  /** Every file and its state (`scanning`, `pass`, `review`, `block`, `refused`, `error`, `skipped`). */
  files: ScreenedFile[];
  /** The files the form will not send, each with its sentence. */
  heldBack: HeldBackFile[];
  /** Resolves once no file is being checked. */
  settled(): Promise<ScreenedFile[]>;
}

export type UseScreenedUploadOptions = Omit<ScreenUploadsOptions, 'detector'> & {
  /** Default: the <VeilProvider>'s detector. */
  detector?: DetectorSource;
};

/** screenUploads on the element `ref` is given, with its files as React state. */
export function useScreenedUpload(options: UseScreenedUploadOptions = {}): ScreenedUpload {
  const provided = useContext(VeilContext);
  const latest = useRef(options);
  latest.current = options;
  const screen = useRef<{ screen: UploadScreen; off(): void } | null>(null);
  const [snapshot, setSnapshot] = useState<{ state: ScreenState | null; files: ScreenedFile[] }>({ state: null, files: [] });

  // React calls it with null on unmount (18 and 19 alike), which disposes; StrictMode's second attach screens anew.
  const ref = useCallback(
    (el: HTMLElement | null) => {
      screen.current?.screen.dispose();
      screen.current?.off();
      screen.current = null;
      if (!el) return;
      const detector = latest.current.detector ?? provided;
      if (!detector) throw new VeilError(ErrorCodes.BAD_OPTION, 'useScreenedUpload() needs a <VeilProvider> above it, or `detector`.');
      const made = screenUploads(el, { ...latest.current, detector });
      const changed = () => setSnapshot({ state: made.state, files: made.files() });
      el.addEventListener('veil:change', changed);
      screen.current = { screen: made, off: () => el.removeEventListener('veil:change', changed) };
    },
    [provided],
  );

  const { onError = 'review', onRefused = 'block' } = options;
  const messages = { ...DEFAULT_MESSAGES, ...options.messages };
  const heldBack: HeldBackFile[] = [];
  for (const entry of snapshot.files) {
    if (entry.state === 'block') heldBack.push({ file: entry.file, entry, sentence: messages.blocked([entry.file], [entry]) });
    else if (entry.state === 'refused' && onRefused === 'block') heldBack.push({ file: entry.file, entry, sentence: messages.refused(entry.file, entry.reason!, entry.error) });
    else if (entry.state === 'error' && onError === 'block') heldBack.push({ file: entry.file, entry, sentence: String((entry.error as Error | undefined)?.message ?? '') });
  }
  const settled = useCallback(() => screen.current?.screen.settled() ?? Promise.resolve([]), []);
  return { ref, state: snapshot.state, files: snapshot.files, heldBack, settled };
}

export type { VeilImageElement, VeilImageMode } from '../element/veil-image.js';
export type { ScreenedFile, ScreenState } from '../dom/upload-files.js';
