/**
 * screenUploads: checks every image and video clip a person picks, drops or
 * pastes into a form before it can be submitted. Blocked files hold the form
 * back through the browser's own constraint validation; nothing runs on the
 * page's thread but bookkeeping, so typing and scrolling stay smooth.
 */
import { ErrorCodes, VeilError, isVeilError } from '../errors.js';
import { sniffMime } from '../image/sniff.js';
import { sniffVideo } from '../video/container.js';
import { acceptFiles } from './drop.js';
import { Listeners, LiveRegion, detectorWhenNeeded, emit, isAbort, type DetectorSource } from './shared.js';
import { DEFAULT_MESSAGES, refusalOf, takesOnlyImages, type ScreenMessages, type ScreenState, type ScreenedFile } from './upload-files.js';

export type { FileState, RefusedReason, ScreenMessages, ScreenState, ScreenedFile } from './upload-files.js';

export interface ScreenUploadsOptions {
  /**
   * A detector (or a promise of one) from `createDetector`; or a function that
   * creates one, called when the user first focuses, points at or drags onto
   * `target` (the helper then disposes it with itself).
   */
  detector: DetectorSource;
  /** Files checked at the same time; default 3. */
  concurrency?: number;
  /** What a file that could not be checked counts as; default `review`. */
  onError?: 'pass' | 'review' | 'block';
  /** What a refused file (see `FileState`) counts as; default `block`, so it cannot be submitted. */
  onRefused?: 'pass' | 'review' | 'block';
  /** Refuse submission while files are still being checked; default true. */
  holdWhileScanning?: boolean;
  /** Wording of validation messages and announcements. */
  messages?: Partial<ScreenMessages>;
  /** Your own live region; by default a visually hidden one is added. */
  liveRegion?: HTMLElement;
}

export interface UploadScreen {
  /** The worst state across all files; null when there are none. */
  readonly state: ScreenState | null;
  /** Every current file and its state. */
  files(): ScreenedFile[];
  /** Resolves once no file is being checked. */
  settled(): Promise<ScreenedFile[]>;
  /** Cancels checks, removes every listener, attribute and element it added. */
  dispose(): void;
}

interface Entry extends ScreenedFile {
  abort: AbortController;
}

/** A file input, or a drop zone without one; each keeps its own list of files. */
interface Source {
  el: Element;
  input: HTMLInputElement | null;
  entries: Entry[];
}

const RANK: Record<ScreenState, number> = { pass: 0, review: 1, scanning: 2, block: 3 };
const fileKey = (f: File) => `${f.name}\u0000${f.size}\u0000${f.lastModified}\u0000${f.type}`;
const isFileInput = (el: unknown): el is HTMLInputElement => el instanceof HTMLInputElement && el.type === 'file';

/**
 * Screens the files of `target`: a file input, a form (all its file inputs, and
 * drops and pastes anywhere on it) or any element used as a drop zone (dropped
 * files go into its file input when it has one).
 */
export function screenUploads(target: HTMLInputElement | HTMLFormElement | HTMLElement, options: ScreenUploadsOptions): UploadScreen {
  if (!(target instanceof Element)) throw new VeilError(ErrorCodes.BAD_INPUT, 'screenUploads needs a file input, a form or a drop zone element.');
  if (!options?.detector) throw new VeilError(ErrorCodes.BAD_OPTION, 'screenUploads needs `detector`: pass one from createDetector().');
  const messages = { ...DEFAULT_MESSAGES, ...options.messages };
  const concurrency = Math.max(1, options.concurrency ?? 3);
  const onError = options.onError ?? 'review';
  const onRefused = options.onRefused ?? 'block';
  const hold = options.holdWhileScanning ?? true;
  const detector = detectorWhenNeeded(options.detector); // a failure is reported per file, when one is checked

  const listeners = new Listeners();
  const live = new LiveRegion(target, options.liveRegion);
  const sources = new Map<Element, Source>();
  const queue: Entry[] = [];
  let running = 0;
  let waiters: (() => void)[] = [];
  let disposed = false;

  const effective = (e: ScreenedFile): ScreenState | null =>
    e.state === 'skipped' ? null : e.state === 'error' ? onError : e.state === 'refused' ? onRefused : e.state;
  const worst = (entries: ScreenedFile[]): ScreenState | null =>
    entries.map(effective).reduce<ScreenState | null>((a, s) => (s && (!a || RANK[s] > RANK[a]) ? s : a), null);
  const all = () => [...sources.values()].flatMap((s) => s.entries);

  function setState(el: Element, state: ScreenState | null): void {
    if (state) el.setAttribute('data-veil', state);
    else el.removeAttribute('data-veil');
  }

  function update(source: Source): void {
    const state = worst(source.entries);
    setState(source.el, state);
    if (source.el !== target) setState(target, worst(all()));
    if (source.input) {
      const held = source.entries.filter((e) => effective(e) === 'block');
      const blocked = held.filter((e) => e.state !== 'refused').map((e) => e.file);
      const refused = held.filter((e) => e.state === 'refused').map((e) => messages.refused(e.file, e.reason!, e.error));
      const scanning = source.entries.filter((e) => e.state === 'scanning').map((e) => e.file);
      const reasons = [...(blocked.length ? [messages.blocked(blocked, source.entries.filter((e) => blocked.includes(e.file)).map(publicEntry))] : []), ...refused];
      source.input.setCustomValidity(reasons.length ? reasons.join(' ') : hold && scanning.length ? messages.scanning(scanning) : '');
    }
    emit(source.el, 'veil:change', { state, files: source.entries.map(publicEntry) });
    if (!all().some((e) => e.state === 'scanning')) for (const done of waiters.splice(0)) done();
  }

  function finish(entry: Entry, source: Source, patch: Partial<ScreenedFile>): void {
    Object.assign(entry, patch);
    live.say(messages.announce(publicEntry(entry)));
    update(source);
  }

  async function check(entry: Entry, source: Source): Promise<void> {
    const { signal } = entry.abort;
    const current = () => !signal.aborted && !disposed && source.entries.includes(entry);
    try {
      // Told apart by their bytes: a renamed image is still screened, a PDF is left alone. A clip goes by its
      // bytes or its declared type: one the browser cannot read is refused for its format, not let through.
      const head = new Uint8Array(await entry.file.slice(0, 512).arrayBuffer());
      if (!current()) return;
      const image = !!sniffMime(head);
      const clip = !image && (!!sniffVideo(head) || entry.file.type.startsWith('video/'));
      if (!image && (!clip || takesOnlyImages(source.input))) {
        if (takesOnlyImages(source.input)) {
          finish(entry, source, { state: 'refused', reason: 'not-an-image' });
          emit(source.el, 'veil:refused', { file: entry.file, reason: 'not-an-image' });
        } else {
          finish(entry, source, { state: 'skipped' });
          emit(source.el, 'veil:skip', { file: entry.file, reason: 'not-an-image' });
        }
        return;
      }
      const checker = await detector.get();
      if (clip && !checker.detectVideo) {
        throw new VeilError(ErrorCodes.BAD_OPTION, 'This detector does not screen video clips: pass one from createDetector().');
      }
      const result = clip ? await checker.detectVideo!(entry.file, { signal }) : await checker.detect(entry.file, { signal });
      if (!current()) return;
      finish(entry, source, { state: result.decision, result });
      emit(source.el, 'veil:result', { file: entry.file, result });
    } catch (error) {
      if (!current() || isAbort(error)) return;
      const veilError = isVeilError(error)
        ? error
        : new VeilError(ErrorCodes.INTERNAL, `The file could not be checked: ${String(error)}`, { cause: error });
      const reason = refusalOf(veilError);
      if (reason) {
        finish(entry, source, { state: 'refused', error: veilError, reason });
        emit(source.el, 'veil:refused', { file: entry.file, reason, error: veilError });
        return;
      }
      finish(entry, source, { state: 'error', error: veilError });
      emit(source.el, 'veil:error', { file: entry.file, error: veilError });
    }
  }

  function pump(): void {
    while (running < concurrency && queue.length) {
      const entry = queue.shift()!;
      const source = [...sources.values()].find((s) => s.entries.includes(entry));
      if (!source || entry.abort.signal.aborted) continue;
      running++;
      void check(entry, source).finally(() => {
        running--;
        pump();
      });
    }
  }

  /** Makes the source's list match `files`: unchanged files keep their result, removed ones are cancelled. */
  function sync(source: Source, files: File[]): void {
    const old = source.entries;
    source.entries = files.map((file) => {
      const same = old.find((e) => e.file === file) ?? old.find((e) => fileKey(e.file) === fileKey(file));
      if (same && same.state !== 'error') return same; // a failed check is tried again
      const entry: Entry = { file, input: source.input, state: 'scanning', abort: new AbortController() };
      queue.push(entry);
      return entry;
    });
    for (const gone of old) if (!source.entries.includes(gone)) gone.abort.abort();
    update(source);
    pump();
  }

  function sourceFor(el: Element): Source {
    let source = sources.get(el);
    if (!source) {
      source = { el, input: isFileInput(el) ? el : null, entries: [] };
      sources.set(el, source);
    }
    return source;
  }

  const dropInput = (): HTMLInputElement | null =>
    isFileInput(target) ? target : target.querySelector<HTMLInputElement>('input[type="file"]:not([disabled])');

  /** Dropped or pasted files go where a picked file would, so the form submits them. */
  function addFiles(files: File[]): void {
    const input = dropInput();
    if (!input) {
      const zone = sourceFor(target);
      sync(zone, [...zone.entries.map((e) => e.file), ...files]);
      return;
    }
    const list = new DataTransfer();
    for (const f of input.multiple ? [...(input.files ?? []), ...files] : files.slice(0, 1)) list.items.add(f);
    input.files = list.files;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }

  listeners.on(target, 'change', (event) => {
    if (isFileInput(event.target) && (event.target === target || target.contains(event.target))) {
      sync(sourceFor(event.target), [...(event.target.files ?? [])]);
    }
  });
  acceptFiles(target, listeners, addFiles, !isFileInput(target));
  // The user is reaching for a file: time enough to start the detector before one is picked.
  for (const type of ['focusin', 'pointerover', 'dragenter']) listeners.on(target, type, () => void detector.get().catch(() => undefined), { once: true });
  if (target instanceof HTMLFormElement) {
    // A reset empties file inputs without a change event; read them once it is done.
    listeners.on(target, 'reset', () => setTimeout(() => sources.forEach((s) => s.input && sync(s, [...(s.input.files ?? [])]))));
  }

  // Files chosen before the helper was attached (a restored page) are checked too.
  const inputs = isFileInput(target) ? [target] : [...target.querySelectorAll<HTMLInputElement>('input[type="file"]')];
  for (const input of inputs) if (input.files?.length) sync(sourceFor(input), [...input.files]);

  return {
    get state() {
      return worst(all());
    },
    files: () => all().map(publicEntry),
    settled: () =>
      new Promise((resolve) => {
        const done = () => resolve(all().map(publicEntry));
        if (all().some((e) => e.state === 'scanning') && !disposed) waiters.push(done);
        else done();
      }),
    dispose() {
      if (disposed) return;
      disposed = true;
      listeners.clear();
      live.remove();
      detector.dispose();
      for (const source of sources.values()) {
        for (const e of source.entries) e.abort.abort();
        source.el.removeAttribute('data-veil');
        source.input?.setCustomValidity('');
      }
      target.removeAttribute('data-veil');
      sources.clear();
      for (const done of waiters.splice(0)) done();
      waiters = [];
    },
  };
}

function publicEntry({ file, input, state, result, error, reason }: ScreenedFile): ScreenedFile {
  return { file, input, state, ...(result && { result }), ...(error && { error }), ...(reason && { reason }) };
}
